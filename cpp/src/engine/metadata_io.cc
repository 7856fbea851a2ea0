// zarr.json through a Store (see metadata_io.h).
#include "engine/metadata_io.h"

#include <algorithm>

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
  return ParseJson(std::string_view(text, bytes->size()), "'" + key + "' in " + store.Describe());
}

namespace {

// The deepest nesting of arrays and objects in `text`, brackets inside strings not counted;
// stops counting past `limit`.
int NestingDepth(std::string_view text, int limit) {
  int depth = 0;
  int deepest = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size() && deepest <= limit; ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return deepest;
}

}  // namespace

nlohmann::json ParseJson(std::string_view text, const std::string& what) {
  if (NestingDepth(text, kMaxJsonDepth) > kMaxJsonDepth) {
    throw InvalidArgumentError(what + " nests JSON more than " + std::to_string(kMaxJsonDepth) +
                               " levels deep; hub_v1 refuses such metadata");
  }
  auto document = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded()) throw InvalidArgumentError(what + " is not valid JSON");
  return document;
}

void WriteJson(Store& store, const std::string& key, const nlohmann::json& document) {
  const std::string text = document.dump(2);
  store.Put(key, std::as_bytes(std::span(text)));
}

}  // namespace hub::engine
