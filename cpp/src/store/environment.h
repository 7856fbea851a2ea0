// Environment variables for the stores' defaults (endpoints, keys): "" when unset.
#pragma once

#include <cstdlib>
#include <string>

namespace hub::store {

inline std::string EnvironmentVariable(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

}  // namespace hub::store
