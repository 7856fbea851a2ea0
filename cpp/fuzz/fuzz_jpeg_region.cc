// libFuzzer target: hostile jpeg bytes through the transformed-image read path, the region
// decode (scaled IDCT, jpeg_crop_scanline, jpeg_skip_scanlines) and the resample after it,
// as TransformOne runs them for a 32 x 40 image array. The first 8 bytes pick the box (always
// inside the image, as CheckBox guarantees the real path), the output size and layout, the
// channels and the flip; the rest is the stored jpeg. Decoding may fail with a hub::Error;
// anything else (a crash, a sanitizer report, a write outside the output) is a bug.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "codec/jpeg_region.h"
#include "hub/errors.h"
#include "hub/image_transform.h"
#include "transform/resample.h"

namespace {

constexpr int kHeight = 32;
constexpr int kWidth = 40;
constexpr std::size_t kControlBytes = 8;

// A box inside the image, in quarter pixels, from four control bytes.
hub::ImageBox BoxOf(const std::uint8_t* control) {
  const double top = (control[0] % (kHeight * 4)) / 4.0;
  const double left = (control[1] % (kWidth * 4)) / 4.0;
  const double height = 0.25 + (control[2] % static_cast<int>((kHeight - top) * 4)) / 4.0;
  const double width = 0.25 + (control[3] % static_cast<int>((kWidth - left) * 4)) / 4.0;
  return {top, left, std::min(height, kHeight - top), std::min(width, kWidth - left)};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < kControlBytes) return 0;
  const hub::ImageBox box = BoxOf(data);
  hub::ImageOutput output;
  output.height = 1 + data[4] % 64;
  output.width = 1 + data[5] % 64;
  output.float_chw = (data[6] & 1) != 0;
  const int channels = (data[6] & 2) != 0 ? 3 : 1;
  const bool flip = (data[7] & 1) != 0;
  const std::span<const std::byte> encoded(reinterpret_cast<const std::byte*>(data) + kControlBytes,
                                           size - kControlBytes);
  try {
    hub::transform::CheckBox(box, kHeight, kWidth);
    const hub::codec::JpegRegion region = hub::codec::DecodeJpegRegion(
        encoded, box, output.height, output.width, kHeight, kWidth, channels);
    std::vector<std::byte> out(output.ImageBytes(channels));
    hub::transform::ResampleInto({region.pixels.get(), region.height, region.width, region.channels,
                                  static_cast<std::size_t>(region.width) * region.channels},
                                 region.box, flip, output, out);
  } catch (const hub::Error&) {
  }
  return 0;
}
