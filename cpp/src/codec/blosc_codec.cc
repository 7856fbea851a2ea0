// blosc through c-blosc 1 (see blosc_codec.h). Only the thread-safe context calls are used,
// with one internal thread: the engine's pool already decodes chunks in parallel.
#include "codec/blosc_codec.h"

#include <blosc.h>

#include <array>
#include <cstring>
#include <string_view>

#include "hub/errors.h"

namespace hub::codec {
namespace {

constexpr std::array<std::string_view, 6> kCompressors = {"blosclz", "lz4",  "lz4hc",
                                                          "snappy",  "zlib", "zstd"};

// The fixed 16-byte header every blosc 1 frame starts with (all integers little endian).
struct FrameHeader {
  std::uint8_t version;
  std::uint8_t flags;
  std::uint8_t typesize;
  std::uint32_t nbytes;     // decoded size
  std::uint32_t blocksize;  // decoded bytes per block
  std::uint32_t cbytes;     // the whole frame's size, header included
};

std::uint32_t LittleEndian32(const std::byte* bytes) {
  std::uint32_t value;
  std::memcpy(&value, bytes, sizeof(value));
  return value;
}

// Reads and checks the header against the frame it heads, before anything is allocated or
// decoded from it: c-blosc trusts the sizes it states.
FrameHeader CheckedHeader(const Buffer& encoded) {
  if (encoded.size() < BLOSC_MIN_HEADER_LENGTH) {
    throw CorruptChunkError("blosc data is truncated: " + std::to_string(encoded.size()) +
                            " bytes where the header alone takes 16");
  }
  const std::byte* data = encoded.data();
  const FrameHeader header{std::to_integer<std::uint8_t>(data[0]),
                           std::to_integer<std::uint8_t>(data[2]),
                           std::to_integer<std::uint8_t>(data[3]),
                           LittleEndian32(data + 4),
                           LittleEndian32(data + 8),
                           LittleEndian32(data + 12)};
  if (header.version == 0 || header.version > BLOSC_VERSION_FORMAT) {
    throw CorruptChunkError("blosc frame of format version " + std::to_string(header.version) +
                            ": c-blosc 1 reads versions 1 to " +
                            std::to_string(BLOSC_VERSION_FORMAT));
  }
  if (header.cbytes != encoded.size()) {
    throw CorruptChunkError("blosc header says the frame takes " + std::to_string(header.cbytes) +
                            " bytes, but it has " + std::to_string(encoded.size()));
  }
  if (header.typesize == 0) throw CorruptChunkError("blosc header has a typesize of 0");
  if (header.nbytes == 0) return header;
  if (header.flags & BLOSC_MEMCPYED) {
    if (std::uint64_t{header.nbytes} + BLOSC_MIN_HEADER_LENGTH != header.cbytes) {
      throw CorruptChunkError("blosc frame stored as a plain copy has the wrong size");
    }
    return header;
  }
  if (header.blocksize == 0) throw CorruptChunkError("blosc header has a blocksize of 0");
  const std::uint64_t blocks =
      (std::uint64_t{header.nbytes} + header.blocksize - 1) / header.blocksize;
  if (BLOSC_MIN_HEADER_LENGTH + blocks * sizeof(std::int32_t) > header.cbytes) {
    throw CorruptChunkError("blosc header states " + std::to_string(blocks) +
                            " blocks, more than the frame can index");
  }
  return header;
}

void Decompress(const Buffer& encoded, std::span<std::byte> out) {
  const int produced = blosc_decompress_ctx(encoded.data(), out.data(), out.size(), 1);
  if (produced < 0 || static_cast<std::size_t>(produced) != out.size()) {
    throw CorruptChunkError("blosc data is corrupt or truncated");
  }
}

}  // namespace

BloscCodec::Shuffle BloscCodec::ShuffleFor(std::size_t item_size) {
  return item_size > 1 ? Shuffle::kBytes : Shuffle::kNone;
}

std::string_view BloscCodec::ShuffleName(Shuffle shuffle) {
  switch (shuffle) {
    case Shuffle::kNone:
      return "noshuffle";
    case Shuffle::kBytes:
      return "shuffle";
    default:
      return "bitshuffle";
  }
}

BloscCodec::Shuffle BloscCodec::ParseShuffle(std::string_view name) {
  for (const Shuffle shuffle : {Shuffle::kNone, Shuffle::kBytes, Shuffle::kBits}) {
    if (ShuffleName(shuffle) == name) return shuffle;
  }
  throw InvalidArgumentError(
      "blosc shuffle must be \"noshuffle\", \"shuffle\" or \"bitshuffle\", "
      "got \"" +
      std::string(name) + "\"");
}

void BloscCodec::CheckCompressor(const std::string& cname) {
  for (const std::string_view known : kCompressors) {
    if (known != cname) continue;
    if (blosc_get_complib_info(cname.c_str(), nullptr, nullptr) < 0) {
      throw UnsupportedError("blosc compressor '" + cname + "' is not in this build's c-blosc");
    }
    return;
  }
  throw InvalidArgumentError(
      "blosc cname must be one of blosclz, lz4, lz4hc, snappy, zlib, zstd; got '" + cname + "'");
}

std::unique_ptr<BytesToBytesCodec> BloscCodec::FromConfig(const nlohmann::json& configuration) {
  Settings settings;
  const nlohmann::json cname = configuration.value("cname", nlohmann::json(settings.cname));
  if (!cname.is_string()) throw InvalidArgumentError("codec 'blosc': 'cname' must be a string");
  settings.cname = cname.get<std::string>();
  CheckCompressor(settings.cname);
  settings.clevel = ConfigInt(configuration, "blosc", "clevel", 0, 9, settings.clevel);
  const nlohmann::json shuffle =
      configuration.value("shuffle", nlohmann::json(ShuffleName(settings.shuffle)));
  if (!shuffle.is_string()) throw InvalidArgumentError("codec 'blosc': 'shuffle' must be a string");
  settings.shuffle = ParseShuffle(shuffle.get<std::string>());
  settings.typesize =
      ConfigInt(configuration, "blosc", "typesize", 1, BLOSC_MAX_TYPESIZE, settings.typesize);
  settings.blocksize =
      ConfigInt(configuration, "blosc", "blocksize", 0, BLOSC_MAX_BLOCKSIZE, settings.blocksize);
  return std::make_unique<BloscCodec>(std::move(settings));
}

Buffer BloscCodec::Encode(std::span<const std::byte> decoded) const {
  if (decoded.size() > static_cast<std::size_t>(BLOSC_MAX_BUFFERSIZE)) {
    throw InvalidArgumentError("blosc cannot compress a chunk over " +
                               std::to_string(BLOSC_MAX_BUFFERSIZE) + " bytes: use smaller chunks");
  }
  Buffer encoded = Buffer::Allocate(decoded.size() + BLOSC_MAX_OVERHEAD);
  const int size =
      blosc_compress_ctx(settings_.clevel, static_cast<int>(settings_.shuffle), settings_.typesize,
                         decoded.size(), decoded.data(), encoded.data(), encoded.size(),
                         settings_.cname.c_str(), static_cast<std::size_t>(settings_.blocksize), 1);
  if (size <= 0) throw Error("blosc compression failed (" + std::to_string(size) + ")");
  encoded.Shrink(static_cast<std::size_t>(size));
  return encoded;
}

void BloscCodec::DecodeInto(const Buffer& encoded, std::span<std::byte> out) const {
  const FrameHeader header = CheckedHeader(encoded);
  if (header.nbytes != out.size()) {
    throw CorruptChunkError("blosc header says " + std::to_string(header.nbytes) +
                            " bytes where the chunk holds " + std::to_string(out.size()));
  }
  if (header.nbytes > 0) Decompress(encoded, out);
}

Buffer BloscCodec::Decode(const Buffer& encoded, std::size_t max_size) const {
  const FrameHeader header = CheckedHeader(encoded);
  if (header.nbytes > max_size) {
    throw CorruptChunkError("blosc header claims more bytes than the chunk can hold");
  }
  Buffer decoded = Buffer::Allocate(header.nbytes);
  if (header.nbytes > 0) Decompress(encoded, decoded.mutable_span());
  return decoded;
}

nlohmann::json BloscCodec::ToJson() const {
  return CodecJson("blosc", {{"cname", settings_.cname},
                             {"clevel", settings_.clevel},
                             {"shuffle", ShuffleName(settings_.shuffle)},
                             {"typesize", settings_.typesize},
                             {"blocksize", settings_.blocksize}});
}

}  // namespace hub::codec
