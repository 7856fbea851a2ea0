// Read and write executors (see chunk_io.h).
#include "engine/chunk_io.h"

#include "engine/chunk_cache.h"
#include "engine/thread_pool.h"
#include "hub/errors.h"
#include "index/region_copy.h"

namespace hub::engine {
namespace {

using detail::ArrayState;
using detail::RegionPlan;

// Everything one chunk of a selection needs: its key, grid position and copy geometry.
struct ChunkTask {
  std::vector<const index::AxisPiece*> pieces;
  std::vector<std::int64_t> grid_position;
  std::string key;
  index::CopyGeometry geometry;

  ChunkTask(const ArrayState& array, const RegionPlan& plan, std::size_t n) {
    plan.chunks.PiecesOf(n, pieces);
    grid_position.reserve(pieces.size());
    for (const auto* piece : pieces) grid_position.push_back(piece->chunk_index);
    key = array.ChunkStoreKey(grid_position);
    geometry = index::CopyGeometry{pieces, array.metadata.chunk_shape, array.chunk_strides,
                                   plan.output_strides, ItemSize(array.metadata.dtype)};
  }

  std::string CacheKey(const ArrayState& array) const { return array.cache_prefix + key; }

  bool IsEdgeChunk(const ArrayState& array) const {
    for (std::size_t axis = 0; axis < grid_position.size(); ++axis) {
      const std::int64_t extent = array.metadata.chunk_shape[axis];
      if ((grid_position[axis] + 1) * extent > array.metadata.shape[axis]) return true;
    }
    return false;
  }
};

// Decodes a stored chunk, naming the array and key if its bytes are bad.
void DecodeChunk(const ArrayState& array, const std::string& key, const Buffer& encoded,
                 std::span<std::byte> destination) {
  try {
    array.pipeline->DecodeInto(encoded, destination);
  } catch (const CorruptChunkError& error) {
    throw CorruptChunkError("array '" + array.path + "': chunk '" + key + "' in " +
                            array.store->Describe() + " cannot be read: " + error.what() +
                            ". Rewrite the chunk or restore it from a copy.");
  }
}

// The decoded chunk, from the cache if the stored object has not changed since it was
// cached, else from the store; nullptr if it was never stored.
std::shared_ptr<const Buffer> LoadChunk(const ArrayState& array, const ChunkTask& task) {
  ChunkCache& cache = ChunkCache::Instance();
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

int Concurrency(const ArrayState& array) { return array.store->PreferredConcurrency(); }

}  // namespace

void ReadRegion(const ArrayState& array, const RegionPlan& plan, std::span<std::byte> out) {
  ParallelFor(
      plan.chunks.NumChunks(),
      [&](std::size_t n) {
        ChunkTask task(array, plan, n);
        // A chunk that lands whole and contiguous in the output is decoded straight into it,
        // bypassing the cache so that bulk reads do not evict useful entries.
        const auto whole_offset = index::WholeChunkOutputOffset(task.geometry);
        if (whole_offset) {
          std::optional<Buffer> encoded = array.store->Get(task.key);
          std::span<std::byte> destination =
              out.subspan(static_cast<std::size_t>(*whole_offset), array.metadata.ChunkBytes());
          if (encoded) {
            DecodeChunk(array, task.key, *encoded, destination);
          } else {
            index::FillWithElement(destination, array.metadata.fill_value);
          }
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
        ChunkCache& cache = ChunkCache::Instance();
        if (const auto whole_offset = index::WholeChunkOutputOffset(task.geometry)) {
          // Whole-chunk writes never read: encode straight from the caller's buffer.
          Buffer encoded = array.pipeline->Encode(
              in.subspan(static_cast<std::size_t>(*whole_offset), array.metadata.ChunkBytes()));
          array.store->Put(task.key, encoded.span());
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
