// The Zarr v3 `bytes` codec: a chunk's elements in little- or big-endian byte order.
#pragma once

#include "codec/codec.h"

namespace hub::codec {

class BytesCodec final : public ArrayToBytesCodec {
 public:
  enum class Endian { kLittle, kBig };

  static std::unique_ptr<ArrayToBytesCodec> FromConfig(const nlohmann::json& configuration);
  explicit BytesCodec(Endian endian) : endian_(endian) {}

  Buffer Encode(std::span<const std::byte> chunk, const ChunkLayout& layout) const override;
  void DecodeInto(const Buffer& encoded, std::span<std::byte> chunk,
                  const ChunkLayout& layout) const override;
  bool IsIdentity(const ChunkLayout& layout) const override;
  // Refuses string and bytes arrays: their elements have no fixed size (use vlen-utf8 or
  // vlen-bytes).
  void Prepare(const ChunkLayout& layout) override;
  nlohmann::json ToJson() const override;

 private:
  Endian endian_;
};

}  // namespace hub::codec
