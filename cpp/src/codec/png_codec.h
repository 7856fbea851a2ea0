// `hub_v1.png`: each image of a chunk as a PNG through libpng (measured faster here than
// libspng: 5.95 vs 7.14 ms to decode a 512x512 RGB photo). uint8 or uint16, 1-4 channels
// (grey, grey+alpha, RGB, RGBA); lossless.
#pragma once

#include "codec/image_codec.h"

namespace hub::codec {

class PngCodec final : public ImageCodec {
 public:
  static std::unique_ptr<ArrayToBytesCodec> FromConfig(const nlohmann::json& configuration);
  explicit PngCodec(int level) : level_(level) {}

  Buffer EncodeImage(std::span<const std::byte> pixels,
                     const ImageGeometry& geometry) const override;
  void DecodeImage(std::span<const std::byte> encoded, std::span<std::byte> pixels,
                   const ImageGeometry& geometry) const override;
  void CheckLayout(const ChunkLayout& layout) const override;
  nlohmann::json ToJson() const override;

 private:
  int level_;
};

}  // namespace hub::codec
