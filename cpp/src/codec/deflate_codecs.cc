// gzip and zlib through libdeflate (see deflate_codecs.h).
#include "codec/deflate_codecs.h"

#include <isa-l/igzip_lib.h>
#include <libdeflate.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "hub/errors.h"

namespace hub::codec {
namespace {

struct CompressorDeleter {
  void operator()(libdeflate_compressor* c) const { libdeflate_free_compressor(c); }
};
struct DecompressorDeleter {
  void operator()(libdeflate_decompressor* d) const { libdeflate_free_decompressor(d); }
};

// libdeflate's state is costly to allocate and not thread-safe: keep one per thread and level.
libdeflate_compressor* ThreadCompressor(int level) {
  thread_local std::map<int, std::unique_ptr<libdeflate_compressor, CompressorDeleter>> cache;
  auto& slot = cache[level];
  if (!slot) slot.reset(libdeflate_alloc_compressor(level));
  if (!slot) throw std::bad_alloc();
  return slot.get();
}

libdeflate_decompressor* ThreadDecompressor() {
  thread_local std::unique_ptr<libdeflate_decompressor, DecompressorDeleter> decompressor(
      libdeflate_alloc_decompressor());
  if (!decompressor) throw std::bad_alloc();
  return decompressor.get();
}

const char* NameOf(DeflateCodec::Container container) {
  return container == DeflateCodec::Container::kGzip ? "gzip" : "numcodecs.zlib";
}

// Decompresses into `out`; returns the decoded size, or nullopt if `out` was too small.
std::optional<std::size_t> Inflate(DeflateCodec::Container container, const Buffer& encoded,
                                   std::span<std::byte> out) {
  std::size_t used_in = 0;
  std::size_t produced = 0;
  const auto result =
      container == DeflateCodec::Container::kGzip
          ? libdeflate_gzip_decompress_ex(ThreadDecompressor(), encoded.data(), encoded.size(),
                                          out.data(), out.size(), &used_in, &produced)
          : libdeflate_zlib_decompress_ex(ThreadDecompressor(), encoded.data(), encoded.size(),
                                          out.data(), out.size(), &used_in, &produced);
  if (result == LIBDEFLATE_INSUFFICIENT_SPACE) return std::nullopt;
  if (result != LIBDEFLATE_SUCCESS) {
    throw CorruptChunkError(std::string(NameOf(container)) + " data is corrupt or truncated");
  }
  return produced;
}

// Level 1 asks for speed: ISA-L's igzip compresses about 3x faster than libdeflate's level 1
// (401 vs 126 MB/s on the benchmark's image-like chunks), at nearly the same size.
// nullopt if igzip could not finish (then libdeflate takes over).
std::optional<Buffer> CompressWithIsal(DeflateCodec::Container container,
                                       std::span<const std::byte> decoded) {
  thread_local std::vector<std::uint8_t> level_buffer(ISAL_DEF_LVL1_DEFAULT);
  // Incompressible input grows by a few bytes per 64 KiB stored block, plus the wrapper.
  Buffer encoded = Buffer::Allocate(decoded.size() + decoded.size() / 16 + 1024);
  isal_zstream stream;
  isal_deflate_stateless_init(&stream);
  stream.level = 1;
  stream.level_buf = level_buffer.data();
  stream.level_buf_size = static_cast<std::uint32_t>(level_buffer.size());
  stream.gzip_flag = container == DeflateCodec::Container::kGzip ? IGZIP_GZIP : IGZIP_ZLIB;
  stream.end_of_stream = 1;
  stream.flush = NO_FLUSH;
  stream.next_in = reinterpret_cast<std::uint8_t*>(const_cast<std::byte*>(decoded.data()));
  stream.avail_in = static_cast<std::uint32_t>(decoded.size());
  stream.next_out = reinterpret_cast<std::uint8_t*>(encoded.data());
  stream.avail_out = static_cast<std::uint32_t>(encoded.size());
  if (isal_deflate_stateless(&stream) != COMP_OK || stream.avail_in != 0) return std::nullopt;
  encoded.Shrink(stream.total_out);
  return encoded;
}

}  // namespace

std::unique_ptr<BytesToBytesCodec> DeflateCodec::GzipFromConfig(
    const nlohmann::json& configuration) {
  return std::make_unique<DeflateCodec>(Container::kGzip,
                                        ConfigInt(configuration, "gzip", "level", 0, 9, 5));
}

std::unique_ptr<BytesToBytesCodec> DeflateCodec::ZlibFromConfig(
    const nlohmann::json& configuration) {
  return std::make_unique<DeflateCodec>(
      Container::kZlib, ConfigInt(configuration, "numcodecs.zlib", "level", 0, 9, 1));
}

Buffer DeflateCodec::Encode(std::span<const std::byte> decoded) const {
  constexpr std::size_t kIsalInputLimit = std::size_t{1} << 31;  // avail_in is 32-bit
  if (level_ == 1 && decoded.size() < kIsalInputLimit) {
    if (auto encoded = CompressWithIsal(container_, decoded)) return std::move(*encoded);
  }
  libdeflate_compressor* compressor = ThreadCompressor(level_);
  const bool gzip = container_ == Container::kGzip;
  const std::size_t bound = gzip ? libdeflate_gzip_compress_bound(compressor, decoded.size())
                                 : libdeflate_zlib_compress_bound(compressor, decoded.size());
  Buffer encoded = Buffer::Allocate(bound);
  const std::size_t size = gzip ? libdeflate_gzip_compress(compressor, decoded.data(),
                                                           decoded.size(), encoded.data(), bound)
                                : libdeflate_zlib_compress(compressor, decoded.data(),
                                                           decoded.size(), encoded.data(), bound);
  if (size == 0) throw Error(std::string(NameOf(container_)) + " compression failed");
  encoded.Shrink(size);
  return encoded;
}

void DeflateCodec::DecodeInto(const Buffer& encoded, std::span<std::byte> out) const {
  // gzip records the decoded size (mod 2^32) in its trailer: refuse a mismatch before
  // writing a byte. (zlib streams carry no size; libdeflate stops at the end of `out`.)
  if (container_ == Container::kGzip && encoded.size() >= 18) {
    std::uint32_t declared;
    std::memcpy(&declared, encoded.data() + encoded.size() - 4, 4);
    if (declared != static_cast<std::uint32_t>(out.size())) {
      throw CorruptChunkError("gzip data declares " + std::to_string(declared) +
                              " bytes where the chunk holds " + std::to_string(out.size()));
    }
  }
  const auto produced = Inflate(container_, encoded, out);
  if (!produced || *produced != out.size()) {
    throw CorruptChunkError(std::string(NameOf(container_)) +
                            " data does not decode to the chunk's size of " +
                            std::to_string(out.size()) + " bytes");
  }
}

Buffer DeflateCodec::Decode(const Buffer& encoded, std::size_t max_size) const {
  // Grow geometrically up to the cap instead of trusting sizes written in the stream.
  std::size_t capacity =
      std::min<std::size_t>(max_size, std::max<std::size_t>(4 * encoded.size(), 4096));
  while (true) {
    Buffer decoded = Buffer::Allocate(capacity);
    if (const auto produced = Inflate(container_, encoded, decoded.mutable_span())) {
      decoded.Shrink(*produced);
      return decoded;
    }
    if (capacity >= max_size) {
      throw CorruptChunkError(std::string(NameOf(container_)) +
                              " data decodes to more bytes than the chunk can hold");
    }
    capacity = std::min(max_size, capacity * 4);
  }
}

nlohmann::json DeflateCodec::ToJson() const {
  return CodecJson(NameOf(container_), {{"level", level_}});
}

}  // namespace hub::codec
