// Decoding only the part of a JPEG a crop keeps, at the smallest scale that still has the
// pixels a resize needs: libjpeg-turbo's scaled IDCT (M/8), jpeg_crop_scanline (columns
// outside the crop skip the IDCT and colour conversion) and jpeg_skip_scanlines (rows above
// it), stopping after its last row.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <span>

#include "hub/image_transform.h"

namespace hub::codec {

struct JpegRegion {
  struct Free {
    void operator()(std::uint8_t* pixels) const { std::free(pixels); }
  };
  std::unique_ptr<std::uint8_t, Free> pixels;  // (height, width, channels), from libjpeg's side
  int height = 0;
  int width = 0;
  int channels = 0;
  ImageBox box;  // the box asked for, in these pixels' coordinates
};

// Decodes the part of `encoded` (an image of expected_height x expected_width) under `box`
// (in full-size pixels), with `channels` (1 or 3) output channels, at the smallest scale M/8
// at which the box still spans at least min_height x min_width pixels. CorruptChunkError for
// bad data or an image of another size.
JpegRegion DecodeJpegRegion(std::span<const std::byte> encoded, const ImageBox& box, int min_height,
                            int min_width, int expected_height, int expected_width, int channels);

}  // namespace hub::codec
