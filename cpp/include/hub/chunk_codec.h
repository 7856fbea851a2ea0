// One chunk through a Zarr v3 codec list (the "codecs" of a zarr.json), outside any array:
// what zarr-python's plugin for hub_v1's codecs (hub_v1.zarr_codecs) runs, and what a C++
// program reading chunks it fetched itself needs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "hub/buffer.h"
#include "hub/dtype.h"

namespace hub {

namespace codec {
class CodecPipeline;
}  // namespace codec

class ChunkCodec {
 public:
  // A chunk of `shape` and `dtype` through `codecs_json` (a JSON list of codecs, as in
  // zarr.json). InvalidArgumentError for JSON that is not such a list, a codec hub_v1 does
  // not know or cannot apply to this chunk, or a bad shape.
  ChunkCodec(const std::string& codecs_json, DataType dtype, std::vector<std::int64_t> shape);

  // The decoded chunk's size: shape's elements times the dtype's size.
  std::size_t chunk_bytes() const;

  // `chunk` (chunk_bytes() bytes, C order) encoded.
  Buffer Encode(std::span<const std::byte> chunk) const;
  // `encoded` decoded into `out` (chunk_bytes() bytes); CorruptChunkError for bad data.
  void Decode(std::span<const std::byte> encoded, std::span<std::byte> out) const;

 private:
  std::shared_ptr<const codec::CodecPipeline> pipeline_;
};

}  // namespace hub
