// One image's crop + resize + mirror + output layout (see hub/image_transform.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "hub/image_transform.h"

namespace hub::transform {

// uint8 pixels (height, width, channels) with rows `row_bytes` apart.
struct PixelView {
  const std::uint8_t* pixels = nullptr;
  int height = 0;
  int width = 0;
  int channels = 1;
  std::size_t row_bytes = 0;
};

// InvalidArgumentError unless `box` has a positive size and lies inside a height x width image
// (to within a millionth of a pixel).
void CheckBox(const ImageBox& box, int height, int width);

// Resamples `box` of `image` to output's size, mirrors it if `flip`, and writes it in
// output's layout into `out` (output.ImageBytes(image.channels) bytes).
void ResampleInto(const PixelView& image, const ImageBox& box, bool flip, const ImageOutput& output,
                  std::span<std::byte> out);

}  // namespace hub::transform
