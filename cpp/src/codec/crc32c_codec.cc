// The `crc32c` codec (see crc32c_codec.h).
#include "codec/crc32c_codec.h"

#include <cstring>
#include <string>

#include "codec/crc32c.h"
#include "hub/errors.h"

namespace hub::codec {

Buffer Crc32cCodec::Encode(std::span<const std::byte> decoded) const {
  Buffer encoded = Buffer::Allocate(decoded.size() + 4);
  if (!decoded.empty()) std::memcpy(encoded.data(), decoded.data(), decoded.size());
  const std::uint32_t checksum = Crc32c(decoded);  // stored little endian, as on the host
  std::memcpy(encoded.data() + decoded.size(), &checksum, 4);
  return encoded;
}

Buffer Crc32cCodec::Decode(const Buffer& encoded, std::size_t max_size) const {
  if (encoded.size() < 4) {
    throw CorruptChunkError("the chunk is truncated: " + std::to_string(encoded.size()) +
                            " bytes cannot hold its crc32c checksum");
  }
  const std::size_t size = encoded.size() - 4;
  std::uint32_t stored;
  std::memcpy(&stored, encoded.data() + size, 4);
  const Buffer payload = encoded.Slice(0, size);
  if (Crc32c(payload.span()) != stored) {
    throw CorruptChunkError("crc32c checksum mismatch: the chunk is corrupted or truncated");
  }
  if (size > max_size) throw CorruptChunkError("the chunk is larger than its array allows");
  return payload;
}

void Crc32cCodec::DecodeInto(const Buffer& encoded, std::span<std::byte> out) const {
  const Buffer payload = Decode(encoded, out.size());
  if (payload.size() != out.size()) {
    throw CorruptChunkError("the chunk holds " + std::to_string(payload.size()) + " bytes where " +
                            std::to_string(out.size()) + " were expected");
  }
  std::memcpy(out.data(), payload.data(), out.size());
}

}  // namespace hub::codec
