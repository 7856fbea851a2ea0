// Image files as users have them (a JPEG or PNG file's bytes, as `hub.read` gives them): what
// their header says, and their pixels decoded to the channels an array holds. Ragged image
// arrays store such files byte for byte where the array's codec matches the file's format.
#pragma once

#include <cstddef>
#include <span>
#include <string>

#include "hub/buffer.h"

namespace hub::codec {

enum class ImageFileFormat { kJpeg, kPng };

// "jpeg" or "png".
const char* ImageFileFormatName(ImageFileFormat format);

struct ImageFileInfo {
  ImageFileFormat format = ImageFileFormat::kJpeg;
  int height = 0;
  int width = 0;
  // As stored: jpeg 1 (grey), 3 (YCbCr or RGB) or 4 (CMYK, YCCK); png 1-4.
  int channels = 0;
  int bit_depth = 8;  // png: 8 or 16; jpeg: 8
};

// The header of a JPEG or PNG file, read without decoding any pixel. CorruptChunkError for
// bytes that are neither (or a header that does not parse), and for PNGs hub_v1 cannot decode
// (palette or below 8 bits per channel).
ImageFileInfo ReadImageFileInfo(std::span<const std::byte> file);

// Decodes `file` (whose header is `info`) into `pixels`: height x width x `channels`, uint8 (or
// uint16 for a 16-bit png, native byte order). Channels convert as Pillow's convert() does:
// grey to RGB repeats the grey, RGB to grey is ITU-R 601 luma, an alpha channel is dropped or
// added opaque, CMYK (stored inverted, as Adobe's files are) becomes RGB.
// CorruptChunkError for data that does not decode.
void DecodeImageFile(std::span<const std::byte> file, const ImageFileInfo& info, int channels,
                     std::span<std::byte> pixels);

}  // namespace hub::codec
