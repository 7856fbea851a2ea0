// `hub_v1.jpeg`: each image of a chunk as a baseline JPEG through libjpeg-turbo's TurboJPEG
// API (SIMD chosen at run time). uint8 images with 1 (grey) or 3 (RGB, 4:2:0) channels.
#pragma once

#include <string>

#include "codec/image_codec.h"

namespace hub::codec {

// This thread's TurboJPEG decompressor (a tjhandle; TurboJPEG handles are not thread-safe and
// cost an allocation, so each thread keeps one).
void* ThreadJpegDecompressor();
// CorruptChunkError: `context` followed by TurboJPEG's message for the call on this thread's
// decompressor that just failed. The handle is replaced, as a failed one may not recover.
[[noreturn]] void ThrowJpegDecompressError(const std::string& context);

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
