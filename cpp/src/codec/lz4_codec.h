// numcodecs' `numcodecs.lz4`: a 4-byte little-endian decoded size, then one LZ4 block.
// acceleration >= 1 selects LZ4's fast compressor; acceleration <= 0 selects LZ4-HC at level
// -acceleration (same block format, so numcodecs and zarr-python decode it unchanged).
#pragma once

#include "codec/codec.h"

namespace hub::codec {

class Lz4Codec final : public BytesToBytesCodec {
 public:
  static std::unique_ptr<BytesToBytesCodec> FromConfig(const nlohmann::json& configuration);
  explicit Lz4Codec(int acceleration) : acceleration_(acceleration) {}

  Buffer Encode(std::span<const std::byte> decoded) const override;
  void DecodeInto(const Buffer& encoded, std::span<std::byte> out) const override;
  Buffer Decode(const Buffer& encoded, std::size_t max_size) const override;
  nlohmann::json ToJson() const override;

 private:
  int acceleration_;
};

}  // namespace hub::codec
