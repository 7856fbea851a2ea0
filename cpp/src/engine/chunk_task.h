// One stored object's share of a planned selection and, within it, each codec chunk's: what
// the read and write executors work from.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "engine/array_state.h"
#include "hub/errors.h"
#include "index/region_copy.h"

namespace hub::engine {

// How a codec chunk meets the selection, decided from the plan.
enum class ChunkCoverage {
  kLandsWhole,  // the whole chunk is one contiguous block of the output, in its own layout
                // (never for string and bytes arrays: see ReadOutput)
  kCovers,      // every in-bounds element is selected, but scattered
  kPartial,     // some elements are selected
};

// One codec chunk of a selection: its grid position, copy geometry and coverage.
struct ChunkTask {
  std::vector<const index::AxisPiece*> pieces;
  std::vector<std::int64_t> grid_position;  // in the codec chunk grid
  index::CopyGeometry geometry;
  ChunkCoverage coverage = ChunkCoverage::kPartial;
  std::int64_t output_offset = 0;  // kLandsWhole: where the chunk starts in the output

  ChunkTask(const detail::ArrayState& array, const detail::RegionPlan& plan,
            std::vector<const index::AxisPiece*> chunk_pieces)
      : pieces(std::move(chunk_pieces)) {
    // geometry.pieces views `pieces`: a move keeps the vector's storage, a copy would not.
    grid_position.reserve(pieces.size());
    for (const auto* piece : pieces) grid_position.push_back(piece->chunk_index);
    geometry = index::CopyGeometry{pieces, array.chunk_shape, array.chunk_strides,
                                   plan.output_strides, ItemSize(array.metadata.dtype)};
    // String and bytes chunks never land whole: their elements point into the decoded chunk,
    // which the read keeps (ReadOutput::Keep), so they are decoded apart and copied.
    const bool variable = IsVariableLength(array.metadata.dtype);
    if (const auto offset = variable ? std::nullopt : index::WholeChunkOutputOffset(geometry)) {
      coverage = ChunkCoverage::kLandsWhole;
      output_offset = *offset;
    } else if (index::CoversChunk(geometry)) {
      coverage = ChunkCoverage::kCovers;
    }
  }

  ChunkTask(ChunkTask&&) = default;
  ChunkTask(const ChunkTask&) = delete;
  ChunkTask& operator=(const ChunkTask&) = delete;

  // Part of the chunk lies outside the array (it then holds the fill value there).
  bool IsEdgeChunk(const detail::ArrayState& array) const {
    for (std::size_t axis = 0; axis < grid_position.size(); ++axis) {
      if ((grid_position[axis] + 1) * array.chunk_shape[axis] > array.metadata.shape[axis]) {
        return true;
      }
    }
    return false;
  }

  // Its place (C order) among the codec chunks of its stored object.
  std::size_t IndexInObject(const detail::ArrayState& array) const {
    std::size_t index = 0;
    for (std::size_t axis = 0; axis < grid_position.size(); ++axis) {
      const std::int64_t per_object = array.chunks_per_object[axis];
      index = index * static_cast<std::size_t>(per_object) +
              static_cast<std::size_t>(grid_position[axis] % per_object);
    }
    return index;
  }
};

// One stored object of a selection: its key and the codec chunks of it the selection touches.
struct ObjectTask {
  std::string key;
  std::vector<ChunkTask> chunks;
  // How many of the object's codec chunks lie (at least partly) inside the array: when the
  // selection touches that many, it touches the whole object.
  std::size_t chunks_in_bounds = 1;

  ObjectTask(const detail::ArrayState& array, const detail::RegionPlan& plan, std::size_t n) {
    std::vector<const index::ObjectPlan::AxisGroup*> groups;
    plan.objects.GroupsOf(n, groups);
    std::vector<std::int64_t> object_position;
    std::size_t count = 1;
    for (std::size_t axis = 0; axis < groups.size(); ++axis) {
      object_position.push_back(groups[axis]->object_index);
      count *= groups[axis]->piece_count;
      const std::int64_t per_object = array.chunks_per_object[axis];
      const std::int64_t first_chunk = groups[axis]->object_index * per_object;
      const std::int64_t chunks_on_axis =
          (array.metadata.shape[axis] + array.chunk_shape[axis] - 1) / array.chunk_shape[axis];
      chunks_in_bounds *=
          static_cast<std::size_t>(std::min(per_object, chunks_on_axis - first_chunk));
    }
    key = array.ObjectKey(object_position);
    chunks.reserve(count);
    std::vector<const index::AxisPiece*> pieces(groups.size());
    for (std::size_t c = 0; c < count; ++c) {
      std::size_t rest = c;
      for (std::size_t axis = groups.size(); axis-- > 0;) {
        const std::size_t within = rest % groups[axis]->piece_count;
        rest /= groups[axis]->piece_count;
        pieces[axis] = &plan.chunks.AxisPieces(axis)[groups[axis]->first_piece + within];
      }
      chunks.emplace_back(array, plan, pieces);
    }
  }
};

// The codec's complaint, with the array, object key and store it concerns.
inline CorruptChunkError ChunkError(const detail::ArrayState& array, const std::string& key,
                                    const CorruptChunkError& error) {
  return CorruptChunkError("array '" + array.path + "': chunk '" + key + "' in " +
                           array.store->Describe() + " cannot be read: " + error.what() +
                           ". Rewrite the chunk or restore it from a copy.");
}

}  // namespace hub::engine
