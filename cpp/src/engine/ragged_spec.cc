// A ragged array's description (see ragged_spec.h).
#include "engine/ragged_spec.h"

#include <algorithm>

#include "hub/attributes.h"
#include "hub/errors.h"

namespace hub::engine {
namespace {

using nlohmann::json;

constexpr std::int64_t kMostSamplesPerShard = std::int64_t{1} << 20;
constexpr std::int64_t kDefaultImageSamplesPerShard = 256;  // ~28 MB of ImageNet JPEGs
constexpr std::int64_t kDefaultShardBytes = std::int64_t{32} << 20;
constexpr std::int64_t kGuessedRaggedExtent = 256;

void Refuse(const std::string& path, const std::string& why) {
  throw InvalidArgumentError("ragged array '" + path + "': " + why);
}

void ValidateImageSpec(const RaggedSpec& spec, const std::string& path) {
  const std::size_t rank = spec.sample_shape.size();
  if (rank != 2 && rank != 3) {
    Refuse(path, spec.compress + " samples are (H, W) or (H, W, C) images, not " +
                     std::to_string(rank) + "-dimensional");
  }
  if (rank == 3 && !spec.sample_shape[2]) {
    Refuse(path, "the channel axis of " + spec.compress + " images cannot vary (None)");
  }
  const int channels = ImageChannels(spec);
  if (spec.compress == "jpeg") {
    if (spec.dtype != DataType::kUint8) Refuse(path, "jpeg stores uint8 images only");
    if (channels != 1 && channels != 3) Refuse(path, "jpeg stores 1 or 3 channels");
  } else {
    if (spec.dtype != DataType::kUint8 && spec.dtype != DataType::kUint16) {
      Refuse(path, "png stores uint8 or uint16 images only");
    }
    if (channels < 1 || channels > 4) Refuse(path, "png stores 1 to 4 channels");
  }
  for (std::size_t axis = 0; axis < 2; ++axis) {
    if (spec.sample_shape[axis] &&
        (*spec.sample_shape[axis] < 1 || *spec.sample_shape[axis] > 65535)) {
      Refuse(path, "image sides are 1 to 65535 pixels");
    }
  }
}

}  // namespace

bool HoldsImageFiles(const RaggedSpec& spec) {
  return spec.compress == "jpeg" || spec.compress == "png";
}

int ImageChannels(const RaggedSpec& spec) {
  return spec.sample_shape.size() == 3 ? static_cast<int>(spec.sample_shape[2].value_or(0)) : 1;
}

std::size_t RaggedAxisCount(const RaggedSpec& spec) {
  return static_cast<std::size_t>(
      std::count(spec.sample_shape.begin(), spec.sample_shape.end(), std::nullopt));
}

void ValidateRaggedSpec(const RaggedSpec& spec, const std::string& path) {
  if (RaggedAxisCount(spec) == 0) {
    Refuse(path, "no axis varies; mark the axes whose extent differs per sample with None");
  }
  for (const auto& extent : spec.sample_shape) {
    if (extent && *extent < 0) Refuse(path, "extents must be >= 0");
  }
  if (IsVariableLength(spec.dtype)) {
    Refuse(path, "samples are numbers; store text or bytes as a str or bytes array");
  }
  if (spec.samples_per_shard < 0 || spec.samples_per_shard > kMostSamplesPerShard) {
    Refuse(path, "samples per shard must be 1 to " + std::to_string(kMostSamplesPerShard));
  }
  if (HoldsImageFiles(spec)) ValidateImageSpec(spec, path);
}

std::int64_t SamplesPerShard(const RaggedSpec& spec) {
  if (spec.samples_per_shard > 0) return spec.samples_per_shard;
  if (HoldsImageFiles(spec)) return kDefaultImageSamplesPerShard;
  std::int64_t guessed_bytes = static_cast<std::int64_t>(ItemSize(spec.dtype));
  for (const auto& extent : spec.sample_shape) {
    guessed_bytes =
        std::min(guessed_bytes * std::max<std::int64_t>(extent.value_or(kGuessedRaggedExtent), 1),
                 kDefaultShardBytes);
  }
  return std::clamp<std::int64_t>(kDefaultShardBytes / guessed_bytes, 16, 4096);
}

json RaggedSpecJson(const RaggedSpec& spec) {
  json sample_shape = json::array();
  for (const auto& extent : spec.sample_shape) {
    sample_shape.push_back(extent ? json(*extent) : json(nullptr));
  }
  json ragged = {{"version", kRaggedFormatVersion},
                 {"sample_shape", sample_shape},
                 {"dtype", std::string(DataTypeName(spec.dtype))},
                 {"compress", spec.compress},
                 {"compresslevel", spec.compresslevel},
                 {"samples_per_shard", SamplesPerShard(spec)},
                 {"samples", kRaggedSamplesName},
                 {"shapes", kRaggedShapesName}};
  if (spec.jpeg_quality) ragged["jpeg_quality"] = *spec.jpeg_quality;
  return {{"ragged", std::move(ragged)}};
}

bool DescribesRaggedArray(const json& attributes) {
  if (!attributes.is_object()) return false;
  const auto hub = attributes.find(kHubAttributesKey);
  return hub != attributes.end() && hub->is_object() && hub->contains("ragged");
}

std::optional<RaggedSpec> RaggedSpecOf(const json& attributes, const std::string& path) {
  if (!DescribesRaggedArray(attributes)) return std::nullopt;
  const json& ragged = attributes[kHubAttributesKey]["ragged"];
  RaggedSpec spec;
  try {
    if (ragged.at("version").get<int>() != kRaggedFormatVersion) {
      throw UnsupportedError("ragged array '" + path + "' has layout version " +
                             ragged.at("version").dump() + "; this hub_v1 reads version " +
                             std::to_string(kRaggedFormatVersion));
    }
    for (const json& extent : ragged.at("sample_shape")) {
      spec.sample_shape.push_back(extent.is_null() ? std::nullopt
                                                   : std::optional(extent.get<std::int64_t>()));
    }
    spec.dtype = ParseDataType(ragged.at("dtype").get<std::string>());
    spec.compress = ragged.at("compress").get<std::string>();
    spec.compresslevel = ragged.at("compresslevel").get<double>();
    spec.samples_per_shard = ragged.at("samples_per_shard").get<std::int64_t>();
    if (ragged.contains("jpeg_quality")) spec.jpeg_quality = ragged["jpeg_quality"].get<int>();
    ValidateRaggedSpec(spec, path);
  } catch (const json::exception& error) {
    throw CorruptChunkError("ragged array '" + path +
                            "' has a description that does not parse: " + error.what());
  } catch (const InvalidArgumentError& error) {
    throw CorruptChunkError(std::string("stored description is invalid: ") + error.what());
  }
  return spec;
}

}  // namespace hub::engine
