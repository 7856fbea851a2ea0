// hub_v1.jpeg through TurboJPEG (see jpeg_codec.h). TurboJPEG contains libjpeg's longjmp
// error handling and reports failures as return codes, so nothing unwinds through C frames.
#include "codec/jpeg_codec.h"

#include <turbojpeg.h>

#include <memory>
#include <string>

#include "hub/errors.h"

namespace hub::codec {
namespace {

struct HandleDeleter {
  void operator()(void* handle) const { tjDestroy(handle); }
};
using Handle = std::unique_ptr<void, HandleDeleter>;

// TurboJPEG handles are not thread-safe and cost an allocation: one per thread.
tjhandle ThreadCompressor() {
  thread_local Handle handle(tjInitCompress());
  if (!handle) throw std::bad_alloc();
  return handle.get();
}

int PixelFormat(int channels) { return channels == 1 ? TJPF_GRAY : TJPF_RGB; }

// This thread's decompressor, replaced after a failure (ThrowJpegDecompressError).
thread_local Handle thread_decompressor;

}  // namespace

void* ThreadJpegDecompressor() {
  if (!thread_decompressor) {
    thread_decompressor.reset(tjInitDecompress());
    if (!thread_decompressor) throw std::bad_alloc();
  }
  return thread_decompressor.get();
}

void ThrowJpegDecompressError(const std::string& context) {
  const std::string message = context + tjGetErrorStr2(thread_decompressor.get());
  // libjpeg-turbo 2.1 leaves a handle whose header read failed unusable: the next header it
  // reads, of a valid file too, comes out as 0 x 0. The next call starts a fresh one.
  thread_decompressor.reset();
  throw CorruptChunkError(message);
}

std::unique_ptr<ArrayToBytesCodec> JpegCodec::FromConfig(const nlohmann::json& configuration) {
  return std::make_unique<JpegCodec>(
      ConfigInt(configuration, "hub_v1.jpeg", "quality", 1, 100, 75));
}

void JpegCodec::CheckLayout(const ChunkLayout& layout) const {
  const ImageGeometry geometry = ImageGeometry::Of(layout);
  if (layout.dtype != DataType::kUint8) {
    throw InvalidArgumentError("jpeg stores uint8 images only, not " +
                               std::string(DataTypeName(layout.dtype)));
  }
  if (geometry.channels != 1 && geometry.channels != 3) {
    throw InvalidArgumentError("jpeg stores images with 1 or 3 channels, not " +
                               std::to_string(geometry.channels));
  }
}

Buffer JpegCodec::EncodeImage(std::span<const std::byte> pixels,
                              const ImageGeometry& geometry) const {
  const int subsampling = geometry.channels == 1 ? TJSAMP_GRAY : TJSAMP_420;
  const unsigned long capacity = tjBufSize(geometry.width, geometry.height, subsampling);
  Buffer encoded = Buffer::Allocate(capacity);
  auto* destination = reinterpret_cast<unsigned char*>(encoded.data());
  unsigned long size = capacity;
  if (tjCompress2(ThreadCompressor(), reinterpret_cast<const unsigned char*>(pixels.data()),
                  geometry.width, 0, geometry.height, PixelFormat(geometry.channels), &destination,
                  &size, subsampling, quality_, TJFLAG_NOREALLOC) != 0) {
    throw Error(std::string("jpeg encoding failed: ") + tjGetErrorStr2(ThreadCompressor()));
  }
  encoded.Shrink(size);
  return encoded;
}

void JpegCodec::DecodeImage(std::span<const std::byte> encoded, std::span<std::byte> pixels,
                            const ImageGeometry& geometry) const {
  tjhandle handle = ThreadJpegDecompressor();
  const auto* source = reinterpret_cast<const unsigned char*>(encoded.data());
  int width = 0, height = 0, subsampling = 0, colorspace = 0;
  if (tjDecompressHeader3(handle, source, encoded.size(), &width, &height, &subsampling,
                          &colorspace) != 0) {
    ThrowJpegDecompressError("jpeg header is corrupt: ");
  }
  if (width != geometry.width || height != geometry.height) {
    throw CorruptChunkError("jpeg image is " + std::to_string(width) + " x " +
                            std::to_string(height) + " where the array holds " +
                            std::to_string(geometry.width) + " x " +
                            std::to_string(geometry.height));
  }
  if (tjDecompress2(handle, source, encoded.size(), reinterpret_cast<unsigned char*>(pixels.data()),
                    width, 0, height, PixelFormat(geometry.channels), TJFLAG_STOPONWARNING) != 0) {
    ThrowJpegDecompressError("jpeg data is corrupt: ");
  }
}

nlohmann::json JpegCodec::ToJson() const {
  return CodecJson("hub_v1.jpeg", {{"quality", quality_}});
}

}  // namespace hub::codec
