// The index of a Zarr v3 `sharding_indexed` shard: for each inner chunk (C order), the byte
// offset and length of its encoded bytes in the shard, or 2^64-1 twice for an empty chunk.
#pragma once

#include <cstdint>
#include <cstring>

#include "hub/buffer.h"

namespace hub::codec {

class ShardIndex {
 public:
  static constexpr std::uint64_t kEmpty = UINT64_MAX;

  ShardIndex() = default;
  // `count` entries, all empty.
  explicit ShardIndex(std::size_t count);
  // Entries already validated (ShardingCodec::DecodeIndex): 2 little-endian uint64 each.
  explicit ShardIndex(Buffer entries) : entries_(std::move(entries)) {}

  std::size_t count() const { return entries_.size() / 16; }
  std::uint64_t offset(std::size_t i) const { return Field(2 * i); }
  std::uint64_t nbytes(std::size_t i) const { return Field(2 * i + 1); }
  bool IsEmpty(std::size_t i) const { return offset(i) == kEmpty && nbytes(i) == kEmpty; }
  bool AllEmpty() const;
  void Set(std::size_t i, std::uint64_t offset, std::uint64_t nbytes);

  // The entries as stored by the `bytes` codec (little endian); what the cache keeps.
  const Buffer& entries() const { return entries_; }

 private:
  std::uint64_t Field(std::size_t k) const {
    std::uint64_t value;
    std::memcpy(&value, entries_.data() + 8 * k, 8);
    return value;  // hub_v1 builds for little-endian hosts only (see bytes_codec.cc)
  }

  Buffer entries_;
};

}  // namespace hub::codec
