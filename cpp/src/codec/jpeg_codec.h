// `hub_v1.jpeg`: each image of a chunk as a baseline JPEG through libjpeg-turbo's TurboJPEG
// API (SIMD chosen at run time). uint8 images with 1 (grey) or 3 (RGB, 4:2:0) channels.
#pragma once

#include "codec/image_codec.h"

namespace hub::codec {

class JpegCodec final : public ImageCodec {
 public:
  static std::unique_ptr<ArrayToBytesCodec> FromConfig(const nlohmann::json& configuration);
  explicit JpegCodec(int quality) : quality_(quality) {}

  Buffer EncodeImage(std::span<const std::byte> pixels,
                     const ImageGeometry& geometry) const override;
  void DecodeImage(std::span<const std::byte> encoded, std::span<std::byte> pixels,
                   const ImageGeometry& geometry) const override;
  void CheckLayout(const ChunkLayout& layout) const override;
  bool IsLossy() const override { return true; }
  nlohmann::json ToJson() const override;

 private:
  int quality_;
};

}  // namespace hub::codec
