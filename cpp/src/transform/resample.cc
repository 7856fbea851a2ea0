// Pillow-compatible bilinear resampling of a box (see resample.h): per output pixel, a
// triangle filter over the input pixels near its centre, widened by the scale when shrinking.
// Two passes, rows then columns, through float rows of only the input lines the box needs.
#include "transform/resample.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "hub/errors.h"

namespace hub::transform {
namespace {

// For each output pixel along one axis: the first input pixel it reads and its weights.
struct Taps {
  std::vector<int> first;
  std::vector<int> count;
  std::vector<float> weights;  // `stride` per output pixel
  int stride = 0;
};

Taps ComputeTaps(double box_start, double box_extent, int image_extent, int out_extent) {
  const double scale = box_extent / out_extent;
  const double filter_scale = std::max(scale, 1.0);
  const double support = filter_scale;  // bilinear's support is 1 at scale 1
  Taps taps;
  taps.stride = static_cast<int>(std::ceil(support)) * 2 + 1;
  taps.first.resize(static_cast<std::size_t>(out_extent));
  taps.count.resize(static_cast<std::size_t>(out_extent));
  taps.weights.assign(static_cast<std::size_t>(out_extent) * taps.stride, 0.0f);
  for (int out = 0; out < out_extent; ++out) {
    const double center = box_start + (out + 0.5) * scale;
    const int first = std::max(static_cast<int>(center - support + 0.5), 0);
    const int last = std::min(static_cast<int>(center + support + 0.5), image_extent);
    const int count = std::min(std::max(last - first, 0), taps.stride);
    float* weights = &taps.weights[static_cast<std::size_t>(out) * taps.stride];
    double total = 0;
    for (int k = 0; k < count; ++k) {
      const double distance = std::abs((first + k - center + 0.5) / filter_scale);
      weights[k] = static_cast<float>(distance < 1 ? 1 - distance : 0);
      total += weights[k];
    }
    for (int k = 0; total > 0 && k < count; ++k)
      weights[k] = static_cast<float>(weights[k] / total);
    taps.first[static_cast<std::size_t>(out)] = first;
    taps.count[static_cast<std::size_t>(out)] = count;
  }
  return taps;
}

}  // namespace

void CheckBox(const ImageBox& box, int height, int width) {
  constexpr double kSlack = 1e-6;
  if (!(box.height > 0 && box.width > 0 && box.top >= -kSlack && box.left >= -kSlack &&
        box.top + box.height <= height + kSlack && box.left + box.width <= width + kSlack)) {
    throw InvalidArgumentError("the box (top " + std::to_string(box.top) + ", left " +
                               std::to_string(box.left) + ", height " + std::to_string(box.height) +
                               ", width " + std::to_string(box.width) + ") is not inside the " +
                               std::to_string(height) + " x " + std::to_string(width) + " image");
  }
}

namespace {

// A pixel of up to four channels as one SIMD register (GCC's and Clang's vector extension,
// SSE on any x86-64): a tap is then one multiply-add, whatever the channel count.
using Pixel4 = float __attribute__((vector_size(16)));

// Pass 1's kernel for one source line (pixels as Pixel4, the channels past `Channels` zero)
// and `FixedTaps` taps a pixel (0: `stride`, known only at run time): resampled across to
// the output width, written as one plane per channel, mirrored where `flip`. Every output
// pixel reads the same number of taps (unused ones weigh 0), so the taps unroll.
template <int Channels, int FixedTaps>
void ResampleLine(const Pixel4* source, const Taps& columns, int out_width, bool flip,
                  float* line) {
  const int taps = FixedTaps > 0 ? FixedTaps : columns.stride;
  for (int x = 0; x < out_width; ++x) {
    const float* weights = &columns.weights[static_cast<std::size_t>(x) * columns.stride];
    const Pixel4* pixel = source + columns.first[x];
    Pixel4 sum = {0, 0, 0, 0};
    for (int k = 0; k < taps; ++k) sum += weights[k] * pixel[k];
    const std::size_t column = static_cast<std::size_t>(flip ? out_width - 1 - x : x);
    for (int c = 0; c < Channels; ++c) {
      line[static_cast<std::size_t>(c) * out_width + column] = sum[c];
    }
  }
}

// Pass 1 for `Channels` channels: each input line the rows need, converted to Pixel4s (the
// columns the taps reach, then `stride` zeros so the last taps read inside the buffer) and
// resampled across to the output width, mirrored where `flip`: one plane per channel, so
// that pass 2 and the output's planes read contiguous floats.
template <int Channels>
void ResampleLines(const PixelView& image, const Taps& columns, int first_row, int last_row,
                   int out_width, bool flip, float* lines) {
  const std::size_t line_floats = static_cast<std::size_t>(out_width) * Channels;
  const int first_column = columns.first.front();
  const int last_column = columns.first.back() + columns.count.back();
  const auto source_pixels = static_cast<std::size_t>(last_column - first_column);
  // Tap positions from the first column the taps reach.
  Taps shifted = columns;
  for (int& first : shifted.first) first -= first_column;
  std::vector<Pixel4> source(source_pixels + static_cast<std::size_t>(columns.stride),
                             Pixel4{0, 0, 0, 0});
  for (int y = first_row; y < last_row; ++y) {
    const std::uint8_t* pixels = image.pixels + static_cast<std::size_t>(y) * image.row_bytes +
                                 static_cast<std::size_t>(first_column) * Channels;
    for (std::size_t i = 0; i < source_pixels; ++i) {
      for (int c = 0; c < Channels; ++c) source[i][c] = pixels[i * Channels + c];
    }
    float* line = lines + static_cast<std::size_t>(y - first_row) * line_floats;
    switch (columns.stride) {
      case 3:
        ResampleLine<Channels, 3>(source.data(), shifted, out_width, flip, line);
        break;
      case 5:
        ResampleLine<Channels, 5>(source.data(), shifted, out_width, flip, line);
        break;
      default:
        ResampleLine<Channels, 0>(source.data(), shifted, out_width, flip, line);
    }
  }
}

// Pass 2's output of one row: `row` (a plane of out_width floats per channel, mirrored
// already) into the layout.
template <int Channels>
void WriteRow(const float* row, int y, const ImageOutput& output, const std::array<float, 4>& scale,
              const std::array<float, 4>& offset, std::byte* out) {
  const int width = output.width;
  if (output.float_chw) {
    const std::size_t plane = static_cast<std::size_t>(output.height) * width;
    float* floats = reinterpret_cast<float*>(out) + static_cast<std::size_t>(y) * width;
    for (int c = 0; c < Channels; ++c) {
      float* target = floats + c * plane;
      const float* source = row + static_cast<std::size_t>(c) * width;
      for (int x = 0; x < width; ++x) target[x] = source[x] * scale[c] + offset[c];
    }
    return;
  }
  std::uint8_t* bytes =
      reinterpret_cast<std::uint8_t*>(out) + static_cast<std::size_t>(y) * width * Channels;
  for (int x = 0; x < width; ++x) {
    for (int c = 0; c < Channels; ++c) {
      // Rounds half away from zero, as lround does for these non-negative sums.
      bytes[static_cast<std::size_t>(x) * Channels + c] = static_cast<std::uint8_t>(
          std::clamp(row[static_cast<std::size_t>(c) * width + x], 0.0f, 255.0f) + 0.5f);
    }
  }
}

template <int Channels>
void Resample(const PixelView& image, const ImageBox& box, bool flip, const ImageOutput& output,
              std::span<std::byte> out) {
  const Taps columns = ComputeTaps(box.left, box.width, image.width, output.width);
  const Taps rows = ComputeTaps(box.top, box.height, image.height, output.height);
  const int first_row = rows.first.front();
  const int last_row = rows.first.back() + rows.count.back();
  const std::size_t line_floats = static_cast<std::size_t>(output.width) * Channels;
  // Every float of `lines` and `row` is written before it is read.
  const auto lines = std::make_unique_for_overwrite<float[]>(
      static_cast<std::size_t>(last_row - first_row) * line_floats);
  ResampleLines<Channels>(image, columns, first_row, last_row, output.width, flip, lines.get());

  // Pass 2: each output row a weighted sum of whole lines (contiguous, so it vectorises).
  std::array<float, 4> scale{}, offset{};
  for (int c = 0; c < Channels; ++c) {
    scale[c] = 1.0f / (255.0f * output.std[c]);
    offset[c] = -output.mean[c] / output.std[c];
  }
  const auto row = std::make_unique_for_overwrite<float[]>(line_floats);
  for (int y = 0; y < output.height; ++y) {
    const float* weights = &rows.weights[static_cast<std::size_t>(y) * rows.stride];
    const float* first_line =
        &lines[static_cast<std::size_t>(rows.first[y] - first_row) * line_floats];
    const int count = rows.count[y];
    // Two taps per sweep over the row: half the loads and stores of one tap at a time.
    int k = 0;
    if (count >= 2) {
      const float w0 = weights[0], w1 = weights[1];
      const float* l0 = first_line;
      const float* l1 = first_line + line_floats;
      for (std::size_t i = 0; i < line_floats; ++i) row[i] = w0 * l0[i] + w1 * l1[i];
      k = 2;
    } else {
      const float w0 = count == 1 ? weights[0] : 0.0f;
      for (std::size_t i = 0; i < line_floats; ++i) row[i] = w0 * first_line[i];
      k = count;
    }
    for (; k + 1 < count; k += 2) {
      const float w0 = weights[k], w1 = weights[k + 1];
      const float* l0 = first_line + static_cast<std::size_t>(k) * line_floats;
      const float* l1 = l0 + line_floats;
      for (std::size_t i = 0; i < line_floats; ++i) row[i] += w0 * l0[i] + w1 * l1[i];
    }
    if (k < count) {
      const float w0 = weights[k];
      const float* l0 = first_line + static_cast<std::size_t>(k) * line_floats;
      for (std::size_t i = 0; i < line_floats; ++i) row[i] += w0 * l0[i];
    }
    WriteRow<Channels>(row.get(), y, output, scale, offset, out.data());
  }
}

}  // namespace

void ResampleInto(const PixelView& image, const ImageBox& box, bool flip, const ImageOutput& output,
                  std::span<std::byte> out) {
  switch (image.channels) {
    case 1:
      return Resample<1>(image, box, flip, output, out);
    case 2:
      return Resample<2>(image, box, flip, output, out);
    case 3:
      return Resample<3>(image, box, flip, output, out);
    case 4:
      return Resample<4>(image, box, flip, output, out);
    default:
      throw InvalidArgumentError("images have 1 to 4 channels, not " +
                                 std::to_string(image.channels));
  }
}

}  // namespace hub::transform
