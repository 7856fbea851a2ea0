// DEFLATE-based codecs: Zarr v3 `gzip` and numcodecs' `numcodecs.zlib`. Level 1 compresses
// with ISA-L's igzip (the fastest deflate encoder we measured); other levels, and all
// decoding, use libdeflate, which beats zlib 2-3x on whole buffers.
#pragma once

#include "codec/codec.h"

namespace hub::codec {

class DeflateCodec final : public BytesToBytesCodec {
 public:
  enum class Container { kGzip, kZlib };

  static std::unique_ptr<BytesToBytesCodec> GzipFromConfig(const nlohmann::json& configuration);
  static std::unique_ptr<BytesToBytesCodec> ZlibFromConfig(const nlohmann::json& configuration);
  DeflateCodec(Container container, int level) : container_(container), level_(level) {}

  Buffer Encode(std::span<const std::byte> decoded) const override;
  void DecodeInto(const Buffer& encoded, std::span<std::byte> out) const override;
  Buffer Decode(const Buffer& encoded, std::size_t max_size) const override;
  nlohmann::json ToJson() const override;

 private:
  Container container_;
  int level_;
};

}  // namespace hub::codec
