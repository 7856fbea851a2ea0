// libFuzzer target: hostile zarr.json documents through parsing, validation, codec-pipeline
// construction and chunk-key formatting. Errors must be hub::Error; no crash, no huge
// allocation (the metadata caps chunk sizes before anything is allocated).
#include <cstddef>
#include <cstdint>
#include <vector>

#include "codec/codec_pipeline.h"
#include "format/array_metadata.h"
#include "format/json_text.h"
#include "hub/errors.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    // As the engine reads zarr.json: nesting bounded before anything recurses on it.
    const auto document = hub::format::ParseJson(
        std::string_view(reinterpret_cast<const char*>(data), size), "fuzz/zarr.json");
    const auto metadata = hub::format::ParseArrayMetadata(document, "fuzz/zarr.json");
    const auto pipeline = hub::codec::CodecPipeline::FromJson(
        metadata.codecs, {metadata.dtype, metadata.chunk_shape, metadata.fill_value});
    (void)pipeline->MaxEncodedBytes();
    std::vector<std::int64_t> origin(metadata.shape.size(), 0);
    (void)hub::format::ChunkKey(metadata, origin);
    (void)hub::format::ToJson(metadata);
    (void)document.dump();
  } catch (const hub::Error&) {
  }
  return 0;
}
