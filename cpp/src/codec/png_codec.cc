// hub_v1.png through libpng (see png_codec.h).
//
// libpng reports errors by longjmp. Each setjmp below lives in a function that creates no C++
// object after it, and the callbacks never throw: they record a message and call png_error,
// so the jump only crosses libpng's own C frames. C++ errors are raised after return.
#include "codec/png_codec.h"

#include <png.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "hub/errors.h"

namespace hub::codec {
namespace {

struct PngError {
  char message[256] = "unknown error";
};

void OnError(png_structp png, png_const_charp message) {
  auto* error = static_cast<PngError*>(png_get_error_ptr(png));
  std::snprintf(error->message, sizeof(error->message), "%s", message);
  png_longjmp(png, 1);
}

void OnWarning(png_structp, png_const_charp) {}  // warnings do not change the pixels

// A fixed-capacity output area: the PNG bound is known up front, so the write callback never
// allocates (and so never throws inside libpng).
struct Output {
  std::byte* data;
  std::size_t capacity;
  std::size_t size;
};

void OnWrite(png_structp png, png_bytep bytes, png_size_t length) {
  auto* out = static_cast<Output*>(png_get_io_ptr(png));
  if (length > out->capacity - out->size) png_error(png, "PNG output exceeds its bound");
  std::memcpy(out->data + out->size, bytes, length);
  out->size += length;
}

void OnFlush(png_structp) {}

struct Input {
  const std::byte* data;
  std::size_t size;
  std::size_t position;
};

void OnRead(png_structp png, png_bytep bytes, png_size_t length) {
  auto* in = static_cast<Input*>(png_get_io_ptr(png));
  if (length > in->size - in->position) png_error(png, "PNG data is truncated");
  std::memcpy(bytes, in->data + in->position, length);
  in->position += length;
}

int ColorType(int channels) {
  switch (channels) {
    case 1:
      return PNG_COLOR_TYPE_GRAY;
    case 2:
      return PNG_COLOR_TYPE_GRAY_ALPHA;
    case 3:
      return PNG_COLOR_TYPE_RGB;
    default:
      return PNG_COLOR_TYPE_RGBA;
  }
}

bool WritePng(png_bytepp rows, const ImageGeometry& geometry, int bit_depth, int level, Output* out,
              PngError* error) {
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, error, OnError, OnWarning);
  if (png == nullptr) return false;
  png_infop info = png_create_info_struct(png);
  if (info == nullptr) {
    png_destroy_write_struct(&png, nullptr);
    return false;
  }
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    return false;
  }
  png_set_write_fn(png, out, OnWrite, OnFlush);
  png_set_IHDR(png, info, static_cast<png_uint_32>(geometry.width),
               static_cast<png_uint_32>(geometry.height), bit_depth, ColorType(geometry.channels),
               PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_set_compression_level(png, level);
  png_write_info(png, info);
  if (bit_depth == 16) png_set_swap(png);  // numpy's uint16 is little endian; PNG's is big
  png_write_image(png, rows);
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  return true;
}

// Returns false with `error` set on corrupt data or an image of a different shape; rows are
// only written once the header has been checked against `geometry`.
bool ReadPng(Input* in, png_bytepp rows, const ImageGeometry& geometry, int bit_depth,
             PngError* error) {
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, error, OnError, OnWarning);
  if (png == nullptr) return false;
  png_infop info = png_create_info_struct(png);
  if (info == nullptr) {
    png_destroy_read_struct(&png, nullptr, nullptr);
    return false;
  }
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_read_struct(&png, &info, nullptr);
    return false;
  }
  png_set_read_fn(png, in, OnRead);
  png_set_user_limits(png, 65535, 65535);
  png_read_info(png, info);
  png_uint_32 width = 0, height = 0;
  int depth = 0, color_type = 0, interlace = 0;
  png_get_IHDR(png, info, &width, &height, &depth, &color_type, &interlace, nullptr, nullptr);
  if (width != static_cast<png_uint_32>(geometry.width) ||
      height != static_cast<png_uint_32>(geometry.height) || depth != bit_depth ||
      color_type != ColorType(geometry.channels)) {
    std::snprintf(error->message, sizeof(error->message),
                  "PNG image is %ux%u, %d-bit, color type %d where the array holds %dx%d, "
                  "%d-bit, color type %d",
                  width, height, depth, color_type, geometry.width, geometry.height, bit_depth,
                  ColorType(geometry.channels));
    png_destroy_read_struct(&png, &info, nullptr);
    return false;
  }
  if (bit_depth == 16) png_set_swap(png);
  if (interlace != PNG_INTERLACE_NONE) png_set_interlace_handling(png);
  png_read_update_info(png, info);
  png_read_image(png, rows);
  png_read_end(png, nullptr);
  png_destroy_read_struct(&png, &info, nullptr);
  return true;
}

int BitDepth(const ImageGeometry& geometry, std::size_t bytes) {
  const std::size_t samples = static_cast<std::size_t>(geometry.width) * geometry.height *
                              static_cast<std::size_t>(geometry.channels);
  return bytes == 2 * samples ? 16 : 8;
}

std::vector<png_bytep> RowPointers(std::byte* pixels, const ImageGeometry& geometry) {
  const std::size_t row_bytes = geometry.item_bytes / static_cast<std::size_t>(geometry.height);
  std::vector<png_bytep> rows(static_cast<std::size_t>(geometry.height));
  for (std::size_t y = 0; y < rows.size(); ++y) {
    rows[y] = reinterpret_cast<png_bytep>(pixels + y * row_bytes);
  }
  return rows;
}

}  // namespace

std::unique_ptr<ArrayToBytesCodec> PngCodec::FromConfig(const nlohmann::json& configuration) {
  return std::make_unique<PngCodec>(ConfigInt(configuration, "hub_v1.png", "level", 0, 9, 6));
}

void PngCodec::CheckLayout(const ChunkLayout& layout) const {
  const ImageGeometry geometry = ImageGeometry::Of(layout);
  if (layout.dtype != DataType::kUint8 && layout.dtype != DataType::kUint16) {
    throw InvalidArgumentError("png stores uint8 or uint16 images only, not " +
                               std::string(DataTypeName(layout.dtype)));
  }
  if (geometry.channels < 1 || geometry.channels > 4) {
    throw InvalidArgumentError("png stores images with 1 to 4 channels, not " +
                               std::to_string(geometry.channels));
  }
}

Buffer PngCodec::EncodeImage(std::span<const std::byte> pixels,
                             const ImageGeometry& geometry) const {
  const std::size_t raw = geometry.item_bytes + static_cast<std::size_t>(geometry.height);
  Buffer encoded = Buffer::Allocate(raw + raw / 8 + 4096);  // deflate's worst case and chunks
  Output out{encoded.data(), encoded.size(), 0};
  auto rows = RowPointers(const_cast<std::byte*>(pixels.data()), geometry);
  PngError error;
  if (!WritePng(rows.data(), geometry, BitDepth(geometry, pixels.size()), level_, &out, &error)) {
    throw Error(std::string("png encoding failed: ") + error.message);
  }
  encoded.Shrink(out.size);
  return encoded;
}

void PngCodec::DecodeImage(std::span<const std::byte> encoded, std::span<std::byte> pixels,
                           const ImageGeometry& geometry) const {
  Input in{encoded.data(), encoded.size(), 0};
  auto rows = RowPointers(pixels.data(), geometry);
  PngError error;
  if (!ReadPng(&in, rows.data(), geometry, BitDepth(geometry, pixels.size()), &error)) {
    throw CorruptChunkError(std::string("png data is corrupt: ") + error.message);
  }
}

nlohmann::json PngCodec::ToJson() const { return CodecJson("hub_v1.png", {{"level", level_}}); }

}  // namespace hub::codec
