// The Zarr v3 `zstd` codec through libzstd (one frame per chunk, content size recorded).
#pragma once

#include "codec/codec.h"

namespace hub::codec {

class ZstdCodec final : public BytesToBytesCodec {
 public:
  static std::unique_ptr<BytesToBytesCodec> FromConfig(const nlohmann::json& configuration);
  ZstdCodec(int level, bool checksum) : level_(level), checksum_(checksum) {}

  Buffer Encode(std::span<const std::byte> decoded) const override;
  void DecodeInto(const Buffer& encoded, std::span<std::byte> out) const override;
  Buffer Decode(const Buffer& encoded, std::size_t max_size) const override;
  nlohmann::json ToJson() const override;

 private:
  int level_;
  bool checksum_;
};

}  // namespace hub::codec
