// The `bytes` codec (see bytes_codec.h). Hosts are little endian; big endian data is swapped.
#include "codec/bytes_codec.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <string>

#include "hub/errors.h"

namespace hub::codec {
namespace {

static_assert(std::endian::native == std::endian::little, "hub_v1 assumes a little-endian host");

// Reverses the bytes of every number: an element's, or each part's of a complex element.
void SwapBytes(std::span<std::byte> data, std::size_t component_size) {
  if (component_size == 1) return;
  for (std::size_t i = 0; i + component_size <= data.size(); i += component_size) {
    std::reverse(data.begin() + i, data.begin() + i + component_size);
  }
}

}  // namespace

std::unique_ptr<ArrayToBytesCodec> BytesCodec::FromConfig(const nlohmann::json& configuration) {
  Endian endian = Endian::kLittle;
  if (configuration.is_object() && configuration.contains("endian")) {
    const auto& value = configuration["endian"];
    if (value == "big") {
      endian = Endian::kBig;
    } else if (value != "little") {
      throw InvalidArgumentError("codec 'bytes': 'endian' must be \"little\" or \"big\", got " +
                                 value.dump());
    }
  }
  return std::make_unique<BytesCodec>(endian);
}

void BytesCodec::Prepare(const ChunkLayout& layout) {
  if (IsVariableLength(layout.dtype)) {
    throw InvalidArgumentError("codec 'bytes' cannot store " +
                               std::string(DataTypeName(layout.dtype)) +
                               " arrays: their elements vary in length (use vlen-utf8 or "
                               "vlen-bytes)");
  }
}

bool BytesCodec::IsIdentity(const ChunkLayout& layout) const {
  return endian_ == Endian::kLittle || ComponentSize(layout.dtype) == 1;
}

Buffer BytesCodec::Encode(std::span<const std::byte> chunk, const ChunkLayout& layout) const {
  Buffer encoded = Buffer::CopyOf(chunk);
  if (!IsIdentity(layout)) SwapBytes(encoded.mutable_span(), ComponentSize(layout.dtype));
  return encoded;
}

void BytesCodec::DecodeInto(const Buffer& encoded, std::span<std::byte> chunk,
                            const ChunkLayout& layout) const {
  if (encoded.size() != chunk.size()) {
    throw CorruptChunkError("the chunk holds " + std::to_string(encoded.size()) +
                            " bytes of data where " + std::to_string(chunk.size()) +
                            " were expected");
  }
  std::memcpy(chunk.data(), encoded.data(), chunk.size());
  if (!IsIdentity(layout)) SwapBytes(chunk, ComponentSize(layout.dtype));
}

nlohmann::json BytesCodec::ToJson() const {
  return CodecJson("bytes", {{"endian", endian_ == Endian::kLittle ? "little" : "big"}});
}

}  // namespace hub::codec
