// Read and write executors (see chunk_io.h). This file handles the executor and unsharded
// objects; shard_io.cc handles shards.
#include "engine/chunk_io.h"

#include <array>

#include "engine/chunk_cache.h"
#include "engine/shard_io.h"
#include "engine/thread_pool.h"
#include "engine/write_turns.h"
#include "hub/errors.h"
#include "index/region_copy.h"

namespace hub::engine {
namespace {

using detail::ArrayState;
using detail::RegionPlan;

// A chunk's (or shard's) stored bytes, refused unread past what its codecs can encode to.
ReadResult ReadChunkBytes(const ArrayState& array, const std::string& key,
                          const ReadOptions& options) {
  try {
    return array.store->Read(key, options);
  } catch (const CorruptChunkError& error) {
    throw ChunkError(array, key, error);
  }
}

// CorruptChunkError (naming the chunk) unless a stored-verbatim chunk of `stored_size` bytes
// holds exactly the chunk's bytes and a trailer of `trailer_bytes`.
void CheckVerbatimSize(const ArrayState& array, const std::string& key, std::uint64_t stored_size,
                       std::size_t trailer_bytes) {
  if (stored_size == array.chunk_bytes + trailer_bytes) return;
  throw ChunkError(
      array, key,
      CorruptChunkError("the chunk holds " + std::to_string(stored_size) + " bytes where " +
                        std::to_string(array.chunk_bytes + trailer_bytes) + " were expected"));
}

// CorruptChunkError (naming the chunk) unless `trailer` checks `chunk`.
void VerifyVerbatimChunk(const ArrayState& array, const std::string& key,
                         std::span<const std::byte> chunk, std::span<const std::byte> trailer) {
  try {
    array.chunk_pipeline->VerifyVerbatim(chunk, trailer);
  } catch (const CorruptChunkError& error) {
    throw ChunkError(array, key, error);
  }
}

// Reads a stored-verbatim chunk (`trailer_bytes` of checksum after the raw bytes) straight
// into `destination` and checks it; false if it was never stored.
bool ReadVerbatimChunk(const ArrayState& array, const std::string& key,
                       std::span<std::byte> destination, std::size_t trailer_bytes) {
  std::array<std::byte, 4> trailer{};
  const std::span<std::byte> parts[] = {destination, std::span(trailer).first(trailer_bytes)};
  ReadOptions options;
  options.into = parts;
  // With a checksum to verify, the store need not confirm the size first (one S3 request).
  options.size_known = trailer_bytes > 0;
  options.max_bytes = array.max_object_bytes;
  const ReadResult read = ReadChunkBytes(array, key, options);
  if (!read.found()) return false;
  CheckVerbatimSize(array, key, read.size, trailer_bytes);
  VerifyVerbatimChunk(array, key, destination, std::span(trailer).first(trailer_bytes));
  return true;
}

// The decoded form of a chunk read whole from the store: for a verbatim pipeline the stored
// bytes themselves, checked and without their trailer (no second buffer, no copy); for any
// other, a decoded copy.
std::shared_ptr<const Buffer> DecodedChunk(const ArrayState& array, const std::string& key,
                                           const Buffer& stored) {
  if (const auto trailer_bytes = array.chunk_pipeline->VerbatimTrailerBytes()) {
    CheckVerbatimSize(array, key, stored.size(), *trailer_bytes);
    const std::span<const std::byte> bytes = stored.span();
    VerifyVerbatimChunk(array, key, bytes.first(array.chunk_bytes),
                        bytes.subspan(array.chunk_bytes));
    return std::make_shared<Buffer>(stored.Slice(0, array.chunk_bytes));
  }
  return std::make_shared<Buffer>(DecodeChunk(array, key, "", stored));
}

// The decoded chunk, from the cache if the stored object has not changed since it was
// cached, else from the store; nullptr if it was never stored. What it reads is cached only
// if no write of the chunk finished since `stamp` (taken before the read).
std::shared_ptr<const Buffer> LoadChunkNow(const ArrayState& array, const std::string& key,
                                           const ChunkCache::ReadStamp& stamp) {
  ChunkCache& cache = ChunkCache::Instance();
  const std::size_t trailer_bytes = array.chunk_pipeline->VerbatimTrailerBytes().value_or(0);
  if (trailer_bytes > 0 && !array.store->Features().generations) {
    // Nothing from such a store is cached (no generation to revalidate against), so read the
    // stored bytes straight in: one request on S3, where a plain read asks for the size first.
    cache.CountRead(false);
    auto chunk = std::make_shared<Buffer>(Buffer::Allocate(array.chunk_bytes));
    if (!ReadVerbatimChunk(array, key, chunk->mutable_span(), trailer_bytes)) return nullptr;
    return chunk;
  }
  const std::string cache_key = array.cache_prefix + key;
  const ChunkCache::Entry cached = cache.Get(cache_key);
  if (cached.CheckedWithin(array.store->Features().max_staleness_seconds)) {
    cache.CountRead(true);
    return cached.chunk;
  }
  ReadOptions options;
  if (cached.chunk) options.unless_generation = cached.generation;
  options.max_bytes = array.max_object_bytes;
  ReadResult read = ReadChunkBytes(array, key, options);
  switch (read.status) {
    case ReadResult::Status::kUnchanged:
      CheckUnchangedWasAsked(array, key, cached.chunk != nullptr);
      cache.MarkChecked(cache_key, cached.generation);
      cache.CountRead(true);
      return cached.chunk;
    case ReadResult::Status::kMissing:
      cache.Erase(cache_key);
      return nullptr;
    case ReadResult::Status::kValue:
      break;
  }
  cache.CountRead(false);
  std::shared_ptr<const Buffer> decoded = DecodedChunk(array, key, read.value);
  cache.PutIfUnwritten(cache_key, decoded, std::move(read.generation), stamp);
  return decoded;
}

}  // namespace

void CheckUnchangedWasAsked(const ArrayState& array, const std::string& key, bool asked) {
  if (asked) return;
  throw StorageError("cannot read '" + key + "' from " + array.store->Describe() +
                     ": the store answered 'not modified' to a read that asked about no version");
}

namespace {

// LoadChunkNow, once per chunk however many threads ask for it at the same time.
std::shared_ptr<const Buffer> LoadChunk(const ArrayState& array, const std::string& key) {
  return ChunkCache::Instance().LoadOnce(
      array.cache_prefix + key,
      [&](const ChunkCache::ReadStamp& stamp) { return LoadChunkNow(array, key, stamp); });
}

// Reads a chunk that lands whole in the output straight into `destination`: verbatim chunks
// with one scatter read (no copy), others decoded in place. Missing chunks read as fill.
void ReadWholeChunk(const ArrayState& array, const std::string& key,
                    std::span<std::byte> destination) {
  if (const auto trailer_bytes = array.chunk_pipeline->VerbatimTrailerBytes()) {
    if (!ReadVerbatimChunk(array, key, destination, *trailer_bytes)) {
      index::FillWithElement(destination, array.metadata.fill_value);
    }
    return;
  }
  std::optional<Buffer> encoded = GetObject(array, key);
  if (encoded) {
    DecodeChunk(array, key, "", *encoded, destination);
  } else {
    index::FillWithElement(destination, array.metadata.fill_value);
  }
}

// Stores a whole chunk from the caller's buffer; a verbatim chunk goes out as the caller's
// bytes plus its checksum, without being copied first.
void WriteWholeChunk(const ArrayState& array, const std::string& key,
                     std::span<const std::byte> chunk) {
  if (const auto trailer_bytes = array.chunk_pipeline->VerbatimTrailerBytes()) {
    const auto trailer = array.chunk_pipeline->VerbatimTrailer(chunk);
    const std::span<const std::byte> parts[] = {chunk, std::span(trailer).first(*trailer_bytes)};
    array.store->PutParts(key, parts);
    return;
  }
  Buffer encoded = array.chunk_pipeline->Encode(chunk);
  array.store->Put(key, encoded.span());
}

// An unsharded object: exactly one codec chunk.
void ReadChunkObject(const ArrayState& array, const ObjectTask& object, ReadOutput& out) {
  const ChunkTask& task = object.chunks.front();
  if (task.coverage == ChunkCoverage::kLandsWhole) {
    // Decoded straight into the output, bypassing the cache so that bulk reads do not evict
    // useful entries.
    ReadWholeChunk(
        array, object.key,
        out.bytes().subspan(static_cast<std::size_t>(task.output_offset), array.chunk_bytes));
    return;
  }
  ScatterChunk(array, task, LoadChunk(array, object.key), out);
}

void WriteChunkObject(const ArrayState& array, const ObjectTask& object,
                      std::span<const std::byte> in) {
  const ChunkTask& task = object.chunks.front();
  ChunkCache& cache = ChunkCache::Instance();
  if (task.coverage == ChunkCoverage::kLandsWhole) {
    // Whole-chunk writes never read: encode straight from the caller's buffer.
    WriteWholeChunk(array, object.key,
                    in.subspan(static_cast<std::size_t>(task.output_offset), array.chunk_bytes));
    cache.NoteWrite(array.cache_prefix + object.key);
    cache.Erase(array.cache_prefix + object.key);  // bulk writes do not fill the cache
    return;
  }
  std::shared_ptr<const Buffer> old;
  if (task.coverage == ChunkCoverage::kPartial) old = LoadChunk(array, object.key);
  auto chunk = std::make_shared<Buffer>(PatchedChunk(array, task, old.get(), in));
  Buffer encoded = array.chunk_pipeline->Encode(chunk->span());
  std::string generation = array.store->Put(object.key, encoded.span());
  cache.NoteWrite(array.cache_prefix + object.key);
  if (array.chunk_pipeline->IsLossy() || array.chunk_pipeline->IsVariableLength()) {
    // A read returns the decoded pixels instead, or string elements that point into storage
    // of the chunk's own rather than into the caller's.
    cache.Erase(array.cache_prefix + object.key);
  } else {
    cache.Put(array.cache_prefix + object.key, std::move(chunk), std::move(generation));
  }
}

int Concurrency(const ArrayState& array) { return array.store->Features().preferred_concurrency; }

}  // namespace

std::optional<Buffer> GetObject(const ArrayState& array, const std::string& key) {
  ReadOptions options;
  options.max_bytes = array.max_object_bytes;
  ReadResult read = ReadChunkBytes(array, key, options);
  if (!read.found()) return std::nullopt;
  return std::move(read.value);
}

void DecodeChunk(const ArrayState& array, const std::string& key, const std::string& chunk_name,
                 const Buffer& encoded, std::span<std::byte> destination) {
  try {
    array.chunk_pipeline->DecodeInto(encoded, destination);
  } catch (const CorruptChunkError& error) {
    if (chunk_name.empty()) throw ChunkError(array, key, error);
    throw ChunkError(array, key,
                     CorruptChunkError("inner chunk " + chunk_name + ": " + error.what()));
  }
}

Buffer DecodeChunk(const ArrayState& array, const std::string& key, const std::string& chunk_name,
                   const Buffer& encoded) {
  try {
    return array.chunk_pipeline->Decode(encoded);
  } catch (const CorruptChunkError& error) {
    if (chunk_name.empty()) throw ChunkError(array, key, error);
    throw ChunkError(array, key,
                     CorruptChunkError("inner chunk " + chunk_name + ": " + error.what()));
  }
}

void ReadOutput::Keep(std::shared_ptr<const Buffer> chunk) {
  if (!keeps_chunks_) return;
  const std::lock_guard lock(mutex_);
  kept_.push_back(std::move(chunk));
}

void ScatterChunk(const ArrayState& array, const ChunkTask& task,
                  const std::shared_ptr<const Buffer>& chunk, ReadOutput& out) {
  if (!chunk) {
    index::FillRegion(out.bytes().data(), task.geometry, array.metadata.fill_value);
    return;
  }
  index::CopyRegion(index::CopyDirection::kChunkToOutput, const_cast<std::byte*>(chunk->data()),
                    out.bytes().data(), task.geometry);
  out.Keep(chunk);
}

Buffer PatchedChunk(const ArrayState& array, const ChunkTask& task, const Buffer* old,
                    std::span<const std::byte> in) {
  Buffer chunk;
  if (task.coverage == ChunkCoverage::kPartial && old) {
    chunk = Buffer::CopyOf(old->span());  // cached buffers are shared: patch a copy
  } else {
    chunk = Buffer::Allocate(array.chunk_bytes);
    // Outside the array's bounds (or where nothing was stored) a chunk holds the fill value.
    if (task.coverage == ChunkCoverage::kPartial || task.IsEdgeChunk(array)) {
      index::FillWithElement(chunk.mutable_span(), array.metadata.fill_value);
    }
  }
  // Only read: the copy goes output -> chunk.
  index::CopyRegion(index::CopyDirection::kOutputToChunk, chunk.data(),
                    const_cast<std::byte*>(in.data()), task.geometry);
  return chunk;
}

void ReadRegion(const ArrayState& array, const RegionPlan& plan, ReadOutput& out) {
  ParallelFor(
      plan.objects.NumObjects(),
      [&](std::size_t n) {
        const ObjectTask object(array, plan, n);
        if (array.sharding) {
          ReadShard(array, object, out);
        } else {
          ReadChunkObject(array, object, out);
        }
      },
      Concurrency(array));
}

void WriteRegion(const ArrayState& array, const RegionPlan& plan, std::span<const std::byte> in) {
  ParallelFor(
      plan.objects.NumObjects(),
      [&](std::size_t n) {
        const ObjectTask object(array, plan, n);
        // Writers of one object take turns from read to rewrite: the threads of this process
        // always; other processes too with a locking store, and always where the object is a
        // shard that this write rewrites in part (its other inner chunks may be another
        // process's disjoint writes, which a plain rewrite would lose).
        const WriteTurn turn(array.cache_prefix + object.key);
        const bool shared_object = array.sharding && !WritesWholeShard(object);
        const auto lock =
            array.store->LockKey(object.key, shared_object ? Store::LockWhen::kAlways
                                                           : Store::LockWhen::kIfOpenedWithLocking);
        try {
          if (array.sharding) {
            WriteShard(array, object, in);
          } else {
            WriteChunkObject(array, object, in);
          }
        } catch (...) {
          // The write may have reached the store before failing.
          ChunkCache::Instance().NoteWrite(array.cache_prefix + object.key);
          throw;
        }
      },
      Concurrency(array));
}

}  // namespace hub::engine
