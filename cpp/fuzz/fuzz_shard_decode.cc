// libFuzzer target: hostile shards (Zarr v3 sharding_indexed) through the whole-shard decoder
// and through the engine's piecewise shard reads (index, then byte ranges of inner chunks).
// The first byte picks the layout and the read; the rest is the stored shard. Reading may
// fail with a hub::Error; anything else (a crash, a sanitizer report, a huge allocation) is a
// bug.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "codec/codec_pipeline.h"
#include "codec/variable_elements.h"
#include "hub/array.h"
#include "hub/errors.h"
#include "touch_elements.h"

namespace {

using hub::Array;
using hub::Slice;

// Shards of (8, 6) uint16 with inner chunks of (2, 3): 8 inner chunks, as hub_v1 writes them
// and with the variations other writers use; the last layout holds strings (vlen-utf8).
constexpr const char* kShardings[] = {
    R"({"chunk_shape":[2,3],"codecs":[{"name":"bytes"},{"name":"crc32c"}]})",
    R"({"chunk_shape":[2,3],"codecs":[{"name":"bytes"},{"name":"gzip","configuration":{"level":1}},{"name":"crc32c"}]})",
    R"({"chunk_shape":[2,3],"codecs":[{"name":"bytes"},{"name":"zstd","configuration":{"level":1}}],"index_location":"start"})",
    R"({"chunk_shape":[2,3],"codecs":[{"name":"bytes"}],"index_codecs":[{"name":"bytes"}]})",
    R"({"chunk_shape":[2,3],"codecs":[{"name":"vlen-utf8"},{"name":"crc32c"}]})",
};
constexpr std::size_t kLayouts = std::size(kShardings);

bool HoldsStrings(std::size_t layout) { return layout == kLayouts - 1; }
hub::DataType DataTypeOf(std::size_t layout) {
  return HoldsStrings(layout) ? hub::DataType::kString : hub::DataType::kUint16;
}

nlohmann::json Metadata(std::size_t layout) {
  return {{"zarr_format", 3},
          {"node_type", "array"},
          {"shape", {16, 6}},
          {"data_type", HoldsStrings(layout) ? "string" : "uint16"},
          {"chunk_grid", {{"name", "regular"}, {"configuration", {{"chunk_shape", {8, 6}}}}}},
          {"chunk_key_encoding", {{"name", "default"}}},
          {"fill_value", HoldsStrings(layout) ? nlohmann::json("") : nlohmann::json(0)},
          {"codecs",
           {{{"name", "sharding_indexed"},
             {"configuration", nlohmann::json::parse(kShardings[layout])}}}}};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::size_t layout = data[0] % kLayouts;
  const std::size_t read = (data[0] / kLayouts) % 3;
  const std::span<const std::byte> shard(reinterpret_cast<const std::byte*>(data + 1), size - 1);
  try {
    if (read == 0) {
      const auto metadata = Metadata(layout);
      const auto pipeline =
          hub::codec::CodecPipeline::FromJson(metadata["codecs"], {DataTypeOf(layout), {8, 6}});
      const hub::Buffer decoded = pipeline->Decode(hub::Buffer::CopyOf(shard));
      if (HoldsStrings(layout)) TouchElements(hub::codec::AsElements(decoded.span()));
      return 0;
    }
    // Through the engine: the shard as object c/0/0 of an array in a memory store.
    auto store = hub::MakeMemoryStore();
    const std::string text = Metadata(layout).dump();
    store->Put("a/zarr.json", std::as_bytes(std::span(text)));
    store->Put("a/c/0/0", shard);
    const auto array = Array::Open(store, "a");
    // The whole shard (one read), or a few rows (the index, then byte ranges).
    const auto region = read == 1
                            ? array->Select({Slice{0, 8, 1}})
                            : array->Select({std::vector<std::int64_t>{1, 6, 3}, Slice{1, 5, 1}});
    if (HoldsStrings(layout)) {
      TouchElements(array->ReadValues(region).elements());
    } else {
      std::vector<std::byte> out(region.num_bytes());
      array->Read(region, out);
    }
  } catch (const hub::Error&) {
  }
  return 0;
}
