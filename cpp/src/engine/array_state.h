// What an open array carries through the engine: its store, metadata, codec pipeline and
// the plan of a selection. Private to cpp/src.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "codec/codec_pipeline.h"
#include "codec/sharding_codec.h"
#include "format/array_metadata.h"
#include "hub/array.h"
#include "index/chunk_plan.h"
#include "index/normalized_selection.h"

namespace hub::detail {

// Two grids: stored objects (metadata.chunk_shape; a shard each when sharded) and codec
// chunks (the unit of compression, checksum and random access: a shard's inner chunks, else
// the objects themselves).
struct ArrayState {
  std::shared_ptr<Store> store;
  std::string path;
  format::ArrayMetadata metadata;
  std::shared_ptr<const codec::CodecPipeline> pipeline;  // encodes a stored object
  const codec::ShardingCodec* sharding = nullptr;        // pipeline's, when sharded
  const codec::CodecPipeline* chunk_pipeline = nullptr;  // encodes a codec chunk
  std::vector<std::int64_t> chunk_shape;                 // of a codec chunk
  std::vector<std::int64_t> chunk_strides;               // bytes, C order
  std::vector<std::int64_t> chunks_per_object;           // all ones unless sharded
  std::size_t chunk_bytes = 0;
  std::string cache_prefix;  // unique to this store and path
  // The most bytes a stored object (chunk or shard) can validly hold; longer ones are refused
  // unread (ReadOptions::max_bytes).
  std::uint64_t max_object_bytes = 0;
  std::string compress;
  double compresslevel = 0.5;
  // The same for every state of one Array handle (growth replaces the state), and for no
  // other handle: how a Region planned before a resize is told from one of another array.
  std::uint64_t handle_id = 0;

  // The key of the stored object at `object_position` of the object grid.
  std::string ObjectKey(std::span<const std::int64_t> object_position) const {
    return path + "/" + format::ChunkKey(metadata, object_position);
  }
};

struct RegionPlan {
  std::shared_ptr<const ArrayState> array;  // the array that planned it, the only one it fits
  index::NormalizedSelection selection;
  index::ChunkPlan chunks;    // over the codec chunk grid
  index::ObjectPlan objects;  // the same chunks grouped by stored object
  std::vector<std::int64_t> output_shape;
  std::vector<std::int64_t> output_strides;  // bytes, per array axis
  std::size_t num_bytes = 0;
};

// Plans `selection` of `array` as Array::Select does.
RegionPlan PlanRegion(std::shared_ptr<const ArrayState> array, const Selection& selection);

// The cache prefix of every chunk of the array at `path` in `store`.
std::string CachePrefix(const Store& store, const std::string& path);

}  // namespace hub::detail
