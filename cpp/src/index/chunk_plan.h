// Maps a normalised selection onto a regular chunk grid: which chunks it touches and, per
// axis, which runs of positions inside each chunk go to which positions of the output.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "index/normalized_selection.h"

namespace hub::index {

// `length` consecutive positions starting at `chunk_start` inside a chunk correspond to
// `length` consecutive positions starting at `output_start` along the same output axis.
struct Run {
  std::int64_t chunk_start;
  std::int64_t output_start;
  std::int64_t length;
};

// What one axis of the selection picks from the chunks at one grid position along it.
struct AxisPiece {
  std::int64_t chunk_index = 0;  // grid position along this axis
  std::int64_t count = 0;        // positions picked (sum of run lengths)
  std::vector<Run> runs;
  // Every in-bounds position of the chunk along this axis is picked (decided at planning, so
  // the executors know without looking again whether a write must read the old chunk).
  bool covers_chunk = false;
};

// The most pieces a ChunkPlan may hold, all axes together: each costs about 100 bytes and a
// moment to build, so a selection past it is refused before planning (about 1.6 GB).
inline constexpr std::uint64_t kMostPlannedPieces = std::uint64_t{1} << 24;

// How many pieces ChunkPlan would build for `selection` at most, counted without building them
// (exact for indices and ranges whose chunks are all touched), so that a selection can be
// refused before its plan is built.
std::uint64_t PiecesToPlan(const NormalizedSelection& selection,
                           std::span<const std::int64_t> chunk_shape,
                           std::span<const std::int64_t> array_shape);

// For each axis, the pieces it contributes; the chunks touched are their Cartesian product.
class ChunkPlan {
 public:
  ChunkPlan() = default;
  // `array_shape` bounds edge chunks (their out-of-bounds part need not be covered).
  ChunkPlan(const NormalizedSelection& selection, std::span<const std::int64_t> chunk_shape,
            std::span<const std::int64_t> array_shape);

  std::size_t rank() const { return axes_.size(); }
  std::size_t NumChunks() const { return num_chunks_; }

  // The pieces, one per axis, of the `n`-th touched chunk (0 <= n < NumChunks()).
  void PiecesOf(std::size_t n, std::vector<const AxisPiece*>& pieces) const;

  const std::vector<AxisPiece>& AxisPieces(std::size_t axis) const { return axes_[axis]; }

 private:
  std::vector<std::vector<AxisPiece>> axes_;
  std::size_t num_chunks_ = 0;
};

// The touched chunks grouped by the stored object that holds them: a shard of
// `chunks_per_object` chunks (all ones: each chunk is its own object). Along each axis, a
// group is the consecutive pieces whose chunks lie in one object; the objects touched are the
// Cartesian product of the groups.
class ObjectPlan {
 public:
  struct AxisGroup {
    std::int64_t object_index = 0;  // grid position of the object along this axis
    std::size_t first_piece = 0;    // into ChunkPlan::AxisPieces(axis)
    std::size_t piece_count = 0;
  };

  ObjectPlan() = default;
  ObjectPlan(const ChunkPlan& chunks, std::span<const std::int64_t> chunks_per_object);

  std::size_t NumObjects() const { return num_objects_; }
  // The groups, one per axis, of the `n`-th touched object (0 <= n < NumObjects()).
  void GroupsOf(std::size_t n, std::vector<const AxisGroup*>& groups) const;

 private:
  std::vector<std::vector<AxisGroup>> axes_;
  std::size_t num_objects_ = 0;
};

}  // namespace hub::index
