// RaggedArray::ReadImages (hub/ragged_array.h): transformed reads of images of any size. The
// boxes are the caller's, drawn against each sample's own shape from the shapes array; the
// samples are fetched as one gather and each is decoded and resampled on the engine's pool.
#include <limits>
#include <string>
#include <vector>

#include "codec/image_files.h"
#include "codec/jpeg_region.h"
#include "engine/image_reads.h"
#include "engine/ragged_samples.h"
#include "engine/ragged_spec.h"
#include "engine/thread_pool.h"
#include "hub/errors.h"
#include "hub/ragged_array.h"
#include "transform/resample.h"

namespace hub {
namespace {

// The channels of an array of uint8 images (H, W) or (H, W, C); InvalidArgumentError for any
// other array.
int ImageChannels(const RaggedSpec& spec, const std::string& path) {
  const auto& shape = spec.sample_shape;
  const bool images = spec.dtype == DataType::kUint8 && (shape.size() == 2 || shape.size() == 3);
  if (!images || (shape.size() == 3 && !shape[2])) {
    throw InvalidArgumentError("ragged array '" + path +
                               "' does not hold uint8 images (N, H, W[, C]) with a fixed number "
                               "of channels, which image transforms read");
  }
  const int channels = shape.size() == 3 ? static_cast<int>(*shape[2]) : 1;
  if (channels < 1 || channels > 4) {
    throw InvalidArgumentError("ragged array '" + path + "' has " + std::to_string(channels) +
                               " channels; image transforms take 1 to 4");
  }
  return channels;
}

}  // namespace

void RaggedArray::ReadImages(std::span<const ImageRequest> requests, const ImageOutput& output,
                             std::span<std::byte> out) const {
  const int channels = ImageChannels(spec_, path_);
  engine::CheckImageOutput(output, requests.size(), channels, out.size());
  const std::int64_t count = length();
  std::vector<std::int64_t> coordinates;
  coordinates.reserve(requests.size());
  for (const ImageRequest& request : requests) {
    if (request.index < 0 || request.index >= count) {
      throw OutOfBoundsError("image " + std::to_string(request.index) +
                             " is out of bounds for ragged array '" + path_ + "' of length " +
                             std::to_string(count));
    }
    coordinates.push_back(request.index);
  }
  if (coordinates.empty()) return;
  const std::vector<std::int64_t> rows = ReadRows(coordinates);
  const std::size_t columns = engine::RaggedAxisCount(spec_);
  std::vector<std::vector<std::int64_t>> shapes;  // (H, W[, C]) of each request's image
  shapes.reserve(requests.size());
  for (std::size_t k = 0; k < requests.size(); ++k) {
    shapes.push_back(
        coder_->FullShape(std::span(rows).subspan(k * columns, columns), coordinates[k]));
    if (shapes[k][0] > std::numeric_limits<int>::max() ||
        shapes[k][1] > std::numeric_limits<int>::max()) {
      throw CorruptChunkError("ragged array '" + path_ + "', sample " +
                              std::to_string(coordinates[k]) + ": its recorded shape is " +
                              "larger than any image");
    }
    try {
      transform::CheckBox(requests[k].box, static_cast<int>(shapes[k][0]),
                          static_cast<int>(shapes[k][1]));
    } catch (const InvalidArgumentError& error) {
      throw InvalidArgumentError("ragged array '" + path_ + "', image " +
                                 std::to_string(coordinates[k]) + ": " + error.what());
    }
  }
  const VariableValues values = samples_->ReadValues(samples_->Select({IndexList(coordinates)}));
  const std::size_t image_bytes = output.ImageBytes(channels);
  engine::ParallelFor(requests.size(), [&](std::size_t k) {
    const std::span<const std::byte> bytes = values.elements()[k].span();
    const std::span<std::byte> target = out.subspan(k * image_bytes, image_bytes);
    const int height = static_cast<int>(shapes[k][0]);
    const int width = static_cast<int>(shapes[k][1]);
    if (spec_.compress == "jpeg") {
      try {
        if (codec::ReadImageFileInfo(bytes).channels == channels) {
          const codec::JpegRegion region = codec::DecodeJpegRegion(
              bytes, requests[k].box, output.height, output.width, height, width, channels);
          transform::ResampleInto(
              {region.pixels.get(), region.height, region.width, region.channels,
               static_cast<std::size_t>(region.width) * region.channels},
              region.box, requests[k].flip, output, target);
          return;
        }
      } catch (const CorruptChunkError& error) {
        throw CorruptChunkError("ragged array '" + path_ + "', sample " +
                                std::to_string(coordinates[k]) + ": " + error.what());
      }
    }
    // Other channels (grey or CMYK JPEGs in an RGB array), PNGs and raw pixels: decoded
    // whole, converted as Pillow's convert() does.
    const Sample sample =
        coder_->Decode(bytes, std::span(rows).subspan(k * columns, columns), {}, coordinates[k]);
    transform::ResampleInto({reinterpret_cast<const std::uint8_t*>(sample.values.data()), height,
                             width, channels, static_cast<std::size_t>(width) * channels},
                            requests[k].box, requests[k].flip, output, target);
  });
}

}  // namespace hub
