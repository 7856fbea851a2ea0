// Chunk-grid walk of a normalised selection (see chunk_plan.h).
#include "index/chunk_plan.h"

#include <map>

namespace hub::index {
namespace {

// Pieces of a step-1 range: one run per chunk, computed per chunk instead of per element.
std::vector<AxisPiece> ContiguousPieces(std::int64_t start, std::int64_t count,
                                        std::int64_t chunk) {
  std::vector<AxisPiece> pieces;
  std::int64_t output = 0;
  while (output < count) {
    const std::int64_t coordinate = start + output;
    const std::int64_t chunk_index = coordinate / chunk;
    const std::int64_t offset = coordinate % chunk;
    const std::int64_t length = std::min(chunk - offset, count - output);
    pieces.push_back(AxisPiece{chunk_index, length, {Run{offset, output, length}}});
    output += length;
  }
  return pieces;
}

// Pieces of any coordinate sequence: group by chunk, merging neighbours into runs.
std::vector<AxisPiece> GeneralPieces(const DimSelection& dim, std::int64_t chunk) {
  std::map<std::int64_t, AxisPiece> by_chunk;
  for (std::int64_t k = 0; k < dim.count; ++k) {
    const std::int64_t coordinate = dim.Coordinate(k);
    const std::int64_t chunk_index = coordinate / chunk;
    const std::int64_t offset = coordinate % chunk;
    AxisPiece& piece = by_chunk[chunk_index];
    piece.chunk_index = chunk_index;
    ++piece.count;
    if (!piece.runs.empty()) {
      Run& last = piece.runs.back();
      if (last.chunk_start + last.length == offset && last.output_start + last.length == k) {
        ++last.length;
        continue;
      }
    }
    piece.runs.push_back(Run{offset, k, 1});
  }
  std::vector<AxisPiece> pieces;
  pieces.reserve(by_chunk.size());
  for (auto& [index, piece] : by_chunk) pieces.push_back(std::move(piece));
  return pieces;
}

// Whether `piece` picks every in-bounds position of its chunk. Only an index list can pick a
// position twice, so distinct positions are counted.
bool CoversChunk(const AxisPiece& piece, std::int64_t chunk_extent, std::int64_t array_extent) {
  const std::int64_t in_bounds =
      std::min(chunk_extent, array_extent - piece.chunk_index * chunk_extent);
  if (piece.count < in_bounds) return false;
  if (piece.count == in_bounds && piece.runs.size() == 1) return true;
  std::vector<bool> seen(static_cast<std::size_t>(in_bounds), false);
  std::int64_t distinct = 0;
  for (const Run& run : piece.runs) {
    for (std::int64_t i = 0; i < run.length; ++i) {
      const auto position = static_cast<std::size_t>(run.chunk_start + i);
      if (!seen[position]) {
        seen[position] = true;
        ++distinct;
      }
    }
  }
  return distinct == in_bounds;
}

}  // namespace

std::uint64_t PiecesToPlan(const NormalizedSelection& selection,
                           std::span<const std::int64_t> chunk_shape,
                           std::span<const std::int64_t> array_shape) {
  std::uint64_t pieces = 0;
  for (std::size_t axis = 0; axis < selection.dims.size(); ++axis) {
    const DimSelection& dim = selection.dims[axis];
    const std::int64_t chunk = chunk_shape[axis];
    if (dim.count == 0) continue;
    std::int64_t low = 0;
    std::int64_t high = array_shape[axis] - 1;  // a list may pick anywhere
    if (dim.kind != DimSelection::Kind::kList) {
      const std::int64_t last = dim.start + (dim.count - 1) * dim.step;
      low = std::min(dim.start, last);
      high = std::max(dim.start, last);
    }
    const std::int64_t spanned = high / chunk - low / chunk + 1;
    pieces += static_cast<std::uint64_t>(std::min(dim.count, spanned));
  }
  return pieces;
}

ChunkPlan::ChunkPlan(const NormalizedSelection& selection,
                     std::span<const std::int64_t> chunk_shape,
                     std::span<const std::int64_t> array_shape) {
  axes_.reserve(selection.dims.size());
  num_chunks_ = 1;
  for (std::size_t axis = 0; axis < selection.dims.size(); ++axis) {
    const DimSelection& dim = selection.dims[axis];
    const bool contiguous = dim.kind != DimSelection::Kind::kList && dim.step == 1;
    axes_.push_back(contiguous ? ContiguousPieces(dim.start, dim.count, chunk_shape[axis])
                               : GeneralPieces(dim, chunk_shape[axis]));
    for (AxisPiece& piece : axes_.back()) {
      piece.covers_chunk = CoversChunk(piece, chunk_shape[axis], array_shape[axis]);
    }
    num_chunks_ *= axes_.back().size();
  }
}

void ChunkPlan::PiecesOf(std::size_t n, std::vector<const AxisPiece*>& pieces) const {
  pieces.resize(axes_.size());
  for (std::size_t axis = axes_.size(); axis-- > 0;) {
    const std::size_t count = axes_[axis].size();
    pieces[axis] = &axes_[axis][n % count];
    n /= count;
  }
}

ObjectPlan::ObjectPlan(const ChunkPlan& chunks, std::span<const std::int64_t> chunks_per_object) {
  axes_.resize(chunks.rank());
  num_objects_ = 1;
  for (std::size_t axis = 0; axis < chunks.rank(); ++axis) {
    const auto& pieces = chunks.AxisPieces(axis);  // in ascending chunk order
    for (std::size_t p = 0; p < pieces.size(); ++p) {
      const std::int64_t object = pieces[p].chunk_index / chunks_per_object[axis];
      if (axes_[axis].empty() || axes_[axis].back().object_index != object) {
        axes_[axis].push_back(AxisGroup{object, p, 0});
      }
      ++axes_[axis].back().piece_count;
    }
    num_objects_ *= axes_[axis].size();
  }
}

void ObjectPlan::GroupsOf(std::size_t n, std::vector<const AxisGroup*>& groups) const {
  groups.resize(axes_.size());
  for (std::size_t axis = axes_.size(); axis-- > 0;) {
    const std::size_t count = axes_[axis].size();
    groups[axis] = &axes_[axis][n % count];
    n /= count;
  }
}

}  // namespace hub::index
