// The `transpose` codec (see transpose_codec.h).
#include "codec/transpose_codec.h"

#include <cstring>
#include <string>

#include "hub/errors.h"

namespace hub::codec {
namespace {

// C-order strides, in elements, of a block of `shape`.
std::vector<std::int64_t> Strides(std::span<const std::int64_t> shape) {
  std::vector<std::int64_t> strides(shape.size(), 1);
  for (std::size_t axis = shape.size(); axis-- > 1;) {
    strides[axis - 1] = strides[axis] * shape[axis];
  }
  return strides;
}

// Fills `destination` in C order of `shape`, taking the element at index i from `source` at
// sum(i[axis] * source_strides[axis]) elements. One pass, written sequentially.
template <std::size_t kItemSize>
void GatherInCOrder(const std::byte* source, std::span<const std::int64_t> shape,
                    std::span<const std::int64_t> source_strides, std::byte* destination) {
  const std::size_t rank = shape.size();
  for (const std::int64_t extent : shape) {
    if (extent == 0) return;
  }
  const std::int64_t inner_extent = shape[rank - 1];
  const std::int64_t inner_stride = source_strides[rank - 1] * kItemSize;
  std::vector<std::int64_t> index(rank, 0);
  std::int64_t source_offset = 0;  // of index[0 .. rank-2], in elements
  while (true) {
    const std::byte* from = source + source_offset * static_cast<std::int64_t>(kItemSize);
    for (std::int64_t i = 0; i < inner_extent; ++i, from += inner_stride) {
      std::memcpy(destination, from, kItemSize);
      destination += kItemSize;
    }
    std::size_t axis = rank - 1;
    while (axis-- > 0) {
      source_offset += source_strides[axis];
      if (++index[axis] < shape[axis]) break;
      source_offset -= index[axis] * source_strides[axis];
      index[axis] = 0;
    }
    if (axis == static_cast<std::size_t>(-1)) return;
  }
}

void Gather(std::size_t item_size, std::span<const std::byte> source,
            std::span<const std::int64_t> shape, std::span<const std::int64_t> source_strides,
            std::span<std::byte> destination) {
  switch (item_size) {
    case 1:
      return GatherInCOrder<1>(source.data(), shape, source_strides, destination.data());
    case 2:
      return GatherInCOrder<2>(source.data(), shape, source_strides, destination.data());
    case 4:
      return GatherInCOrder<4>(source.data(), shape, source_strides, destination.data());
    case 8:
      return GatherInCOrder<8>(source.data(), shape, source_strides, destination.data());
    case 16:
      return GatherInCOrder<16>(source.data(), shape, source_strides, destination.data());
    default:
      throw Error("transpose: no copy for elements of " + std::to_string(item_size) + " bytes");
  }
}

}  // namespace

std::unique_ptr<ArrayToArrayCodec> TransposeCodec::FromConfig(const nlohmann::json& configuration) {
  const nlohmann::json order = configuration.value("order", nlohmann::json());
  if (!order.is_array() || order.empty()) {
    throw InvalidArgumentError(
        "codec 'transpose': 'order' must be a list of axes (a permutation), got " + order.dump());
  }
  std::vector<std::size_t> axes;
  std::vector<bool> seen(order.size(), false);
  for (const auto& axis : order) {
    if (!axis.is_number_integer() || axis.get<std::int64_t>() < 0 ||
        axis.get<std::uint64_t>() >= order.size() || seen[axis.get<std::size_t>()]) {
      throw InvalidArgumentError("codec 'transpose': 'order' must name each axis from 0 to " +
                                 std::to_string(order.size() - 1) + " once, got " + order.dump());
    }
    seen[axis.get<std::size_t>()] = true;
    axes.push_back(axis.get<std::size_t>());
  }
  return std::make_unique<TransposeCodec>(std::move(axes));
}

ChunkLayout TransposeCodec::EncodedLayout(const ChunkLayout& decoded) const {
  if (decoded.shape.size() != order_.size()) {
    throw InvalidArgumentError("codec 'transpose': 'order' has " + std::to_string(order_.size()) +
                               " axes but the chunk has " + std::to_string(decoded.shape.size()));
  }
  ChunkLayout encoded = decoded;
  encoded.shape = InEncodedOrder(decoded.shape);
  return encoded;
}

bool TransposeCodec::IsIdentity(const ChunkLayout& decoded) const {
  std::size_t previous = 0;
  bool first = true;
  for (const std::size_t axis : order_) {
    if (decoded.shape[axis] == 1) continue;
    if (!first && axis < previous) return false;
    previous = axis;
    first = false;
  }
  return true;
}

void TransposeCodec::Encode(std::span<const std::byte> chunk, const ChunkLayout& decoded,
                            std::span<std::byte> encoded) const {
  // Encoded axis i walks decoded axis order_[i].
  Gather(ItemSize(decoded.dtype), chunk, InEncodedOrder(decoded.shape),
         InEncodedOrder(Strides(decoded.shape)), encoded);
}

void TransposeCodec::Decode(std::span<const std::byte> encoded, const ChunkLayout& decoded,
                            std::span<std::byte> chunk) const {
  // Decoded axis order_[i] walks encoded axis i.
  const std::vector<std::int64_t> encoded_strides = Strides(InEncodedOrder(decoded.shape));
  std::vector<std::int64_t> strides(order_.size());
  for (std::size_t axis = 0; axis < order_.size(); ++axis) {
    strides[order_[axis]] = encoded_strides[axis];
  }
  Gather(ItemSize(decoded.dtype), encoded, decoded.shape, strides, chunk);
}

std::vector<std::int64_t> TransposeCodec::InEncodedOrder(
    std::span<const std::int64_t> per_decoded_axis) const {
  std::vector<std::int64_t> per_encoded_axis(order_.size());
  for (std::size_t axis = 0; axis < order_.size(); ++axis) {
    per_encoded_axis[axis] = per_decoded_axis[order_[axis]];
  }
  return per_encoded_axis;
}

nlohmann::json TransposeCodec::ToJson() const {
  return CodecJson("transpose", {{"order", order_}});
}

}  // namespace hub::codec
