// numcodecs-compatible LZ4 blocks (see lz4_codec.h).
#include "codec/lz4_codec.h"

#include <lz4.h>
#include <lz4hc.h>

#include <cstring>
#include <limits>
#include <string>

#include "hub/errors.h"

namespace hub::codec {
namespace {

constexpr std::size_t kHeaderSize = 4;

std::uint32_t StoredSize(const Buffer& encoded) {
  if (encoded.size() < kHeaderSize) {
    throw CorruptChunkError("numcodecs.lz4 data is truncated: no size header");
  }
  std::uint32_t size;
  std::memcpy(&size, encoded.data(), kHeaderSize);
  return size;
}

void Decompress(const Buffer& encoded, std::span<std::byte> out) {
  const int produced = LZ4_decompress_safe(
      reinterpret_cast<const char*>(encoded.data() + kHeaderSize),
      reinterpret_cast<char*>(out.data()), static_cast<int>(encoded.size() - kHeaderSize),
      static_cast<int>(out.size()));
  if (produced < 0 || static_cast<std::size_t>(produced) != out.size()) {
    throw CorruptChunkError("numcodecs.lz4 data is corrupt or truncated");
  }
}

}  // namespace

std::unique_ptr<BytesToBytesCodec> Lz4Codec::FromConfig(const nlohmann::json& configuration) {
  return std::make_unique<Lz4Codec>(
      ConfigInt(configuration, "numcodecs.lz4", "acceleration", -LZ4HC_CLEVEL_MAX, 65537, 1));
}

Buffer Lz4Codec::Encode(std::span<const std::byte> decoded) const {
  if (decoded.size() > static_cast<std::size_t>(LZ4_MAX_INPUT_SIZE)) {
    throw InvalidArgumentError("numcodecs.lz4 cannot compress a chunk over " +
                               std::to_string(LZ4_MAX_INPUT_SIZE) + " bytes: use smaller chunks");
  }
  const int input_size = static_cast<int>(decoded.size());
  const int bound = LZ4_compressBound(input_size);
  Buffer encoded = Buffer::Allocate(kHeaderSize + static_cast<std::size_t>(bound));
  const auto stored_size = static_cast<std::uint32_t>(input_size);
  std::memcpy(encoded.data(), &stored_size, kHeaderSize);
  const auto* source = reinterpret_cast<const char*>(decoded.data());
  auto* destination = reinterpret_cast<char*>(encoded.data() + kHeaderSize);
  const int size = acceleration_ >= 1
                       ? LZ4_compress_fast(source, destination, input_size, bound, acceleration_)
                       : LZ4_compress_HC(source, destination, input_size, bound, -acceleration_);
  if (size <= 0 && input_size > 0) throw Error("numcodecs.lz4 compression failed");
  encoded.Shrink(kHeaderSize + static_cast<std::size_t>(size));
  return encoded;
}

void Lz4Codec::DecodeInto(const Buffer& encoded, std::span<std::byte> out) const {
  const std::uint32_t size = StoredSize(encoded);
  if (size != out.size()) {
    throw CorruptChunkError("numcodecs.lz4 header says " + std::to_string(size) +
                            " bytes where the chunk holds " + std::to_string(out.size()));
  }
  Decompress(encoded, out);
}

Buffer Lz4Codec::Decode(const Buffer& encoded, std::size_t max_size) const {
  const std::uint32_t size = StoredSize(encoded);
  if (size > max_size) {
    throw CorruptChunkError("numcodecs.lz4 header claims more bytes than the chunk can hold");
  }
  Buffer decoded = Buffer::Allocate(size);
  Decompress(encoded, decoded.mutable_span());
  return decoded;
}

nlohmann::json Lz4Codec::ToJson() const {
  return CodecJson("numcodecs.lz4", {{"acceleration", acceleration_}});
}

}  // namespace hub::codec
