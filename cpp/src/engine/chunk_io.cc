// Read and write executors (see chunk_io.h).
#include "engine/chunk_io.h"

#include <array>

#include "engine/chunk_cache.h"
#include "engine/chunk_task.h"
#include "engine/image_chunk_io.h"
#include "engine/thread_pool.h"
#include "hub/errors.h"
#include "index/region_copy.h"

namespace hub::engine {
namespace {

using detail::ArrayState;
using detail::RegionPlan;

// Decodes a stored chunk, naming the array and key if its bytes are bad.
void DecodeChunk(const ArrayState& array, const std::string& key, const Buffer& encoded,
                 std::span<std::byte> destination) {
  try {
    array.pipeline->DecodeInto(encoded, destination);
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
  // With a checksum to verify, the store need not confirm the size first (one S3 request).
  const auto size = trailer_bytes > 0 ? array.store->ReadKnownSize(key, parts)
                                      : array.store->ReadInto(key, parts);
  if (!size) return false;
  try {
    if (*size != destination.size() + trailer_bytes) {
      throw CorruptChunkError("the chunk holds " + std::to_string(*size) + " bytes where " +
                              std::to_string(destination.size() + trailer_bytes) +
                              " were expected");
    }
    array.pipeline->VerifyVerbatim(destination, std::span(trailer).first(trailer_bytes));
  } catch (const CorruptChunkError& error) {
    throw ChunkError(array, key, error);
  }
  return true;
}

// The decoded chunk, from the cache if the stored object has not changed since it was
// cached, else from the store; nullptr if it was never stored.
std::shared_ptr<const Buffer> LoadChunkNow(const ArrayState& array, const ChunkTask& task) {
  ChunkCache& cache = ChunkCache::Instance();
  const std::size_t trailer_bytes = array.pipeline->VerbatimTrailerBytes().value_or(0);
  if (trailer_bytes > 0 && !array.store->HasGenerations()) {
    // Nothing from such a store is cached (no generation to revalidate against), so read the
    // stored bytes straight in: one request on S3, where Get would ask for the size first.
    cache.CountRead(false);
    auto chunk = std::make_shared<Buffer>(Buffer::Allocate(array.metadata.ChunkBytes()));
    if (!ReadVerbatimChunk(array, task.key, chunk->mutable_span(), trailer_bytes)) return nullptr;
    return chunk;
  }
  const std::string cache_key = task.CacheKey(array);
  const ChunkCache::Entry cached = cache.Get(cache_key);
  ConditionalRead read =
      array.store->ReadIfChanged(task.key, cached.chunk ? cached.generation : "");
  switch (read.status) {
    case ConditionalRead::Status::kUnchanged:
      cache.CountRead(true);
      return cached.chunk;
    case ConditionalRead::Status::kMissing:
      cache.Erase(cache_key);
      return nullptr;
    case ConditionalRead::Status::kValue:
      break;
  }
  cache.CountRead(false);
  auto decoded = std::make_shared<Buffer>(Buffer::Allocate(array.metadata.ChunkBytes()));
  DecodeChunk(array, task.key, read.value, decoded->mutable_span());
  cache.Put(cache_key, decoded, std::move(read.generation));
  return decoded;
}

// LoadChunkNow, once per chunk however many threads ask for it at the same time.
std::shared_ptr<const Buffer> LoadChunk(const ArrayState& array, const ChunkTask& task) {
  return ChunkCache::Instance().LoadOnce(task.CacheKey(array),
                                         [&] { return LoadChunkNow(array, task); });
}

// Reads a chunk that lands whole in the output straight into `destination`: verbatim chunks
// with one scatter read (no copy), others decoded in place. Missing chunks read as fill.
void ReadWholeChunk(const ArrayState& array, const std::string& key,
                    std::span<std::byte> destination) {
  if (const auto trailer_bytes = array.pipeline->VerbatimTrailerBytes()) {
    if (!ReadVerbatimChunk(array, key, destination, *trailer_bytes)) {
      index::FillWithElement(destination, array.metadata.fill_value);
    }
    return;
  }
  std::optional<Buffer> encoded = array.store->Get(key);
  if (encoded) {
    DecodeChunk(array, key, *encoded, destination);
  } else {
    index::FillWithElement(destination, array.metadata.fill_value);
  }
}

// Stores a whole chunk from the caller's buffer; a verbatim chunk goes out as the caller's
// bytes plus its checksum, without being copied first.
void WriteWholeChunk(const ArrayState& array, const std::string& key,
                     std::span<const std::byte> chunk) {
  if (const auto trailer_bytes = array.pipeline->VerbatimTrailerBytes()) {
    const auto trailer = array.pipeline->VerbatimTrailer(chunk);
    const std::span<const std::byte> parts[] = {chunk, std::span(trailer).first(*trailer_bytes)};
    array.store->PutParts(key, parts);
    return;
  }
  Buffer encoded = array.pipeline->Encode(chunk);
  array.store->Put(key, encoded.span());
}

int Concurrency(const ArrayState& array) { return array.store->PreferredConcurrency(); }

}  // namespace

void ReadRegion(const ArrayState& array, const RegionPlan& plan, std::span<std::byte> out) {
  ParallelFor(
      plan.chunks.NumChunks(),
      [&](std::size_t n) {
        ChunkTask task(array, plan, n);
        if (array.images) {
          ReadImageChunk(array, task, out);
          return;
        }
        // A chunk that lands whole and contiguous in the output is decoded straight into it,
        // bypassing the cache so that bulk reads do not evict useful entries.
        const auto whole_offset = index::WholeChunkOutputOffset(task.geometry);
        if (whole_offset) {
          ReadWholeChunk(array, task.key,
                         out.subspan(static_cast<std::size_t>(*whole_offset),
                                     array.metadata.ChunkBytes()));
          return;
        }
        auto chunk = LoadChunk(array, task);
        if (!chunk) {
          index::FillRegion(out.data(), task.geometry, array.metadata.fill_value);
          return;
        }
        index::CopyRegion(index::CopyDirection::kChunkToOutput,
                          const_cast<std::byte*>(chunk->data()), out.data(), task.geometry);
      },
      Concurrency(array));
}

void WriteRegion(const ArrayState& array, const RegionPlan& plan, std::span<const std::byte> in) {
  auto* source = const_cast<std::byte*>(in.data());  // only read: the copy goes output -> chunk
  ParallelFor(
      plan.chunks.NumChunks(),
      [&](std::size_t n) {
        ChunkTask task(array, plan, n);
        // With a locking store, writers of one chunk take turns from read to rewrite.
        const auto lock = array.store->LockKey(task.key);
        if (array.images) {
          WriteImageChunk(array, task, in);
          return;
        }
        ChunkCache& cache = ChunkCache::Instance();
        if (const auto whole_offset = index::WholeChunkOutputOffset(task.geometry)) {
          // Whole-chunk writes never read: encode straight from the caller's buffer.
          WriteWholeChunk(array, task.key,
                          in.subspan(static_cast<std::size_t>(*whole_offset),
                                     array.metadata.ChunkBytes()));
          cache.Erase(task.CacheKey(array));  // bulk writes do not fill the cache
          return;
        }
        auto chunk = std::make_shared<Buffer>();
        if (index::CoversChunk(task.geometry, array.metadata.shape)) {
          *chunk = Buffer::Allocate(array.metadata.ChunkBytes());
          // Outside the array's bounds an edge chunk holds the fill value.
          if (task.IsEdgeChunk(array)) {
            index::FillWithElement(chunk->mutable_span(), array.metadata.fill_value);
          }
        } else if (auto old = LoadChunk(array, task)) {
          *chunk = Buffer::CopyOf(old->span());  // cached buffers are shared: patch a copy
        } else {
          *chunk = Buffer::Allocate(array.metadata.ChunkBytes());
          index::FillWithElement(chunk->mutable_span(), array.metadata.fill_value);
        }
        index::CopyRegion(index::CopyDirection::kOutputToChunk, chunk->data(), source,
                          task.geometry);
        Buffer encoded = array.pipeline->Encode(chunk->span());
        std::string generation = array.store->Put(task.key, encoded.span());
        cache.Put(task.CacheKey(array), std::move(chunk), std::move(generation));
      },
      Concurrency(array));
}

}  // namespace hub::engine
