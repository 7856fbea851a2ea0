// A process-wide LRU cache of decoded chunks with a byte budget, so that per-item reads from
// one chunk decode it once. Each entry keeps the store generation it was decoded from; readers
// revalidate it with a conditional Store::Read (unless_generation), so writes by other
// processes are seen too.
//
// Writes in this process are seen at once, whatever the store's generations or staleness
// bound: a reader stamps the object before it reads the store (StampRead) and caches what it
// read only if no write of that object has finished since (PutIfUnwritten); a writer reports
// each finished store write (NoteWrite) before caching its own result. A load that began
// before a write finished is never joined by a caller that came after it (LoadOnce).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "hub/buffer.h"

namespace hub::engine {

class ChunkCache {
 public:
  static ChunkCache& Instance();

  struct Entry {
    std::shared_ptr<const Buffer> chunk;  // null when absent
    std::string generation;
    std::chrono::steady_clock::time_point checked_at;  // when the store last confirmed it
    // Whether the store confirmed this entry less than `seconds` ago (a store's
    // StoreFeatures::max_staleness_seconds: such an entry is used without asking the store again).
    bool CheckedWithin(double seconds) const {
      return chunk && seconds > 0 &&
             std::chrono::steady_clock::now() - checked_at < std::chrono::duration<double>(seconds);
    }
  };
  Entry Get(const std::string& key);
  // Inserts or replaces; entries larger than a quarter of the budget, and entries without a
  // generation (they could never be revalidated), are not kept. Only a writer, after
  // NoteWrite, puts unconditionally; readers use PutIfUnwritten.
  void Put(const std::string& key, std::shared_ptr<const Buffer> chunk, std::string generation);

  // How many writes of an object (keyed like its cache entries: store, array and object key)
  // had finished when a read of it began. Objects share counters by hash, so a write of
  // another object may also void a stamp: that only costs a cache fill.
  struct ReadStamp {
    std::size_t counter = 0;
    std::uint64_t writes = 0;
  };
  ReadStamp StampRead(const std::string& object_key) const;
  // Put, unless a write of the stamped object has finished since the stamp: what the reader
  // read may then be older than that write.
  void PutIfUnwritten(const std::string& key, std::shared_ptr<const Buffer> chunk,
                      std::string generation, const ReadStamp& stamp);
  // A store write (or delete) of the object has returned, or failed after perhaps reaching
  // the store: reads stamped before it are not cached and not joined.
  void NoteWrite(const std::string& object_key);
  void Erase(const std::string& key);
  // The store answered that `key`'s object is still at `generation`: restarts its staleness.
  void MarkChecked(const std::string& key, const std::string& generation);

  // Runs `load` for object `key` unless another thread is already loading it and no write of
  // the object has finished since that load began; then this waits for that load's result
  // (or exception): concurrent readers of one chunk, such as prefetching loader threads,
  // decode it once. `load` gets the stamp to cache its result with.
  using Loader = std::function<std::shared_ptr<const Buffer>(const ReadStamp&)>;
  std::shared_ptr<const Buffer> LoadOnce(const std::string& key, const Loader& load);
  // Drops every entry whose key starts with `prefix` (an array being deleted or recreated),
  // and voids every read stamp, so no load in flight caches what it read.
  void EraseWithPrefix(const std::string& prefix);

  std::size_t budget_bytes() const;
  void set_budget_bytes(std::size_t bytes);
  std::size_t used_bytes() const;

  // Chunk reads served from the cache and reads that had to decode, since the process started;
  // the readers report them with CountRead.
  void CountRead(bool served_from_cache);
  struct Counters {
    std::size_t hits = 0;
    std::size_t misses = 0;
  };
  Counters counters() const;

  static constexpr std::size_t kDefaultBudget = std::size_t{256} << 20;

  struct Impl;

 private:
  explicit ChunkCache(std::unique_ptr<Impl> impl);
  // A forked child may inherit the mutex locked by a thread that no longer exists: the child
  // abandons the old cache and starts with an empty one that keeps the parent's budget.
  static void ResetAfterFork();

  std::unique_ptr<Impl> impl_;
};

}  // namespace hub::engine
