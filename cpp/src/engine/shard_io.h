// Reads and writes of one shard (Zarr v3 sharding_indexed): a read fetches the shard's index
// (cached by the shard's generation), then only the inner chunks the selection touches, by
// byte range; a write re-encodes only the touched inner chunks and keeps the others' bytes.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "engine/chunk_io.h"
#include "engine/chunk_task.h"

namespace hub::engine {

void ReadShard(const detail::ArrayState& array, const ObjectTask& shard, ReadOutput& out);

void WriteShard(const detail::ArrayState& array, const ObjectTask& shard,
                std::span<const std::byte> in);

// Whether a write replaces every inner chunk of the shard (one object write that reads
// nothing), rather than rewriting it around inner chunks it keeps.
bool WritesWholeShard(const ObjectTask& shard);

// The stored bytes of inner chunks `inner` of the shard at `key` (nullopt: an empty inner
// chunk, or no shard): one index read and one ranged read per chunk, or, if a writer replaces
// the shard meanwhile, one read of the whole shard.
std::vector<std::optional<Buffer>> ReadEncodedInnerChunks(const detail::ArrayState& array,
                                                          const std::string& key,
                                                          std::span<const std::size_t> inner);

// How many inner chunks the shard stored at `key` holds (0 if it is not stored).
std::size_t CountStoredInnerChunks(const detail::ArrayState& array, const std::string& key);

}  // namespace hub::engine
