// CRC-32C through ISA-L (see crc32c.h).
#include "codec/crc32c.h"

#include <isa-l/crc.h>

#include <algorithm>
#include <climits>

namespace hub::codec {

namespace {

// Folds `data` into a running CRC (before the final inversion).
unsigned int Extend(unsigned int crc, std::span<const std::byte> data) {
  // crc32_iscsi takes an int length and leaves the final inversion to the caller.
  auto* p = reinterpret_cast<unsigned char*>(const_cast<std::byte*>(data.data()));
  std::size_t remaining = data.size();
  while (remaining > 0) {
    const int piece = static_cast<int>(std::min<std::size_t>(remaining, INT_MAX / 2));
    crc = crc32_iscsi(p, piece, crc);
    p += piece;
    remaining -= static_cast<std::size_t>(piece);
  }
  return crc;
}

}  // namespace

std::uint32_t Crc32c(std::span<const std::byte> data) { return ~Extend(0xFFFFFFFFu, data); }

std::uint32_t Crc32cOfParts(std::span<const std::span<const std::byte>> parts) {
  unsigned int crc = 0xFFFFFFFFu;
  for (const auto& part : parts) crc = Extend(crc, part);
  return ~crc;
}

}  // namespace hub::codec
