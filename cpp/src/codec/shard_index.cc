// The shard index's entries (see shard_index.h).
#include "codec/shard_index.h"

namespace hub::codec {

ShardIndex::ShardIndex(std::size_t count) : entries_(Buffer::Allocate(16 * count)) {
  std::memset(entries_.data(), 0xff, entries_.size());
}

bool ShardIndex::AllEmpty() const {
  for (std::size_t i = 0; i < count(); ++i) {
    if (!IsEmpty(i)) return false;
  }
  return true;
}

void ShardIndex::Set(std::size_t i, std::uint64_t offset, std::uint64_t nbytes) {
  std::memcpy(entries_.data() + 16 * i, &offset, 8);
  std::memcpy(entries_.data() + 16 * i + 8, &nbytes, 8);
}

}  // namespace hub::codec
