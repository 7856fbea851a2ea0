// hub::ReadAwsCredentialsFile (hub/store_url.h): AWS credentials INI files (the subset of
// Python's configparser that AWS writes: [profile] headers, `key = value` or `key: value`
// lines, # and ; comments, indented continuation lines, a [DEFAULT] section inherited by
// every profile) and JSON objects of string fields. Messages name the file and the fields,
// never a value.
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "format/json_text.h"
#include "hub/errors.h"
#include "hub/store_url.h"
#include "store/aws_profile.h"
#include "store/environment.h"

namespace hub {
namespace {

using Fields = std::map<std::string, std::string>;

constexpr off_t kMaxCredentialsFileBytes = 1 << 20;

std::string Quoted(const std::string& text) { return "'" + text + "'"; }

std::string Trim(const std::string& text) {
  const auto first = text.find_first_not_of(" \t\r");
  if (first == std::string::npos) return "";
  return text.substr(first, text.find_last_not_of(" \t\r") - first + 1);
}

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

std::string NamesList(const std::vector<std::string>& names) {  // as Python prints a list
  std::string text = "[";
  for (std::size_t k = 0; k < names.size(); ++k) text += (k ? ", " : "") + Quoted(names[k]);
  return text + "]";
}

struct IniFile {
  std::vector<std::string> profiles;  // in file order, without DEFAULT
  std::map<std::string, Fields> sections;
};

// nullopt: not an INI file configparser would read.
std::optional<IniFile> ParseIni(const std::string& text) {
  IniFile ini;
  std::string section;
  std::string last_key;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    const std::string trimmed = Trim(line);
    if (trimmed.empty() || trimmed[0] == '#' || trimmed[0] == ';') {
      last_key.clear();
      continue;
    }
    const bool indented = line[0] == ' ' || line[0] == '\t';
    if (indented && !last_key.empty()) {  // a continuation of the value above
      ini.sections[section][last_key] += "\n" + trimmed;
      continue;
    }
    if (trimmed.front() == '[' && trimmed.back() == ']' && trimmed.size() > 2) {
      section = trimmed.substr(1, trimmed.size() - 2);
      if (ini.sections.count(section)) return std::nullopt;  // a duplicate section
      ini.sections[section];
      if (section != "DEFAULT") ini.profiles.push_back(section);
      last_key.clear();
      continue;
    }
    const auto separator = trimmed.find_first_of("=:");
    if (section.empty() || separator == std::string::npos || separator == 0) return std::nullopt;
    const std::string key = Lower(Trim(trimmed.substr(0, separator)));
    if (key.empty() || ini.sections[section].count(key)) return std::nullopt;
    ini.sections[section][key] = Trim(trimmed.substr(separator + 1));
    last_key = key;
  }
  return ini;
}

Fields IniFields(const std::string& text, const std::string& file, const std::string& profile) {
  const std::optional<IniFile> ini = ParseIni(text);
  if (!ini) {
    throw InvalidArgumentError(Quoted(file) + " is neither an AWS credentials INI file nor JSON");
  }
  if (ini->profiles.empty()) {
    throw InvalidArgumentError(Quoted(file) + " holds no credentials profile");
  }
  const std::string section = profile.empty() ? ini->profiles.front() : profile;
  if (std::find(ini->profiles.begin(), ini->profiles.end(), section) == ini->profiles.end()) {
    throw NotFoundError("no profile " + Quoted(section) + " in " + Quoted(file) + "; it has " +
                        NamesList(ini->profiles));
  }
  Fields fields;
  if (const auto defaults = ini->sections.find("DEFAULT"); defaults != ini->sections.end()) {
    fields = defaults->second;
  }
  for (const auto& [key, value] : ini->sections.at(section)) fields[key] = value;
  return fields;
}

Fields JsonFields(const std::string& text, const std::string& file) {
  nlohmann::json document;
  try {
    document = format::ParseJson(text, "the credentials file");
  } catch (const InvalidArgumentError&) {
    throw InvalidArgumentError(Quoted(file) + " is not valid JSON");
  }
  if (!document.is_object()) {
    throw InvalidArgumentError(Quoted(file) +
                               " must hold a JSON object of credential fields, "
                               "not a " +
                               std::string(document.type_name()));
  }
  Fields fields;
  for (const auto& [name, value] : document.items()) {
    if (!value.is_string()) {
      throw InvalidArgumentError("field " + Quoted(name) + " of " + Quoted(file) +
                                 " must be a string, not " + std::string(value.type_name()));
    }
    fields[name] = value.get<std::string>();
  }
  return fields;
}

bool IsJsonDocument(const std::string& text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return false;
  if (text[first] == '{') return true;
  if (text[first] != '[') return false;  // an INI file starts with '[' too, for its profile
  try {
    return format::ParseJson(text, "the credentials file").is_array();
  } catch (const InvalidArgumentError&) {
    return false;
  }
}

}  // namespace

namespace store {

std::map<std::string, std::string> ReadAwsProfileFields(const std::string& path,
                                                        const std::string& profile) {
  const std::string file = store::ExpandHome(path);
  struct stat info {};
  if (::stat(file.c_str(), &info) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) {
      throw NotFoundError("no AWS credentials file at " + Quoted(file));
    }
    throw InvalidArgumentError("cannot read the AWS credentials file " + Quoted(file) + ": " +
                               std::strerror(errno));
  }
  if (!S_ISREG(info.st_mode) || info.st_size > kMaxCredentialsFileBytes) {
    throw InvalidArgumentError("the AWS credentials file " + Quoted(file) +
                               " is not a regular file of at most 1 MiB");
  }
  std::ifstream stream(file, std::ios::binary);
  std::ostringstream contents;
  contents << stream.rdbuf();
  if (!stream) {
    throw InvalidArgumentError("cannot read the AWS credentials file " + Quoted(file));
  }
  const std::string text = contents.str();
  return IsJsonDocument(text) ? JsonFields(text, file) : IniFields(text, file, profile);
}

}  // namespace store

std::map<std::string, std::string> ReadAwsCredentialsFile(const std::string& path,
                                                          const std::string& profile) {
  const std::string file = store::ExpandHome(path);
  const Fields fields = store::ReadAwsProfileFields(path, profile);
  std::vector<std::string> missing;
  for (const char* name : {"aws_access_key_id", "aws_secret_access_key"}) {
    const auto found = fields.find(name);
    if (found == fields.end() || found->second.empty()) missing.push_back(name);
  }
  if (!missing.empty()) {
    std::vector<std::string> names;
    for (const auto& [name, value] : fields) names.push_back(name);
    throw InvalidArgumentError(
        "the AWS credentials file " + Quoted(file) + " has no usable " + missing.front() +
        (missing.size() > 1 ? " or " + missing.back() : "") + " (it has " +
        (names.empty() ? "no fields" : NamesList(names)) +
        "); fix the file, or leave the credentials file out to use the standard AWS "
        "credential chain");
  }
  return fields;
}

}  // namespace hub
