// What an open array carries through the engine: its store, metadata, codec pipeline and
// the plan of a selection. Private to cpp/src.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "codec/codec_pipeline.h"
#include "codec/image_codec.h"
#include "format/array_metadata.h"
#include "hub/array.h"
#include "index/chunk_plan.h"
#include "index/normalized_selection.h"

namespace hub::detail {

struct ArrayState {
  std::shared_ptr<Store> store;
  std::string path;
  format::ArrayMetadata metadata;
  std::shared_ptr<const codec::CodecPipeline> pipeline;
  std::vector<std::int64_t> chunk_strides;  // bytes, C order
  std::string cache_prefix;                 // unique to this store and path
  std::string compress;
  double compresslevel = 0.5;
  std::optional<codec::ImageGeometry> images;  // set for image codecs (jpeg, png)

  std::string ChunkStoreKey(std::span<const std::int64_t> grid_position) const {
    return path + "/" + format::ChunkKey(metadata, grid_position);
  }
};

struct RegionPlan {
  index::NormalizedSelection selection;
  index::ChunkPlan chunks;
  std::vector<std::int64_t> output_shape;
  std::vector<std::int64_t> output_strides;  // bytes, per array axis
  std::size_t num_bytes = 0;
};

// The cache prefix of every chunk of the array at `path` in `store`.
std::string CachePrefix(const Store& store, const std::string& path);

}  // namespace hub::detail
