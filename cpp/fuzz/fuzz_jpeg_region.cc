// libFuzzer target: hostile jpeg bytes through the transformed-image read path, the region
// decode (scaled IDCT, jpeg_crop_scanline, jpeg_skip_scanlines) and the resample after it,
// as TransformOne runs them for a 32 x 40 image array. The first 8 bytes pick the box (always
// inside the image, as CheckBox guarantees the real path), the output size and layout, the
// channels and the flip; the rest is the stored jpeg. Decoding may fail with a hub::Error;
// anything else (a crash, a sanitizer report, a write outside the output) is a bug.
// The same bytes then go through hub::TransformImages as decoded pixels, with the boundaries
// the bindings pass on drawn from the control bytes: 1 to 8 channels (more than the 4 the
// transforms take), image counts, sizes and request indices that may not fit the pixels, and
// output buffers a little smaller or larger than the output.
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

// hub::TransformImages over `pixels`, its geometry, requests and output from the control bytes.
void TransformPixels(const std::uint8_t* control, std::span<const std::byte> pixels) {
  const int channels = 1 + control[6] % 8;
  const int height = 1 + control[0] % 16;
  const int width = 1 + control[1] % 16;
  const std::int64_t count = control[7] % 5;
  hub::ImageOutput output;
  output.height = 1 + control[4] % 32;
  output.width = 1 + control[5] % 32;
  output.float_chw = (control[2] & 1) != 0;
  std::vector<hub::ImageRequest> requests(1 + control[3] % 4);
  for (std::size_t k = 0; k < requests.size(); ++k) {
    requests[k].index = static_cast<std::int64_t>(k) - (control[3] >> 6);  // may be out of range
    requests[k].box = {0, 0, static_cast<double>(1 + control[2] % 20),
                       static_cast<double>(1 + control[3] % 20)};  // may pass the image's edge
    requests[k].flip = (k & 1) != 0;
  }
  const std::size_t image_bytes = static_cast<std::size_t>(output.height) * output.width *
                                  std::min(channels, 4) * (output.float_chw ? 4 : 1);
  const int slack = static_cast<int>(control[7] >> 5) - 4;  // -4..3 bytes off the right size
  std::vector<std::byte> out(static_cast<std::size_t>(
      std::max<std::int64_t>(0, static_cast<std::int64_t>(requests.size() * image_bytes) + slack)));
  try {
    hub::TransformImages(
        std::span(reinterpret_cast<const std::uint8_t*>(pixels.data()), pixels.size()), count,
        height, width, channels, requests, output, out);
  } catch (const hub::Error&) {
  }
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
  TransformPixels(data, encoded);
  return 0;
}
