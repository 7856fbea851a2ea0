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
};

// For each axis, the pieces it contributes; the chunks touched are their Cartesian product.
class ChunkPlan {
 public:
  ChunkPlan() = default;
  ChunkPlan(const NormalizedSelection& selection, std::span<const std::int64_t> chunk_shape);

  std::size_t rank() const { return axes_.size(); }
  std::size_t NumChunks() const { return num_chunks_; }

  // The pieces, one per axis, of the `n`-th touched chunk (0 <= n < NumChunks()).
  void PiecesOf(std::size_t n, std::vector<const AxisPiece*>& pieces) const;

  const std::vector<AxisPiece>& AxisPieces(std::size_t axis) const { return axes_[axis]; }

 private:
  std::vector<std::vector<AxisPiece>> axes_;
  std::size_t num_chunks_ = 0;
};

}  // namespace hub::index
