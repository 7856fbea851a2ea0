// Environment variables for the stores' defaults (endpoints, keys): "" when unset; and "~" in
// the paths of credentials files.
#pragma once

#include <cstdlib>
#include <string>

namespace hub::store {

inline std::string EnvironmentVariable(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

// "~/x" -> "$HOME/x" (and "~" -> "$HOME"); other paths as they are.
inline std::string ExpandHome(const std::string& path) {
  if (path == "~" || path.starts_with("~/")) {
    if (const char* home = std::getenv("HOME")) return home + path.substr(1);
  }
  return path;
}

}  // namespace hub::store
