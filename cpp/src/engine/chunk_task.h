// One chunk's share of a planned selection, as the read and write executors handle it.
#pragma once

#include <string>
#include <vector>

#include "engine/array_state.h"
#include "hub/errors.h"
#include "index/region_copy.h"

namespace hub::engine {

// Everything one chunk of a selection needs: its key, grid position and copy geometry.
struct ChunkTask {
  std::vector<const index::AxisPiece*> pieces;
  std::vector<std::int64_t> grid_position;
  std::string key;
  index::CopyGeometry geometry;

  ChunkTask(const detail::ArrayState& array, const detail::RegionPlan& plan, std::size_t n) {
    plan.chunks.PiecesOf(n, pieces);
    grid_position.reserve(pieces.size());
    for (const auto* piece : pieces) grid_position.push_back(piece->chunk_index);
    key = array.ChunkStoreKey(grid_position);
    geometry = index::CopyGeometry{pieces, array.metadata.chunk_shape, array.chunk_strides,
                                   plan.output_strides, ItemSize(array.metadata.dtype)};
  }

  std::string CacheKey(const detail::ArrayState& array) const { return array.cache_prefix + key; }

  bool IsEdgeChunk(const detail::ArrayState& array) const {
    for (std::size_t axis = 0; axis < grid_position.size(); ++axis) {
      const std::int64_t extent = array.metadata.chunk_shape[axis];
      if ((grid_position[axis] + 1) * extent > array.metadata.shape[axis]) return true;
    }
    return false;
  }
};

// The codec's complaint, with the array, chunk key and store it concerns.
inline CorruptChunkError ChunkError(const detail::ArrayState& array, const std::string& key,
                                    const CorruptChunkError& error) {
  return CorruptChunkError("array '" + array.path + "': chunk '" + key + "' in " +
                           array.store->Describe() + " cannot be read: " + error.what() +
                           ". Rewrite the chunk or restore it from a copy.");
}

}  // namespace hub::engine
