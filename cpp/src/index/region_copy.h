// Copies the part of a selection that lies in one chunk between the chunk's buffer and the
// output buffer, in the largest memcpy runs the two layouts share.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "index/chunk_plan.h"

namespace hub::index {

// Byte strides of a C-order buffer of `shape`.
std::vector<std::int64_t> CStrides(std::span<const std::int64_t> shape, std::size_t item_size);

// Byte strides, per array axis, of the C-order output of `selection` (0 for dropped axes).
std::vector<std::int64_t> OutputStrides(const NormalizedSelection& selection,
                                        std::size_t item_size);

struct CopyGeometry {
  std::span<const AxisPiece* const> pieces;  // one per array axis
  std::span<const std::int64_t> chunk_shape;
  std::span<const std::int64_t> chunk_strides;   // bytes
  std::span<const std::int64_t> output_strides;  // bytes, per array axis
  std::size_t item_size;
};

enum class CopyDirection { kChunkToOutput, kOutputToChunk };

void CopyRegion(CopyDirection direction, std::byte* chunk, std::byte* output,
                const CopyGeometry& geometry);

// Writes `element` (one item's bytes) into every output position the pieces pick: how a
// chunk that was never stored reads.
void FillRegion(std::byte* output, const CopyGeometry& geometry,
                std::span<const std::byte> element);

// Repeats `element` over all of `buffer`.
void FillWithElement(std::span<std::byte> buffer, std::span<const std::byte> element);

// True if every element of `buffer` equals `element` (an empty `element` means zero): such a
// chunk need not be stored.
bool HoldsOnlyElement(std::span<const std::byte> buffer, std::span<const std::byte> element);

// Copies between a C-order block of `block_shape` and the same-shaped region at `origin` of a
// C-order buffer of `outer_shape` that contains it (an inner chunk and its shard).
void CopyBlock(CopyDirection direction, std::byte* block, std::byte* outer,
               std::span<const std::int64_t> block_shape, std::span<const std::int64_t> outer_shape,
               std::span<const std::int64_t> origin, std::size_t item_size);

// Where the whole chunk lands in the output, if it lands as one contiguous block with the
// chunk's own layout: then the chunk can be decoded straight into the output.
std::optional<std::int64_t> WholeChunkOutputOffset(const CopyGeometry& geometry);

// True if the pieces cover every in-bounds element of the chunk (so a write never needs to
// read the old chunk), as ChunkPlan decided.
bool CoversChunk(const CopyGeometry& geometry);

}  // namespace hub::index
