// The base of hub_v1's image codecs (hub_v1.jpeg, hub_v1.png): array -> bytes codecs that
// encode each trailing image of a chunk on its own (see image_chunk.h for the chunk layout),
// so one image can be decoded, or re-encoded, without touching the others.
//
// Which axes form an image follows from the chunk's rank: rank >= 4 -> the trailing
// (H, W, C); rank 3 -> the trailing (H, W), one grey image per leading index; rank 2 -> the
// whole chunk is one (H, W) image.
#pragma once

#include <span>

#include "codec/codec.h"

namespace hub::codec {

struct ImageGeometry {
  std::size_t count = 1;  // images per chunk
  int height = 0;
  int width = 0;
  int channels = 1;
  std::size_t item_bytes = 0;  // decoded bytes per image
  std::size_t image_axes = 2;  // trailing axes that form one image: 3 for (H, W, C)

  // InvalidArgumentError for a rank below 2 or extents too large for an image.
  static ImageGeometry Of(const ChunkLayout& layout);
};

class ImageCodec : public ArrayToBytesCodec {
 public:
  // Encodes / decodes one image of `geometry`.
  virtual Buffer EncodeImage(std::span<const std::byte> pixels,
                             const ImageGeometry& geometry) const = 0;
  // CorruptChunkError for bad data or an image of another size; `pixels` may then hold
  // partial output, so callers decode into scratch or discard the result on error.
  virtual void DecodeImage(std::span<const std::byte> encoded, std::span<std::byte> pixels,
                           const ImageGeometry& geometry) const = 0;
  // InvalidArgumentError unless this codec can store images of `layout`.
  virtual void CheckLayout(const ChunkLayout& layout) const = 0;
  void Prepare(const ChunkLayout& layout) override { CheckLayout(layout); }
  // Worst-case JPEG (4:4:4 noise at quality 100) and PNG stay below twice the pixels; the rest
  // is room for headers and metadata segments other writers add.
  std::uint64_t MaxEncodedBytes(const ChunkLayout& layout) const override {
    return 4 * std::uint64_t{layout.NumBytes()} + (std::uint64_t{1} << 20);
  }

  // Every image in order, one after another (sequentially; the engine parallelises).
  Buffer Encode(std::span<const std::byte> chunk, const ChunkLayout& layout) const override;
  void DecodeInto(const Buffer& encoded, std::span<std::byte> chunk,
                  const ChunkLayout& layout) const override;
};

}  // namespace hub::codec
