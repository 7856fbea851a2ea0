// Crop, resize, mirror and normalise images while they are decoded, on the engine's threads:
// the pixel work of a training augmentation (random resized crop, flip, normalise) without a
// Python loop. The random choices (which box, whether to flip) are the caller's; the engine
// does what they say, image by image, in parallel.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace hub {

// A box of an image in its pixel coordinates; fractional, since boxes chosen on a resized
// view map back to fractions of source pixels.
struct ImageBox {
  double top = 0;
  double left = 0;
  double height = 0;
  double width = 0;
};

// One image to produce: image `index` of the array (its first axis), the part in `box`.
struct ImageRequest {
  std::int64_t index = 0;
  ImageBox box;
  bool flip = false;  // mirror left to right after resizing
};

// What every produced image looks like.
struct ImageOutput {
  int height = 0;
  int width = 0;
  // false: uint8 (height, width, channels). true: float32 (channels, height, width) holding
  // (pixel / 255 - mean[c]) / std[c].
  bool float_chw = false;
  std::array<float, 4> mean{0, 0, 0, 0};
  std::array<float, 4> std{1, 1, 1, 1};

  std::size_t ImageBytes(int channels) const {
    return static_cast<std::size_t>(height) * static_cast<std::size_t>(width) *
           static_cast<std::size_t>(channels) * (float_chw ? 4 : 1);
  }
};

// Resizing is Pillow's bilinear filter (a triangle widened by the scale factor, so shrinking
// averages rather than skips pixels), with the box's fractional edges honoured.

// uint8 images (count, height, width, channels), C order: request k's image (its `index`
// counts within `images`) transformed into out[k * output.ImageBytes(channels), ...).
// InvalidArgumentError for a box outside its image, an index out of range or a wrong size.
void TransformImages(std::span<const std::uint8_t> images, std::int64_t count, int height,
                     int width, int channels, std::span<const ImageRequest> requests,
                     const ImageOutput& output, std::span<std::byte> out);

}  // namespace hub
