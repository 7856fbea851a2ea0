// hub::aws::ParseIso8601: the times AWS writes credentials' expirations in.
#include <ctime>
#include <regex>

#include "store/aws/credentials.h"

namespace hub::aws {

std::optional<Clock::time_point> ParseIso8601(const std::string& text) {
  static const std::regex kPattern(
      R"((\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]00:?00))");
  std::smatch parts;
  if (!std::regex_match(text, parts, kPattern)) return std::nullopt;
  std::tm fields{};
  fields.tm_year = std::stoi(parts[1]) - 1900;
  fields.tm_mon = std::stoi(parts[2]) - 1;
  fields.tm_mday = std::stoi(parts[3]);
  fields.tm_hour = std::stoi(parts[4]);
  fields.tm_min = std::stoi(parts[5]);
  fields.tm_sec = std::stoi(parts[6]);
  const std::time_t seconds = timegm(&fields);
  if (seconds == static_cast<std::time_t>(-1)) return std::nullopt;
  return Clock::from_time_t(seconds);
}

}  // namespace hub::aws
