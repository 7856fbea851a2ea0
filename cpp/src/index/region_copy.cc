// Strided chunk <-> output copies (see region_copy.h).
#include "index/region_copy.h"

#include <cstring>

namespace hub::index {
namespace {

bool IsWholeAxis(const AxisPiece& piece, std::int64_t chunk_extent) {
  return piece.runs.size() == 1 && piece.runs[0].chunk_start == 0 &&
         piece.runs[0].length == chunk_extent;
}

// The trailing axes that both buffers store contiguously collapse into one block; the walk
// then visits the remaining axes and reports each move of a whole block (or of a run of
// blocks) as (chunk byte offset, output byte offset, bytes).
struct MoveWalker {
  const CopyGeometry& geometry;
  std::size_t inner_axis;
  std::int64_t block_bytes;
  bool runs_contiguous;
  std::int64_t collapsed_output_offset = 0;  // where the collapsed axes' runs start

  explicit MoveWalker(const CopyGeometry& g) : geometry(g) {
    std::size_t axis = g.pieces.size() - 1;
    block_bytes = static_cast<std::int64_t>(g.item_size);
    while (axis > 0 && IsWholeAxis(*g.pieces[axis], g.chunk_shape[axis]) &&
           g.output_strides[axis] == block_bytes && g.chunk_strides[axis] == block_bytes) {
      block_bytes *= g.chunk_shape[axis];
      collapsed_output_offset += g.pieces[axis]->runs[0].output_start * g.output_strides[axis];
      --axis;
    }
    inner_axis = axis;
    runs_contiguous = g.output_strides[axis] == block_bytes && g.chunk_strides[axis] == block_bytes;
  }

  template <typename MoveFn>
  void Walk(MoveFn& move) const {
    Walk(0, 0, collapsed_output_offset, move);
  }

  template <typename MoveFn>
  void Walk(std::size_t axis, std::int64_t chunk, std::int64_t output, MoveFn& move) const {
    const std::int64_t chunk_stride = geometry.chunk_strides[axis];
    const std::int64_t output_stride = geometry.output_strides[axis];
    for (const Run& run : geometry.pieces[axis]->runs) {
      const std::int64_t chunk_at = chunk + run.chunk_start * chunk_stride;
      const std::int64_t output_at = output + run.output_start * output_stride;
      if (axis == inner_axis && runs_contiguous) {
        move(chunk_at, output_at, run.length * block_bytes);
        continue;
      }
      for (std::int64_t i = 0; i < run.length; ++i) {
        if (axis == inner_axis) {
          move(chunk_at + i * chunk_stride, output_at + i * output_stride, block_bytes);
        } else {
          Walk(axis + 1, chunk_at + i * chunk_stride, output_at + i * output_stride, move);
        }
      }
    }
  }
};

}  // namespace

std::vector<std::int64_t> CStrides(std::span<const std::int64_t> shape, std::size_t item_size) {
  std::vector<std::int64_t> strides(shape.size());
  std::int64_t stride = static_cast<std::int64_t>(item_size);
  for (std::size_t axis = shape.size(); axis-- > 0;) {
    strides[axis] = stride;
    stride *= shape[axis];
  }
  return strides;
}

std::vector<std::int64_t> OutputStrides(const NormalizedSelection& selection,
                                        std::size_t item_size) {
  std::vector<std::int64_t> strides(selection.dims.size(), 0);
  std::int64_t stride = static_cast<std::int64_t>(item_size);
  for (std::size_t i = selection.output_axes.size(); i-- > 0;) {
    const std::size_t axis = selection.output_axes[i];
    strides[axis] = stride;
    stride *= selection.dims[axis].count;
  }
  return strides;
}

void CopyRegion(CopyDirection direction, std::byte* chunk, std::byte* output,
                const CopyGeometry& geometry) {
  auto move = [&](std::int64_t chunk_at, std::int64_t output_at, std::int64_t bytes) {
    if (direction == CopyDirection::kChunkToOutput) {
      std::memcpy(output + output_at, chunk + chunk_at, static_cast<std::size_t>(bytes));
    } else {
      std::memcpy(chunk + chunk_at, output + output_at, static_cast<std::size_t>(bytes));
    }
  };
  MoveWalker(geometry).Walk(move);
}

void FillRegion(std::byte* output, const CopyGeometry& geometry,
                std::span<const std::byte> element) {
  auto move = [&](std::int64_t, std::int64_t output_at, std::int64_t bytes) {
    FillWithElement({output + output_at, static_cast<std::size_t>(bytes)}, element);
  };
  MoveWalker(geometry).Walk(move);
}

void FillWithElement(std::span<std::byte> buffer, std::span<const std::byte> element) {
  bool zero = true;
  for (std::byte b : element) zero = zero && b == std::byte{0};
  if (zero) {
    std::memset(buffer.data(), 0, buffer.size());
    return;
  }
  for (std::size_t i = 0; i + element.size() <= buffer.size(); i += element.size()) {
    std::memcpy(buffer.data() + i, element.data(), element.size());
  }
}

bool HoldsOnlyElement(std::span<const std::byte> buffer, std::span<const std::byte> element) {
  bool zero = true;
  for (std::byte b : element) zero = zero && b == std::byte{0};
  if (zero) {
    // Word at a time: real data usually differs within the first few bytes.
    std::size_t i = 0;
    for (; i + 8 <= buffer.size(); i += 8) {
      std::uint64_t word;
      std::memcpy(&word, buffer.data() + i, 8);
      if (word != 0) return false;
    }
    for (; i < buffer.size(); ++i) {
      if (buffer[i] != std::byte{0}) return false;
    }
    return true;
  }
  for (std::size_t i = 0; i + element.size() <= buffer.size(); i += element.size()) {
    if (std::memcmp(buffer.data() + i, element.data(), element.size()) != 0) return false;
  }
  return true;
}

void CopyBlock(CopyDirection direction, std::byte* block, std::byte* outer,
               std::span<const std::int64_t> block_shape, std::span<const std::int64_t> outer_shape,
               std::span<const std::int64_t> origin, std::size_t item_size) {
  const std::vector<std::int64_t> block_strides = CStrides(block_shape, item_size);
  const std::vector<std::int64_t> outer_strides = CStrides(outer_shape, item_size);
  const std::size_t last = block_shape.size() - 1;
  const auto row_bytes = static_cast<std::size_t>(block_shape[last]) * item_size;
  auto walk = [&](auto& self, std::size_t axis, std::int64_t block_at,
                  std::int64_t outer_at) -> void {
    outer_at += origin[axis] * outer_strides[axis];
    for (std::int64_t i = 0; i < (axis == last ? 1 : block_shape[axis]); ++i) {
      const std::int64_t b = block_at + i * block_strides[axis];
      const std::int64_t o = outer_at + i * outer_strides[axis];
      if (axis == last) {
        if (direction == CopyDirection::kChunkToOutput) {
          std::memcpy(outer + o, block + b, row_bytes);
        } else {
          std::memcpy(block + b, outer + o, row_bytes);
        }
      } else {
        self(self, axis + 1, b, o);
      }
    }
  };
  walk(walk, 0, 0, 0);
}

std::optional<std::int64_t> WholeChunkOutputOffset(const CopyGeometry& geometry) {
  const MoveWalker walker(geometry);
  if (!walker.runs_contiguous) return std::nullopt;
  for (std::size_t axis = 0; axis <= walker.inner_axis; ++axis) {
    const AxisPiece& piece = *geometry.pieces[axis];
    if (!IsWholeAxis(piece, geometry.chunk_shape[axis])) return std::nullopt;
    if (axis < walker.inner_axis && geometry.chunk_shape[axis] != 1) return std::nullopt;
  }
  std::int64_t offset = 0;
  for (std::size_t axis = 0; axis < geometry.pieces.size(); ++axis) {
    offset += geometry.pieces[axis]->runs[0].output_start * geometry.output_strides[axis];
  }
  return offset;
}

bool CoversChunk(const CopyGeometry& geometry) {
  for (const AxisPiece* piece : geometry.pieces) {
    if (!piece->covers_chunk) return false;
  }
  return true;
}

}  // namespace hub::index
