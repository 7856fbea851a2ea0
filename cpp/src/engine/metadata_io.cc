// zarr.json through a Store (see metadata_io.h).
#include "engine/metadata_io.h"

#include "format/json_text.h"
#include "hub/errors.h"

namespace hub::engine {

// zarr.json files are small; anything bigger is not metadata we should parse.
constexpr std::size_t kMaxMetadataBytes = 64 << 20;

std::optional<nlohmann::json> ReadJson(Store& store, const std::string& key) {
  std::optional<Buffer> bytes;
  try {
    bytes = store.Get(key, kMaxMetadataBytes);  // a bigger object is refused unread
  } catch (const CorruptChunkError& error) {
    throw InvalidArgumentError("'" + key + "' in " + store.Describe() +
                               " is too large to be zarr metadata: " + error.what());
  }
  if (!bytes) return std::nullopt;
  const auto* text = reinterpret_cast<const char*>(bytes->data());
  return format::ParseJson(std::string_view(text, bytes->size()),
                           "'" + key + "' in " + store.Describe());
}

void WriteJson(Store& store, const std::string& key, const nlohmann::json& document) {
  const std::string text = document.dump(2);
  store.Put(key, std::as_bytes(std::span(text)));
}

}  // namespace hub::engine
