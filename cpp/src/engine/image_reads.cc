// Transformed image reads (see image_reads.h).
#include "engine/image_reads.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "codec/image_chunk.h"
#include "codec/jpeg_codec.h"
#include "codec/jpeg_region.h"
#include "engine/chunk_io.h"
#include "engine/shard_io.h"
#include "engine/thread_pool.h"
#include "hub/errors.h"
#include "transform/resample.h"

namespace hub::engine {
namespace {

using detail::ArrayState;

struct ImageGeometry {
  int height = 0;
  int width = 0;
  int channels = 1;
};

ImageGeometry CheckImageArray(const ArrayState& array) {
  const auto& shape = array.metadata.shape;
  const std::string name = "array '" + array.path + "'";
  if (array.metadata.dtype != DataType::kUint8 || (shape.size() != 3 && shape.size() != 4)) {
    throw InvalidArgumentError(name + " is not an array of uint8 images (N, H, W[, C])");
  }
  for (std::size_t axis = 1; axis < shape.size(); ++axis) {
    if (array.chunk_shape[0] != 1 || array.chunk_shape[axis] != shape[axis]) {
      throw InvalidArgumentError(name + " does not hold one image per chunk (chunk (1, H, W" +
                                 std::string(shape.size() == 4 ? ", C" : "") +
                                 ")), which image transforms read");
    }
  }
  ImageGeometry geometry{static_cast<int>(shape[1]), static_cast<int>(shape[2]),
                         shape.size() == 4 ? static_cast<int>(shape[3]) : 1};
  if (geometry.channels < 1 || geometry.channels > 4) {
    throw InvalidArgumentError(name + " has " + std::to_string(geometry.channels) +
                               " channels; image transforms take 1 to 4");
  }
  return geometry;
}

// Where image `index` is stored: its object's key and its place among the object's chunks.
struct ImageLocation {
  std::string key;
  std::size_t inner = 0;
};

ImageLocation Locate(const ArrayState& array, std::int64_t index) {
  std::vector<std::int64_t> object_position(array.metadata.shape.size(), 0);
  object_position[0] = index / array.chunks_per_object[0];
  std::size_t inner = static_cast<std::size_t>(index % array.chunks_per_object[0]);
  for (std::size_t axis = 1; axis < array.chunks_per_object.size(); ++axis) {
    inner *= static_cast<std::size_t>(array.chunks_per_object[axis]);
  }
  return {array.ObjectKey(object_position), inner};
}

// The encoded chunk of every request (nullopt: never stored), fetched object by object.
std::vector<std::optional<Buffer>> FetchImages(const ArrayState& array,
                                               const std::vector<ImageLocation>& locations) {
  std::map<std::string, std::vector<std::size_t>> by_object;
  for (std::size_t k = 0; k < locations.size(); ++k) by_object[locations[k].key].push_back(k);
  std::vector<const std::pair<const std::string, std::vector<std::size_t>>*> objects;
  for (const auto& object : by_object) objects.push_back(&object);
  std::vector<std::optional<Buffer>> encoded(locations.size());
  ParallelFor(objects.size(), [&](std::size_t o) {
    const auto& [key, requests] = *objects[o];
    if (array.sharding == nullptr) {
      const std::optional<Buffer> chunk = GetObject(array, key);
      for (const std::size_t k : requests) encoded[k] = chunk;
      return;
    }
    std::vector<std::size_t> inner;
    for (const std::size_t k : requests) inner.push_back(locations[k].inner);
    auto chunks = ReadEncodedInnerChunks(array, key, inner);
    for (std::size_t r = 0; r < requests.size(); ++r) encoded[requests[r]] = std::move(chunks[r]);
  });
  return encoded;
}

transform::PixelView ViewOf(const std::uint8_t* pixels, const ImageGeometry& geometry) {
  return {pixels, geometry.height, geometry.width, geometry.channels,
          static_cast<std::size_t>(geometry.width) * geometry.channels};
}

void TransformOne(const ArrayState& array, const ImageLocation& location,
                  const std::optional<Buffer>& encoded, const ImageRequest& request,
                  const ImageGeometry& geometry, const ImageOutput& output,
                  std::span<std::byte> out) {
  const std::string name =
      array.sharding != nullptr ? array.sharding->InnerChunkName(location.inner) : "";
  const auto* jpeg =
      array.chunk_pipeline->HasArrayToArrayCodecs()
          ? nullptr
          : dynamic_cast<const codec::JpegCodec*>(&array.chunk_pipeline->array_to_bytes());
  if (encoded && jpeg != nullptr) {
    try {
      const Buffer stream = array.chunk_pipeline->UndoBytesStages(*encoded);
      const std::span<const std::byte> image = codec::ImageChunk::HasHeader(stream.span())
                                                   ? codec::ImageChunk(stream, 1).Image(0)
                                                   : stream.span();
      const codec::JpegRegion region =
          codec::DecodeJpegRegion(image, request.box, output.height, output.width, geometry.height,
                                  geometry.width, geometry.channels);
      transform::ResampleInto({region.pixels.get(), region.height, region.width, region.channels,
                               static_cast<std::size_t>(region.width) * region.channels},
                              region.box, request.flip, output, out);
    } catch (const CorruptChunkError& error) {
      const std::string where = name.empty() ? "" : "inner chunk " + name + ": ";
      throw ChunkError(array, location.key, CorruptChunkError(where + error.what()));
    }
    return;
  }
  Buffer pixels = Buffer::Allocate(array.chunk_bytes);
  if (encoded) {
    DecodeChunk(array, location.key, name, *encoded, pixels.mutable_span());
  } else {
    index::FillWithElement(pixels.mutable_span(), array.metadata.fill_value);
  }
  transform::ResampleInto(ViewOf(reinterpret_cast<const std::uint8_t*>(pixels.data()), geometry),
                          request.box, request.flip, output, out);
}

}  // namespace

void CheckImageOutput(const ImageOutput& output, std::size_t requests, int channels,
                      std::size_t out_bytes) {
  if (output.height < 1 || output.width < 1) {
    throw InvalidArgumentError("transformed images need a positive height and width");
  }
  if (channels < 1 || channels > static_cast<int>(output.mean.size())) {
    throw InvalidArgumentError("image transforms take 1 to 4 channels, not " +
                               std::to_string(channels));
  }
  for (int c = 0; output.float_chw && c < channels; ++c) {
    if (!(output.std[c] > 0)) throw InvalidArgumentError("normalisation std must be positive");
  }
  // Every product checked: height x width x channels x 4 x images can pass 2^64, and a
  // wrapped size would let a small buffer through.
  std::size_t needed = 0;
  if (__builtin_mul_overflow(static_cast<std::size_t>(output.height),
                             static_cast<std::size_t>(output.width), &needed) ||
      __builtin_mul_overflow(
          needed, static_cast<std::size_t>(channels) * (output.float_chw ? 4 : 1), &needed) ||
      __builtin_mul_overflow(needed, requests, &needed)) {
    throw InvalidArgumentError("transformed images of " + std::to_string(output.height) + " x " +
                               std::to_string(output.width) + " x " + std::to_string(channels) +
                               " cannot be held in memory");
  }
  if (out_bytes != needed) {
    throw InvalidArgumentError("the output buffer holds " + std::to_string(out_bytes) + " bytes; " +
                               std::to_string(requests) + " images need " + std::to_string(needed));
  }
}

namespace {

void CheckRequest(const ImageRequest& request, std::int64_t count, int height, int width) {
  if (request.index < 0 || request.index >= count) {
    throw OutOfBoundsError("image " + std::to_string(request.index) + " is out of bounds for " +
                           std::to_string(count) + " images");
  }
  transform::CheckBox(request.box, height, width);
}

}  // namespace

void ReadImages(const ArrayState& array, std::span<const ImageRequest> requests,
                const ImageOutput& output, std::span<std::byte> out) {
  const ImageGeometry geometry = CheckImageArray(array);
  CheckImageOutput(output, requests.size(), geometry.channels, out.size());
  std::vector<ImageLocation> locations;
  locations.reserve(requests.size());
  for (const ImageRequest& request : requests) {
    CheckRequest(request, array.metadata.shape[0], geometry.height, geometry.width);
    locations.push_back(Locate(array, request.index));
  }
  const std::vector<std::optional<Buffer>> encoded = FetchImages(array, locations);
  const std::size_t image_bytes = output.ImageBytes(geometry.channels);
  ParallelFor(requests.size(), [&](std::size_t k) {
    TransformOne(array, locations[k], encoded[k], requests[k], geometry, output,
                 out.subspan(k * image_bytes, image_bytes));
  });
}

}  // namespace hub::engine

namespace hub {

void TransformImages(std::span<const std::uint8_t> images, std::int64_t count, int height,
                     int width, int channels, std::span<const ImageRequest> requests,
                     const ImageOutput& output, std::span<std::byte> out) {
  std::size_t input_size = 0;
  if (count < 0 || height < 1 || width < 1 || channels < 1 || channels > 4 ||
      __builtin_mul_overflow(static_cast<std::size_t>(count), static_cast<std::size_t>(height),
                             &input_size) ||
      __builtin_mul_overflow(input_size, static_cast<std::size_t>(width), &input_size) ||
      __builtin_mul_overflow(input_size, static_cast<std::size_t>(channels), &input_size) ||
      images.size() != input_size) {
    throw InvalidArgumentError("images must be uint8 (count, height, width, 1-4 channels)");
  }
  engine::CheckImageOutput(output, requests.size(), channels, out.size());
  for (const ImageRequest& request : requests) {
    engine::CheckRequest(request, count, height, width);
  }
  const engine::ImageGeometry geometry{height, width, channels};
  const std::size_t image_bytes = output.ImageBytes(channels);
  const std::size_t input_bytes = static_cast<std::size_t>(height) * width * channels;
  engine::ParallelFor(requests.size(), [&](std::size_t k) {
    transform::ResampleInto(
        engine::ViewOf(images.data() + static_cast<std::size_t>(requests[k].index) * input_bytes,
                       geometry),
        requests[k].box, requests[k].flip, output, out.subspan(k * image_bytes, image_bytes));
  });
}

}  // namespace hub
