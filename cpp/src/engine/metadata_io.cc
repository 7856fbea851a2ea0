// zarr.json through a Store (see metadata_io.h).
#include "engine/metadata_io.h"

#include "hub/errors.h"

namespace hub::engine {

// zarr.json files are small; anything bigger is not metadata we should parse.
constexpr std::size_t kMaxMetadataBytes = 64 << 20;

std::optional<nlohmann::json> ReadJson(Store& store, const std::string& key) {
  const auto bytes = store.Get(key);
  if (!bytes) return std::nullopt;
  if (bytes->size() > kMaxMetadataBytes) {
    throw InvalidArgumentError("'" + key + "' in " + store.Describe() + " is too large (" +
                               std::to_string(bytes->size()) + " bytes) to be zarr metadata");
  }
  const auto* text = reinterpret_cast<const char*>(bytes->data());
  auto document = nlohmann::json::parse(text, text + bytes->size(), nullptr,
                                        /*allow_exceptions=*/false);
  if (document.is_discarded()) {
    throw InvalidArgumentError("'" + key + "' in " + store.Describe() + " is not valid JSON");
  }
  return document;
}

void WriteJson(Store& store, const std::string& key, const nlohmann::json& document) {
  const std::string text = document.dump(2);
  store.Put(key, std::as_bytes(std::span(text)));
}

}  // namespace hub::engine
