// Shard reads and writes (see shard_io.h).
#include "engine/shard_io.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <functional>
#include <random>
#include <thread>

#include "engine/chunk_cache.h"
#include "engine/chunk_io.h"
#include "engine/thread_pool.h"
#include "hub/errors.h"
#include "index/region_copy.h"

namespace hub::engine {
namespace {

using codec::ShardIndex;
using detail::ArrayState;

std::string IndexCacheKey(const ArrayState& array, const std::string& key) {
  return array.cache_prefix + key + "#index";
}

std::string InnerCacheKey(const ArrayState& array, const std::string& key, std::size_t i) {
  return array.cache_prefix + key + "#" + std::to_string(i);
}

bool Caching(const ArrayState& array) {
  return array.store->Features().generations && ChunkCache::Instance().budget_bytes() > 0;
}

ShardIndex DecodeIndex(const ArrayState& array, const std::string& key,
                       std::span<const std::byte> encoded, std::optional<std::uint64_t> size) {
  try {
    return array.sharding->DecodeIndex(encoded, size);
  } catch (const CorruptChunkError& error) {
    throw ChunkError(array, key, error);
  }
}

// The shard's index and the generation it was read at; nullopt if the shard is not stored.
struct IndexRead {
  ShardIndex index;
  std::string generation;
  // The store confirmed the generation during this read (or within its staleness bound);
  // false for a cached index taken without asking, whose inner-chunk reads must then carry
  // its generation as a precondition.
  bool confirmed = true;
};
std::optional<IndexRead> ReadIndex(const ArrayState& array, const std::string& key,
                                   ObjectReader& shard, bool use_cache,
                                   const ChunkCache::ReadStamp& stamp) {
  ChunkCache& cache = ChunkCache::Instance();
  const std::string cache_key = IndexCacheKey(array, key);
  const ChunkCache::Entry cached = use_cache ? cache.Get(cache_key) : ChunkCache::Entry{};
  if (cached.CheckedWithin(array.store->Features().max_staleness_seconds)) {
    return IndexRead{ShardIndex(*cached.chunk), cached.generation};
  }
  ReadOptions options;
  options.range = array.sharding->IndexRange();
  if (cached.chunk) options.unless_generation = cached.generation;
  ReadResult read = shard.Read(options);
  switch (read.status) {
    case ReadResult::Status::kMissing:
      cache.Erase(cache_key);
      return std::nullopt;
    case ReadResult::Status::kUnchanged:
      CheckUnchangedWasAsked(array, key, cached.chunk != nullptr);
      cache.MarkChecked(cache_key, cached.generation);
      return IndexRead{ShardIndex(*cached.chunk), std::move(read.generation)};
    case ReadResult::Status::kValue:
      break;
  }
  IndexRead result{DecodeIndex(array, key, read.value.span(), read.object_size),
                   std::move(read.generation)};
  if (use_cache) {
    cache.PutIfUnwritten(cache_key, std::make_shared<Buffer>(result.index.entries()),
                         result.generation, stamp);
  }
  return result;
}

// The cached index, taken without asking the store; nullopt if none is cached.
std::optional<IndexRead> CachedIndex(const ArrayState& array, const std::string& key) {
  const ChunkCache::Entry cached = ChunkCache::Instance().Get(IndexCacheKey(array, key));
  if (!cached.chunk || cached.generation.empty()) return std::nullopt;
  return IndexRead{ShardIndex(*cached.chunk), cached.generation,
                   cached.CheckedWithin(array.store->Features().max_staleness_seconds)};
}

// The index to read inner chunks by: the cached one, unasked, when `reads_follow` says the
// reads of inner chunks it places will go to the store (they carry its generation as their
// precondition: a cached index costs no request of its own); else the index read from the
// store (a conditional read when cached).
std::optional<IndexRead> IndexForReads(const ArrayState& array, const std::string& key,
                                       ObjectReader& shard, bool use_cache,
                                       const ChunkCache::ReadStamp& stamp,
                                       const std::function<bool(const IndexRead&)>& reads_follow) {
  if (use_cache) {
    std::optional<IndexRead> cached = CachedIndex(array, key);
    if (cached && (cached->confirmed || reads_follow(*cached))) return cached;
  }
  return ReadIndex(array, key, shard, use_cache, stamp);
}

// Whether a range read of a shard provably comes from the version its index was read from.
// A store that reports generations must report one on every read: an answer without one (a
// server that drops its ETag) could hold any version, so it counts as a change, and the read
// starts over and at last reads the whole shard, which is one version by construction.
bool FromIndexedVersion(const ArrayState& array, const ReadResult& read, const IndexRead& index) {
  if (!read.found()) return false;
  if (!array.store->Features().generations) return true;  // nothing to compare
  return !index.generation.empty() && read.generation == index.generation;
}

// Reads inner chunks `inner` (one per read, in order) by the ranges `reads`, at the index's
// version of the shard. False if the shard is no longer at that version (a cached index is
// dropped then, and the caller starts over); CorruptChunkError if a chunk is cut short.
bool ReadInnerRanges(const ArrayState& array, const std::string& key, ObjectReader& shard,
                     const IndexRead& index, std::span<const std::size_t> inner,
                     std::span<Store::RangeRead> reads, std::vector<ReadResult>& results) {
  for (Store::RangeRead& read : reads) {
    read.if_generation = index.generation;
    read.generation_confirmed = index.confirmed;
  }
  try {
    results = shard.ReadRanges(reads);
  } catch (const PreconditionFailedError&) {
    ChunkCache::Instance().Erase(IndexCacheKey(array, key));
    return false;
  }
  for (std::size_t f = 0; f < results.size(); ++f) {
    if (!FromIndexedVersion(array, results[f], index)) return false;
    if (results[f].size != index.index.nbytes(inner[f])) {
      throw ChunkError(array, key,
                       CorruptChunkError("inner chunk " + array.sharding->InnerChunkName(inner[f]) +
                                         " is cut short: the shard ends before its bytes do"));
    }
  }
  // The store has confirmed a cached index's version: it counts as checked from now.
  if (!index.confirmed) {
    ChunkCache::Instance().MarkChecked(IndexCacheKey(array, key), index.generation);
  }
  return true;
}

// The whole shard and its index, in one read (one version by construction); nullopt if the
// shard is not stored.
struct WholeShard {
  Buffer bytes;
  ShardIndex index;
};
std::optional<WholeShard> ReadShardWhole(const ArrayState& array, const std::string& key) {
  std::optional<Buffer> bytes = GetObject(array, key);
  if (!bytes) return std::nullopt;
  try {
    ShardIndex index = array.sharding->IndexOfShard(bytes->span());
    return WholeShard{std::move(*bytes), std::move(index)};
  } catch (const CorruptChunkError& error) {
    throw ChunkError(array, key, error);
  }
}

// Decodes one inner chunk's bytes into the output: straight into place when the chunk lands
// whole (returns null), else into a new buffer that is scattered and returned for caching.
std::shared_ptr<const Buffer> PlaceInnerChunk(const ArrayState& array, const std::string& key,
                                              std::size_t i, const ChunkTask& task,
                                              const Buffer& encoded, ReadOutput& out) {
  const std::string name = array.sharding->InnerChunkName(i);
  if (task.coverage == ChunkCoverage::kLandsWhole) {
    DecodeChunk(
        array, key, name, encoded,
        out.bytes().subspan(static_cast<std::size_t>(task.output_offset), array.chunk_bytes));
    return nullptr;
  }
  auto decoded = std::make_shared<const Buffer>(DecodeChunk(array, key, name, encoded));
  ScatterChunk(array, task, decoded, out);
  return decoded;
}

// A whole shard in one read, then every touched inner chunk decoded from it.
void ReadWholeShard(const ArrayState& array, const ObjectTask& shard, ReadOutput& out) {
  const std::optional<WholeShard> whole = ReadShardWhole(array, shard.key);
  ParallelFor(shard.chunks.size(), [&](std::size_t k) {
    const ChunkTask& task = shard.chunks[k];
    const std::size_t i = task.IndexInObject(array);
    if (!whole || whole->index.IsEmpty(i)) {
      ScatterChunk(array, task, nullptr, out);
      return;
    }
    PlaceInnerChunk(array, shard.key, i, task,
                    whole->bytes.Slice(whole->index.offset(i), whole->index.nbytes(i)), out);
  });
}

// One inner chunk the selection needs from the store.
struct InnerFetch {
  const ChunkTask* task;
  std::size_t index;                  // within the shard
  bool verbatim_into_output = false;  // read straight into the output, then checked
  std::array<std::byte, 4> trailer{};
  std::array<std::span<std::byte>, 2> into{};
};

// Reads the touched inner chunks by byte range. False if the shard changed (or vanished)
// while it was read, so the caller starts over.
bool ReadShardPieces(const ArrayState& array, const ObjectTask& shard, ReadOutput& out,
                     bool use_cache) {
  ChunkCache& cache = ChunkCache::Instance();
  const ChunkCache::ReadStamp stamp = cache.StampRead(array.cache_prefix + shard.key);
  const std::unique_ptr<ObjectReader> reader = array.store->OpenObject(shard.key);
  // Whether the inner chunk `task` needs comes from the store under `index`: it is stored,
  // and not in the cache at the index's version (chunks that land whole are never cached).
  const auto from_store = [&](const ChunkTask& task, const IndexRead& index,
                              std::shared_ptr<const Buffer>& cached) {
    const std::size_t i = task.IndexInObject(array);
    if (index.index.IsEmpty(i)) return false;
    if (use_cache && task.coverage != ChunkCoverage::kLandsWhole) {
      const ChunkCache::Entry entry = cache.Get(InnerCacheKey(array, shard.key, i));
      if (entry.chunk && entry.generation == index.generation) cached = entry.chunk;
    }
    return cached == nullptr;
  };
  const auto inner_read_follows = [&](const IndexRead& index) {
    return std::any_of(shard.chunks.begin(), shard.chunks.end(), [&](const ChunkTask& task) {
      std::shared_ptr<const Buffer> cached;
      return from_store(task, index, cached);
    });
  };
  const std::optional<IndexRead> index_read =
      IndexForReads(array, shard.key, *reader, use_cache, stamp, inner_read_follows);
  if (!index_read) {
    for (const ChunkTask& task : shard.chunks) ScatterChunk(array, task, nullptr, out);
    return true;
  }
  const ShardIndex& index = index_read->index;
  const std::optional<std::size_t> trailer_bytes = array.chunk_pipeline->VerbatimTrailerBytes();

  std::vector<InnerFetch> fetches;
  fetches.reserve(shard.chunks.size());
  for (const ChunkTask& task : shard.chunks) {
    std::shared_ptr<const Buffer> cached;
    if (!from_store(task, *index_read, cached)) {
      if (cached) cache.CountRead(true);
      ScatterChunk(array, task, cached, out);  // the cached chunk, or fill for an empty one
      continue;
    }
    const std::size_t i = task.IndexInObject(array);
    InnerFetch fetch{&task, i};
    if (trailer_bytes && task.coverage == ChunkCoverage::kLandsWhole &&
        index.nbytes(i) == array.chunk_bytes + *trailer_bytes) {
      fetch.verbatim_into_output = true;
    }
    fetches.push_back(fetch);
  }
  if (fetches.empty()) return true;

  std::vector<Store::RangeRead> reads(fetches.size());
  for (std::size_t f = 0; f < fetches.size(); ++f) {
    InnerFetch& fetch = fetches[f];
    reads[f].range = ByteRange::Bytes(index.offset(fetch.index), index.nbytes(fetch.index));
    if (fetch.verbatim_into_output) {
      fetch.into = {out.bytes().subspan(static_cast<std::size_t>(fetch.task->output_offset),
                                        array.chunk_bytes),
                    std::span(fetch.trailer).first(*trailer_bytes)};
      reads[f].into = fetch.into;
    }
  }
  std::vector<std::size_t> inner(fetches.size());
  for (std::size_t f = 0; f < fetches.size(); ++f) inner[f] = fetches[f].index;
  std::vector<ReadResult> results;
  if (!ReadInnerRanges(array, shard.key, *reader, *index_read, inner, reads, results)) {
    return false;
  }

  // Checking verbatim chunks in place is a pass over their bytes; decoding is worth sharing.
  std::size_t work_bytes = 0;
  for (const InnerFetch& fetch : fetches) {
    work_bytes += fetch.verbatim_into_output ? index.nbytes(fetch.index) : kMinBytesToShare;
  }
  ParallelForBytes(fetches.size(), work_bytes, [&](std::size_t f) {
    const InnerFetch& fetch = fetches[f];
    cache.CountRead(false);
    if (fetch.verbatim_into_output) {
      try {
        array.chunk_pipeline->VerifyVerbatim(fetch.into[0], fetch.into[1]);
      } catch (const CorruptChunkError& error) {
        throw ChunkError(
            array, shard.key,
            CorruptChunkError("inner chunk " + array.sharding->InnerChunkName(fetch.index) + ": " +
                              error.what()));
      }
      return;
    }
    auto decoded =
        PlaceInnerChunk(array, shard.key, fetch.index, *fetch.task, results[f].value, out);
    if (decoded && use_cache) {
      cache.PutIfUnwritten(InnerCacheKey(array, shard.key, fetch.index), std::move(decoded),
                           index_read->generation, stamp);
    }
  });
  return true;
}

// Whether a read of every inner chunk of a shard is better made as one read of the whole
// shard (no index request, no range requests) than in pieces: unless ranges are cheap and the
// chunks are stored verbatim, so that the pieces go straight into place with no copy.
bool ReadsWholeShard(const ArrayState& array, const ObjectTask& shard) {
  if (shard.chunks.size() != shard.chunks_in_bounds) return false;
  return !array.store->Features().cheap_range_reads ||
         !array.chunk_pipeline->VerbatimTrailerBytes();
}

}  // namespace

void ReadShard(const ArrayState& array, const ObjectTask& shard, ReadOutput& out) {
  if (ReadsWholeShard(array, shard)) {
    ReadWholeShard(array, shard, out);
    return;
  }
  // A writer may replace the shard between the index read and the range reads; then read
  // again, with a fresh index, and at last the whole shard in one read, which always sees one
  // version of it.
  constexpr int kPieceAttempts = 2;
  for (int attempt = 0; attempt < kPieceAttempts; ++attempt) {
    if (ReadShardPieces(array, shard, out, Caching(array) && attempt == 0)) return;
  }
  ReadWholeShard(array, shard, out);
}

bool WritesWholeShard(const ObjectTask& shard) {
  bool whole = shard.chunks.size() == shard.chunks_in_bounds;
  for (const ChunkTask& task : shard.chunks) {
    whole = whole && task.coverage != ChunkCoverage::kPartial;
  }
  return whole;
}

namespace {

// The stored shard (nullopt: none) and the generation it was read at ("" where unknown).
struct StoredShard {
  std::optional<Buffer> bytes;
  std::string generation;
};

StoredShard ReadStoredShard(const ArrayState& array, const std::string& key) {
  ReadOptions options;
  options.max_bytes = array.max_object_bytes;
  ReadResult read;
  try {
    read = array.store->Read(key, options);
  } catch (const CorruptChunkError& error) {
    throw ChunkError(array, key, error);
  }
  if (!read.found()) return {};
  return {std::move(read.value), std::move(read.generation)};
}

// Tries of a conditional shard rewrite before giving up on writers that keep changing it.
constexpr int kConditionalWriteAttempts = 10;

// Waits before another try of a rewrite that lost a race: 10 ms doubling to 1 s, each wait a
// random part of it, so that racing writers spread out.
void WaitAfterLostRace(int tried) {
  thread_local std::minstd_rand random(std::random_device{}());
  const int ceiling_ms = std::min(1000, 10 << std::min(tried, 7));
  std::this_thread::sleep_for(std::chrono::milliseconds(
      std::uniform_int_distribution<int>(ceiling_ms / 2, ceiling_ms)(random)));
}

// One read-patch-write of the shard. With `conditional`, the write is made only over the
// version read (PreconditionFailedError if another writer changed it meanwhile).
void WriteShardOnce(const ArrayState& array, const ObjectTask& shard, std::span<const std::byte> in,
                    bool conditional) {
  const codec::ShardingCodec& sharding = *array.sharding;
  const bool whole = WritesWholeShard(shard);
  // A partial write keeps the untouched inner chunks' stored bytes: read the shard once.
  std::optional<Buffer> old_shard;
  std::string old_generation;
  ShardIndex old_index(sharding.InnerCount());
  if (!whole) {
    StoredShard stored = ReadStoredShard(array, shard.key);
    old_shard = std::move(stored.bytes);
    old_generation = std::move(stored.generation);
    if (old_shard) {
      try {
        old_index = sharding.IndexOfShard(old_shard->span());
      } catch (const CorruptChunkError& error) {
        throw ChunkError(array, shard.key, error);
      }
    }
  }
  std::vector<std::span<const std::byte>> encoded(sharding.InnerCount());
  for (std::size_t i = 0; old_shard && i < encoded.size(); ++i) {
    if (!old_index.IsEmpty(i)) {
      encoded[i] = old_shard->span().subspan(old_index.offset(i), old_index.nbytes(i));
    }
  }
  std::vector<Buffer> fresh(shard.chunks.size());
  ParallelFor(shard.chunks.size(), [&](std::size_t k) {
    const ChunkTask& task = shard.chunks[k];
    const std::size_t i = task.IndexInObject(array);
    std::span<const std::byte> decoded;
    // The stored inner chunk, kept until the patched one is encoded: a string or bytes
    // chunk's patched elements still point into it.
    Buffer old;
    Buffer patched;
    if (task.coverage == ChunkCoverage::kLandsWhole) {
      decoded = in.subspan(static_cast<std::size_t>(task.output_offset), array.chunk_bytes);
    } else {
      if (task.coverage == ChunkCoverage::kPartial && !encoded[i].empty()) {
        old = DecodeChunk(array, shard.key, sharding.InnerChunkName(i),
                          old_shard->Slice(old_index.offset(i), old_index.nbytes(i)));
      }
      patched = PatchedChunk(array, task, old.size() ? &old : nullptr, in);
      decoded = patched.span();
    }
    // An inner chunk of nothing but fill is not stored (its index entry says empty).
    if (index::HoldsOnlyElement(decoded, array.metadata.fill_value)) {
      encoded[i] = {};
      return;
    }
    fresh[k] = array.chunk_pipeline->Encode(decoded);
    encoded[i] = fresh[k].span();
  });

  ChunkCache& cache = ChunkCache::Instance();
  for (const ChunkTask& task : shard.chunks) {
    cache.Erase(InnerCacheKey(array, shard.key, task.IndexInObject(array)));
  }
  Buffer index_storage;
  const auto parts = sharding.Assemble(encoded, index_storage);
  if (parts.empty()) {
    array.store->Delete(shard.key);  // a shard of only empty inner chunks is not stored
    cache.NoteWrite(array.cache_prefix + shard.key);
    cache.Erase(IndexCacheKey(array, shard.key));
    return;
  }
  std::string generation;
  if (conditional && (!old_shard || !old_generation.empty())) {
    WriteCondition condition;
    condition.if_absent = !old_shard;
    condition.if_generation = old_generation;
    generation = array.store->PutPartsIf(shard.key, parts, condition);
  } else {
    generation = array.store->PutParts(shard.key, parts);
  }
  cache.NoteWrite(array.cache_prefix + shard.key);
  if (Caching(array) && !generation.empty()) {
    // The index just written is the one the next read of this shard needs.
    const auto entries = index_storage.span().first(16 * sharding.InnerCount());
    cache.Put(IndexCacheKey(array, shard.key), std::make_shared<Buffer>(Buffer::CopyOf(entries)),
              std::move(generation));
  } else {
    cache.Erase(IndexCacheKey(array, shard.key));
  }
}

}  // namespace

void WriteShard(const ArrayState& array, const ObjectTask& shard, std::span<const std::byte> in) {
  // A store that writes conditionally locks nothing: a rewrite of part of a shard is made
  // over the version it read, and made again over the newer one when another process's
  // writer got there first, so neither loses the other's inner chunks.
  const bool conditional = !WritesWholeShard(shard) && array.store->Features().conditional_writes;
  for (int tried = 1;; ++tried) {
    try {
      return WriteShardOnce(array, shard, in, conditional);
    } catch (const PreconditionFailedError& error) {
      if (tried >= kConditionalWriteAttempts) {
        throw PreconditionFailedError(std::string(error.what()) + "; gave up after " +
                                      std::to_string(tried) +
                                      " tries (other writers kept rewriting this shard)");
      }
      WaitAfterLostRace(tried);
    }
  }
}

std::vector<std::optional<Buffer>> ReadEncodedInnerChunks(const ArrayState& array,
                                                          const std::string& key,
                                                          std::span<const std::size_t> inner) {
  std::vector<std::optional<Buffer>> chunks(inner.size());
  constexpr int kPieceAttempts = 2;  // as ReadShard: then the whole shard, one version of it
  for (int attempt = 0; attempt < kPieceAttempts; ++attempt) {
    const ChunkCache::ReadStamp stamp = ChunkCache::Instance().StampRead(array.cache_prefix + key);
    const std::unique_ptr<ObjectReader> reader = array.store->OpenObject(key);
    const auto inner_read_follows = [&](const IndexRead& index) {
      return std::any_of(inner.begin(), inner.end(),
                         [&](std::size_t i) { return !index.index.IsEmpty(i); });
    };
    const std::optional<IndexRead> index_read = IndexForReads(
        array, key, *reader, Caching(array) && attempt == 0, stamp, inner_read_follows);
    if (!index_read) return chunks;
    const ShardIndex& index = index_read->index;
    std::vector<Store::RangeRead> reads;
    std::vector<std::size_t> stored;  // the inner chunks read, and where each was asked
    std::vector<std::size_t> asked_at;
    for (std::size_t k = 0; k < inner.size(); ++k) {
      if (index.IsEmpty(inner[k])) continue;
      reads.push_back({ByteRange::Bytes(index.offset(inner[k]), index.nbytes(inner[k])), {}});
      stored.push_back(inner[k]);
      asked_at.push_back(k);
    }
    std::vector<ReadResult> results;
    if (!ReadInnerRanges(array, key, *reader, *index_read, stored, reads, results)) continue;
    for (std::size_t f = 0; f < results.size(); ++f) {
      chunks[asked_at[f]] = std::move(results[f].value);
    }
    return chunks;
  }
  const std::optional<WholeShard> whole = ReadShardWhole(array, key);
  for (std::size_t k = 0; whole && k < inner.size(); ++k) {
    if (!whole->index.IsEmpty(inner[k])) {
      chunks[k] = whole->bytes.Slice(whole->index.offset(inner[k]), whole->index.nbytes(inner[k]));
    }
  }
  return chunks;
}

std::size_t CountStoredInnerChunks(const ArrayState& array, const std::string& key) {
  const std::optional<IndexRead> read =
      ReadIndex(array, key, *array.store->OpenObject(key), Caching(array),
                ChunkCache::Instance().StampRead(array.cache_prefix + key));
  if (!read) return 0;
  std::size_t stored = 0;
  for (std::size_t i = 0; i < read->index.count(); ++i) stored += read->index.IsEmpty(i) ? 0 : 1;
  return stored;
}

}  // namespace hub::engine
