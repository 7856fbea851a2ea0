// Shared pieces of the codec interfaces (see codec.h).
#include "codec/codec.h"

#include <string>

#include "hub/errors.h"

namespace hub::codec {

std::size_t ChunkLayout::NumElements() const {
  std::size_t n = 1;
  for (std::int64_t extent : shape) n *= static_cast<std::size_t>(extent);
  return n;
}

nlohmann::json CodecJson(std::string_view name, nlohmann::json configuration) {
  nlohmann::json entry = {{"name", name}};
  if (!configuration.is_null()) entry["configuration"] = std::move(configuration);
  return entry;
}

int ConfigInt(const nlohmann::json& configuration, const char* codec, const char* key, int low,
              int high, int default_value) {
  if (!configuration.is_object() || !configuration.contains(key)) return default_value;
  const auto& value = configuration[key];
  if (!value.is_number_integer() || value.get<std::int64_t>() < low ||
      value.get<std::int64_t>() > high) {
    throw InvalidArgumentError(std::string("codec '") + codec + "': '" + key +
                               "' must be an integer from " + std::to_string(low) + " to " +
                               std::to_string(high) + ", got " + value.dump());
  }
  return value.get<int>();
}

}  // namespace hub::codec
