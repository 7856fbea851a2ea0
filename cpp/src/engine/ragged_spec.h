// A ragged array's description, as kept in its group's attributes.hub_v1.ragged (see
// hub/ragged_array.h): parsed, validated and written here.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "hub/ragged_array.h"

namespace hub::engine {

// The layout version this code writes and reads.
inline constexpr int kRaggedFormatVersion = 1;
// The children that hold the samples and their shapes.
inline constexpr const char* kRaggedSamplesName = "samples";
inline constexpr const char* kRaggedShapesName = "shapes";

// True for "jpeg" and "png": every sample is an image file.
bool HoldsImageFiles(const RaggedSpec& spec);
// The channels of an image sample: the last axis of (H, W, C), 1 for (H, W).
int ImageChannels(const RaggedSpec& spec);
// How many axes vary (columns of the shapes array).
std::size_t RaggedAxisCount(const RaggedSpec& spec);

// InvalidArgumentError for a spec Create must refuse, naming `path`.
void ValidateRaggedSpec(const RaggedSpec& spec, const std::string& path);
// samples_per_shard, or the default for this spec when it is 0.
std::int64_t SamplesPerShard(const RaggedSpec& spec);

// The attributes.hub_v1 entry of the group.
nlohmann::json RaggedSpecJson(const RaggedSpec& spec);
// True if a group's attributes hold a ragged array's description (well formed or not).
bool DescribesRaggedArray(const nlohmann::json& attributes);
// The spec a group's attributes describe, or nullopt if they describe no ragged array.
// CorruptChunkError naming `path` for a description that does not parse or validate.
std::optional<RaggedSpec> RaggedSpecOf(const nlohmann::json& attributes, const std::string& path);

}  // namespace hub::engine
