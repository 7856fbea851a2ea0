// JPEG and PNG files' headers and pixels (see image_files.h).
#include "codec/image_files.h"

#include <turbojpeg.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>

#include "codec/jpeg_codec.h"
#include "codec/png_codec.h"
#include "hub/errors.h"

namespace hub::codec {
namespace {

constexpr std::array<std::uint8_t, 3> kJpegMagic = {0xFF, 0xD8, 0xFF};
constexpr std::array<std::uint8_t, 8> kPngMagic = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
constexpr int kMaxImageSide = 65535;  // what the image codecs accept

template <std::size_t N>
bool StartsWith(std::span<const std::byte> bytes, const std::array<std::uint8_t, N>& magic) {
  return bytes.size() >= N && std::memcmp(bytes.data(), magic.data(), N) == 0;
}

std::uint32_t BigEndian32(std::span<const std::byte> bytes, std::size_t offset) {
  std::uint32_t value = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    value = (value << 8) | std::to_integer<std::uint32_t>(bytes[offset + i]);
  }
  return value;
}

void CheckSides(const ImageFileInfo& info) {
  if (info.height < 1 || info.width < 1 || info.height > kMaxImageSide ||
      info.width > kMaxImageSide) {
    throw CorruptChunkError(std::string(ImageFileFormatName(info.format)) + " image of " +
                            std::to_string(info.height) + " x " + std::to_string(info.width) +
                            " pixels: sides must be 1 to 65535");
  }
}

ImageFileInfo ReadJpegInfo(std::span<const std::byte> file) {
  tjhandle handle = ThreadJpegDecompressor();
  int width = 0, height = 0, subsampling = 0, colorspace = 0;
  if (tjDecompressHeader3(handle, reinterpret_cast<const unsigned char*>(file.data()), file.size(),
                          &width, &height, &subsampling, &colorspace) != 0) {
    ThrowJpegDecompressError("jpeg header is corrupt: ");
  }
  ImageFileInfo info;
  info.format = ImageFileFormat::kJpeg;
  info.height = height;
  info.width = width;
  info.channels = colorspace == TJCS_GRAY                                ? 1
                  : (colorspace == TJCS_CMYK || colorspace == TJCS_YCCK) ? 4
                                                                         : 3;
  CheckSides(info);
  return info;
}

// The IHDR chunk, which the PNG format puts first: width, height, bit depth, colour type.
ImageFileInfo ReadPngInfo(std::span<const std::byte> file) {
  constexpr std::size_t kIhdrEnd = 8 + 8 + 13;
  if (file.size() < kIhdrEnd || BigEndian32(file, 8) != 13 ||
      std::memcmp(file.data() + 12, "IHDR", 4) != 0) {
    throw CorruptChunkError("png header is corrupt: no IHDR chunk after the signature");
  }
  ImageFileInfo info;
  info.format = ImageFileFormat::kPng;
  const std::uint32_t width = BigEndian32(file, 16);
  const std::uint32_t height = BigEndian32(file, 20);
  info.width = static_cast<int>(std::min<std::uint32_t>(width, kMaxImageSide + 1));
  info.height = static_cast<int>(std::min<std::uint32_t>(height, kMaxImageSide + 1));
  info.bit_depth = std::to_integer<int>(file[24]);
  const int color_type = std::to_integer<int>(file[25]);
  switch (color_type) {
    case 0:  // grey
      info.channels = 1;
      break;
    case 2:  // RGB
      info.channels = 3;
      break;
    case 4:  // grey + alpha
      info.channels = 2;
      break;
    case 6:  // RGBA
      info.channels = 4;
      break;
    default:
      throw CorruptChunkError("png colour type " + std::to_string(color_type) +
                              " (palette, or invalid) is not supported; convert the image to "
                              "grey or RGB first");
  }
  if (info.bit_depth != 8 && info.bit_depth != 16) {
    throw CorruptChunkError("png images of " + std::to_string(info.bit_depth) +
                            " bits per channel are not supported; 8 and 16 are");
  }
  CheckSides(info);
  return info;
}

// Pillow's L = R * 299/1000 + G * 587/1000 + B * 114/1000, in its fixed point.
template <typename T>
T Luma(std::uint64_t r, std::uint64_t g, std::uint64_t b) {
  return static_cast<T>((r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16);
}

template <typename T>
void ConvertPixels(const T* in, int from, T* out, int to, std::size_t pixels) {
  constexpr std::uint64_t kOpaque = std::numeric_limits<T>::max();
  for (std::size_t p = 0; p < pixels; ++p, in += from, out += to) {
    const bool colour = from >= 3;
    const std::uint64_t r = in[0];
    const std::uint64_t g = colour ? in[1] : r;
    const std::uint64_t b = colour ? in[2] : r;
    const std::uint64_t alpha = from == 2 ? in[1] : from == 4 ? in[3] : kOpaque;
    if (to <= 2) {
      out[0] = colour ? Luma<T>(r, g, b) : static_cast<T>(r);
      if (to == 2) out[1] = static_cast<T>(alpha);
    } else {
      out[0] = static_cast<T>(r);
      out[1] = static_cast<T>(g);
      out[2] = static_cast<T>(b);
      if (to == 4) out[3] = static_cast<T>(alpha);
    }
  }
}

// Pixels of `from` channels as `to` channels (1 grey, 2 grey + alpha, 3 RGB, 4 RGBA).
void ConvertChannels(std::span<const std::byte> in, int from, std::span<std::byte> out, int to,
                     std::size_t pixels, int bit_depth) {
  if (from == to) {
    std::memcpy(out.data(), in.data(), out.size());
  } else if (bit_depth == 16) {
    ConvertPixels(reinterpret_cast<const std::uint16_t*>(in.data()), from,
                  reinterpret_cast<std::uint16_t*>(out.data()), to, pixels);
  } else {
    ConvertPixels(reinterpret_cast<const std::uint8_t*>(in.data()), from,
                  reinterpret_cast<std::uint8_t*>(out.data()), to, pixels);
  }
}

// Pillow's CMYK to RGB for the inverted CMYK that Adobe writes (and Pillow assumes): with the
// stored c and k, R = k - k * (255 - c) / 255, rounded as Pillow's MULDIV255.
void CmykToRgb(const std::uint8_t* in, std::uint8_t* out, std::size_t pixels) {
  for (std::size_t p = 0; p < pixels; ++p, in += 4, out += 3) {
    const int k = in[3];
    for (int c = 0; c < 3; ++c) {
      const int product = (255 - in[c]) * k + 128;
      out[c] = static_cast<std::uint8_t>(k - (((product >> 8) + product) >> 8));
    }
  }
}

void DecodeJpegPixels(std::span<const std::byte> file, const ImageFileInfo& info, int pixel_format,
                      std::span<std::byte> pixels) {
  tjhandle handle = ThreadJpegDecompressor();
  if (tjDecompress2(handle, reinterpret_cast<const unsigned char*>(file.data()), file.size(),
                    reinterpret_cast<unsigned char*>(pixels.data()), info.width, 0, info.height,
                    pixel_format, 0) != 0) {
    ThrowJpegDecompressError("jpeg data is corrupt: ");
  }
}

// The file's pixels with the channels it decodes to most directly, converted to `channels`.
void DecodeJpegFile(std::span<const std::byte> file, const ImageFileInfo& info, int channels,
                    std::span<std::byte> pixels) {
  const std::size_t count = static_cast<std::size_t>(info.height) * info.width;
  if (info.channels == 4) {
    Buffer cmyk = Buffer::Allocate(count * 4);
    DecodeJpegPixels(file, info, TJPF_CMYK, cmyk.mutable_span());
    Buffer rgb = Buffer::Allocate(count * 3);
    CmykToRgb(reinterpret_cast<const std::uint8_t*>(cmyk.data()),
              reinterpret_cast<std::uint8_t*>(rgb.data()), count);
    ConvertChannels(rgb.span(), 3, pixels, channels, count, 8);
    return;
  }
  // libjpeg converts grey to RGB and YCbCr to grey itself; alpha is added afterwards.
  const int decoded = channels <= 2 ? 1 : 3;
  if (decoded == channels) {
    DecodeJpegPixels(file, info, channels == 1 ? TJPF_GRAY : TJPF_RGB, pixels);
    return;
  }
  Buffer scratch = Buffer::Allocate(count * static_cast<std::size_t>(decoded));
  DecodeJpegPixels(file, info, decoded == 1 ? TJPF_GRAY : TJPF_RGB, scratch.mutable_span());
  ConvertChannels(scratch.span(), decoded, pixels, channels, count, 8);
}

void DecodePngFile(std::span<const std::byte> file, const ImageFileInfo& info, int channels,
                   std::span<std::byte> pixels) {
  const std::size_t count = static_cast<std::size_t>(info.height) * info.width;
  const std::size_t sample_bytes = info.bit_depth == 16 ? 2 : 1;
  ImageGeometry geometry;
  geometry.height = info.height;
  geometry.width = info.width;
  geometry.channels = info.channels;
  geometry.item_bytes = count * static_cast<std::size_t>(info.channels) * sample_bytes;
  const PngCodec png(/*level=*/6);
  if (info.channels == channels) {
    png.DecodeImage(file, pixels, geometry);
    return;
  }
  Buffer native = Buffer::Allocate(geometry.item_bytes);
  png.DecodeImage(file, native.mutable_span(), geometry);
  ConvertChannels(native.span(), info.channels, pixels, channels, count, info.bit_depth);
}

}  // namespace

const char* ImageFileFormatName(ImageFileFormat format) {
  return format == ImageFileFormat::kJpeg ? "jpeg" : "png";
}

ImageFileInfo ReadImageFileInfo(std::span<const std::byte> file) {
  if (StartsWith(file, kJpegMagic)) return ReadJpegInfo(file);
  if (StartsWith(file, kPngMagic)) return ReadPngInfo(file);
  throw CorruptChunkError("not a JPEG or PNG file (it starts with neither one's signature)");
}

void DecodeImageFile(std::span<const std::byte> file, const ImageFileInfo& info, int channels,
                     std::span<std::byte> pixels) {
  const std::size_t sample_bytes = info.bit_depth == 16 ? 2 : 1;
  const std::size_t expected = static_cast<std::size_t>(info.height) * info.width *
                               static_cast<std::size_t>(channels) * sample_bytes;
  if (channels < 1 || channels > 4 || pixels.size() != expected) {
    throw InvalidArgumentError("DecodeImageFile: " + std::to_string(pixels.size()) +
                               " bytes for an image of " + std::to_string(expected));
  }
  if (info.format == ImageFileFormat::kJpeg) {
    DecodeJpegFile(file, info, channels, pixels);
  } else {
    DecodePngFile(file, info, channels, pixels);
  }
}

}  // namespace hub::codec
