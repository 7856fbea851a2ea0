// The read and write executors: for every stored object a planned selection touches, fetch,
// decode and scatter its codec chunks (or gather, encode and store them), many objects at
// once on the engine's pool. An unsharded object is one codec chunk; a shard holds many
// (shard_io.h).
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <vector>

#include "engine/array_state.h"
#include "engine/chunk_task.h"

namespace hub::engine {

// Where a read puts what it reads: the output's bytes (C order) and, for string and bytes
// arrays, the decoded chunks that the output's VariableElements point into, kept with it.
class ReadOutput {
 public:
  ReadOutput(std::span<std::byte> bytes, bool keeps_chunks)
      : bytes_(bytes), keeps_chunks_(keeps_chunks) {}

  std::span<std::byte> bytes() const { return bytes_; }
  // Keeps `chunk` as long as the output, if elements of it are copied there (any thread).
  void Keep(std::shared_ptr<const Buffer> chunk);
  // The chunks kept, handed over once the read has finished.
  std::vector<std::shared_ptr<const Buffer>> TakeKept() { return std::move(kept_); }

 private:
  std::span<std::byte> bytes_;
  bool keeps_chunks_;
  std::mutex mutex_;
  std::vector<std::shared_ptr<const Buffer>> kept_;
};

void ReadRegion(const detail::ArrayState& array, const detail::RegionPlan& plan, ReadOutput& out);

void WriteRegion(const detail::ArrayState& array, const detail::RegionPlan& plan,
                 std::span<const std::byte> in);

// Shared by both kinds of object: a decoded codec chunk's way into the output, and back.

// A whole stored object (chunk or shard) of the array, or nullopt if it is not stored; one
// longer than the array's codecs could ever encode to is a ChunkError, refused unread.
std::optional<Buffer> GetObject(const detail::ArrayState& array, const std::string& key);

// Throws StorageError naming the object unless a read that the store answered "unchanged"
// asked about a version held in the cache (`asked`): a store that says "not modified" to a
// read that sent no condition must never be taken as holding what the cache does not.
void CheckUnchangedWasAsked(const detail::ArrayState& array, const std::string& key, bool asked);

// Decodes a codec chunk's encoded bytes, naming the object and inner chunk if they are bad:
// into `destination` (fixed-size elements only), or into a buffer of its own.
void DecodeChunk(const detail::ArrayState& array, const std::string& key,
                 const std::string& chunk_name, const Buffer& encoded,
                 std::span<std::byte> destination);
Buffer DecodeChunk(const detail::ArrayState& array, const std::string& key,
                   const std::string& chunk_name, const Buffer& encoded);
// Copies a decoded chunk's selected part into the output (which keeps the chunk when its
// elements point into it), or fills it where the chunk is missing (nullptr).
void ScatterChunk(const detail::ArrayState& array, const ChunkTask& task,
                  const std::shared_ptr<const Buffer>& chunk, ReadOutput& out);
// The chunk's new decoded contents for a write: the caller's values over `old` (nullptr: the
// chunk was never stored, so it starts as fill).
Buffer PatchedChunk(const detail::ArrayState& array, const ChunkTask& task, const Buffer* old,
                    std::span<const std::byte> in);

}  // namespace hub::engine
