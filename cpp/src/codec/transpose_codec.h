// The Zarr v3 `transpose` codec: a chunk's axes stored in another order. `order[i]` is the
// decoded axis that becomes encoded axis i, so order [1, 0] stores a matrix column by column
// (Fortran order, as TensorStore's and zarr-python's `order="F"` write).
#pragma once

#include <span>
#include <vector>

#include "codec/codec.h"

namespace hub::codec {

class TransposeCodec final : public ArrayToArrayCodec {
 public:
  static std::unique_ptr<ArrayToArrayCodec> FromConfig(const nlohmann::json& configuration);
  explicit TransposeCodec(std::vector<std::size_t> order) : order_(std::move(order)) {}

  ChunkLayout EncodedLayout(const ChunkLayout& decoded) const override;
  // A permutation that keeps every axis longer than 1 in its place relative to the others
  // moves no element.
  bool IsIdentity(const ChunkLayout& decoded) const override;
  void Encode(std::span<const std::byte> chunk, const ChunkLayout& decoded,
              std::span<std::byte> encoded) const override;
  void Decode(std::span<const std::byte> encoded, const ChunkLayout& decoded,
              std::span<std::byte> chunk) const override;
  nlohmann::json ToJson() const override;

 private:
  // A value per decoded axis (an extent, a stride) rearranged to one per encoded axis.
  std::vector<std::int64_t> InEncodedOrder(std::span<const std::int64_t> per_decoded_axis) const;

  std::vector<std::size_t> order_;
};

}  // namespace hub::codec
