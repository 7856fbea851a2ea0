// The Zarr v3 `crc32c` codec: appends a little-endian CRC-32C of the bytes before it.
// Decoding verifies it, so a corrupted or truncated chunk is an error, never data.
#pragma once

#include "codec/codec.h"

namespace hub::codec {

class Crc32cCodec final : public BytesToBytesCodec {
 public:
  Buffer Encode(std::span<const std::byte> decoded) const override;
  void DecodeInto(const Buffer& encoded, std::span<std::byte> out) const override;
  Buffer Decode(const Buffer& encoded, std::size_t max_size) const override;
  nlohmann::json ToJson() const override { return CodecJson("crc32c"); }
  std::uint64_t MaxEncodedBytes(std::uint64_t decoded) const override { return decoded + 4; }
};

}  // namespace hub::codec
