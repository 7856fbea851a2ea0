// hub_v1's `compress` names and 0..1 `compresslevel` turned into Zarr v3 codec lists.
// The resulting levels are written into the codec configuration, so readers need no mapping.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "hub/dtype.h"

namespace hub::codec {

// The codecs for chunks of `dtype` compressed as `compress` says:
// - "default" (checksum only), "gzip", "zstd", "jpeg", "png": the codec of that name;
// - "lz4", "zlib": blosc with that compressor (lz4hc below compresslevel 0.5) and the shuffle
//   that suits the dtype (BloscCodec::ShuffleFor), so every Zarr v3 reader opens them;
// - "blosc", or "blosc:" and options "cname=zstd,shuffle=bitshuffle,blocksize=65536" (any of
//   them, any order): blosc as asked, lz4 and the dtype's shuffle where unsaid.
// InvalidArgumentError for unknown names or options, or a level that is not a number.
// `jpeg_quality`, if given, overrides the quality derived from compresslevel (1-100). Image
// codecs are checked against the array's dtype and chunk shape by CodecPipeline::FromJson.
nlohmann::json CodecsForCompression(const std::string& compress, double compresslevel,
                                    DataType dtype, std::optional<int> jpeg_quality = std::nullopt);

// A sharding_indexed chain whose inner chunks of `chunk_shape` are encoded by `inner_codecs`,
// with the index (bytes + crc32c) at the end of each shard.
nlohmann::json ShardedCodecs(nlohmann::json inner_codecs,
                             const std::vector<std::int64_t>& chunk_shape);

// Clamps to [0, 1]; InvalidArgumentError for NaN.
double ClampCompressLevel(double compresslevel);

}  // namespace hub::codec
