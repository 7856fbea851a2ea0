// Chunk-level encoding for image codecs (see image_codec.h).
#include "codec/image_codec.h"

#include <climits>
#include <string>
#include <vector>

#include "codec/image_chunk.h"
#include "hub/errors.h"

namespace hub::codec {

ImageGeometry ImageGeometry::Of(const ChunkLayout& layout) {
  const auto& shape = layout.shape;
  if (shape.size() < 2) {
    throw InvalidArgumentError("image codecs need at least 2 dimensions: (H, W) images");
  }
  ImageGeometry geometry;
  geometry.image_axes = shape.size() >= 4 ? 3 : 2;
  const std::size_t image_axes = geometry.image_axes;
  const std::size_t leading = shape.size() - image_axes;
  for (std::size_t axis = 0; axis < leading; ++axis) {
    geometry.count *= static_cast<std::size_t>(shape[axis]);
  }
  const std::int64_t height = shape[leading];
  const std::int64_t width = shape[leading + 1];
  const std::int64_t channels = image_axes == 3 ? shape[leading + 2] : 1;
  if (height > 65535 || width > 65535) {
    throw InvalidArgumentError("images may be at most 65535 x 65535 pixels, got " +
                               std::to_string(height) + " x " + std::to_string(width));
  }
  geometry.height = static_cast<int>(height);
  geometry.width = static_cast<int>(width);
  geometry.channels = static_cast<int>(channels);
  geometry.item_bytes =
      static_cast<std::size_t>(height * width * channels) * ItemSize(layout.dtype);
  return geometry;
}

Buffer ImageCodec::Encode(std::span<const std::byte> chunk, const ChunkLayout& layout) const {
  const ImageGeometry geometry = ImageGeometry::Of(layout);
  // A one-image chunk (the inner chunk of a sharded image array) is the image's own stream.
  if (geometry.count == 1) return EncodeImage(chunk, geometry);
  std::vector<Buffer> images;
  std::vector<std::span<const std::byte>> views;
  images.reserve(geometry.count);
  for (std::size_t i = 0; i < geometry.count; ++i) {
    images.push_back(
        EncodeImage(chunk.subspan(i * geometry.item_bytes, geometry.item_bytes), geometry));
    views.push_back(images.back().span());
  }
  return ImageChunk::Assemble(views);
}

void ImageCodec::DecodeInto(const Buffer& encoded, std::span<std::byte> chunk,
                            const ChunkLayout& layout) const {
  const ImageGeometry geometry = ImageGeometry::Of(layout);
  if (geometry.count == 1 && !ImageChunk::HasHeader(encoded.span())) {
    DecodeImage(encoded.span(), chunk, geometry);
    return;
  }
  const ImageChunk images(encoded, geometry.count);
  for (std::size_t i = 0; i < geometry.count; ++i) {
    try {
      DecodeImage(images.Image(i), chunk.subspan(i * geometry.item_bytes, geometry.item_bytes),
                  geometry);
    } catch (const CorruptChunkError& error) {
      throw CorruptChunkError("image " + std::to_string(i) + ": " + error.what());
    }
  }
}

}  // namespace hub::codec
