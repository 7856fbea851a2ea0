// CRC-32C (Castagnoli), as Zarr v3's crc32c codec computes it.
// ISA-L's crc32_iscsi picks the fastest kernel for the CPU at run time (PCLMUL folding on
// x86-64, about 25 GB/s per core here).
#pragma once

#include <cstdint>
#include <span>

namespace hub::codec {

std::uint32_t Crc32c(std::span<const std::byte> data);
// The CRC-32C of the parts' concatenation, without concatenating them.
std::uint32_t Crc32cOfParts(std::span<const std::span<const std::byte>> parts);

}  // namespace hub::codec
