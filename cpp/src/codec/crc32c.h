// CRC-32C (Castagnoli), as Zarr v3's crc32c codec and Google's libraries compute it.
// Uses the SSE4.2 crc32 instruction when the CPU has it, a table otherwise.
#pragma once

#include <cstdint>
#include <span>

namespace hub::codec {

std::uint32_t Crc32c(std::span<const std::byte> data);

}  // namespace hub::codec
