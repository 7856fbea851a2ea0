// The chunk layout of hub_v1's image codecs: a small header, then independently encoded images.
//
//   bytes 0-3    magic "HUBI"
//   byte  4      version (1)
//   bytes 5-7    zero
//   bytes 8-11   image count N, uint32 little endian
//   bytes 12-15  zero
//   then N + 1   uint64 little-endian offsets into the image area that follows the header:
//                image i is bytes [offset[i], offset[i + 1]); offset[0] = 0, offset[N] = its size
//
// A chunk holding exactly one image is written as that image's stream alone (no header);
// chunks written by hub_v1 0.1 with a header are still read.
//
// Every field is validated before use, so hostile bytes give CorruptChunkError, never a read
// outside the buffer.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "hub/buffer.h"

namespace hub::codec {

class ImageChunk {
 public:
  // Parses and validates the header; `expected_count` is the number of images the chunk holds.
  ImageChunk(const Buffer& encoded, std::size_t expected_count);

  std::size_t count() const { return offsets_.size() - 1; }
  // The encoded bytes of image `i`.
  std::span<const std::byte> Image(std::size_t i) const;

  // True if `encoded` starts with this layout's magic. A chunk of exactly one image is
  // stored without the header (the image codec's own stream), so both forms are read.
  static bool HasHeader(std::span<const std::byte> encoded);

  // Header followed by `images`, in order.
  static Buffer Assemble(std::span<const std::span<const std::byte>> images);

 private:
  const Buffer& encoded_;
  std::size_t data_start_ = 0;
  std::vector<std::uint64_t> offsets_;
};

}  // namespace hub::codec
