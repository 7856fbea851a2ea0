// hub_v1's `compress` names and 0..1 `compresslevel` turned into Zarr v3 codec lists.
// The resulting levels are written into the codec configuration, so readers need no mapping.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "hub/dtype.h"

namespace hub::codec {

// InvalidArgumentError for unknown names or a level that is not a number. `jpeg_quality`,
// if given, overrides the quality derived from compresslevel (1-100). Image codecs are checked
// against the array's dtype and chunk shape by CodecPipeline::FromJson.
nlohmann::json CodecsForCompression(const std::string& compress, double compresslevel,
                                    std::optional<int> jpeg_quality = std::nullopt);

// A sharding_indexed chain whose inner chunks of `chunk_shape` are encoded by `inner_codecs`,
// with the index (bytes + crc32c) at the end of each shard.
nlohmann::json ShardedCodecs(nlohmann::json inner_codecs,
                             const std::vector<std::int64_t>& chunk_shape);

// Clamps to [0, 1]; InvalidArgumentError for NaN.
double ClampCompressLevel(double compresslevel);

}  // namespace hub::codec
