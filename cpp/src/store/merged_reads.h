// Concurrent range reads of one object from many threads, merged into shared requests: the
// reads a DataLoader's read-ahead or many `arr[i]` at once make of one shard. While
// kFlightsPerObject reads of an object are in flight, further reads of it gather and go out
// together, as one ReadRanges (whose near ranges the store coalesces into one request), when a
// flight lands. A read never waits while fewer are in flight, so a lone read costs nothing
// more. Only reads at one version merge (the same ReadOptions::if_generation).
#pragma once

#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "hub/store.h"

namespace hub::store {

class MergedRangeReads {
 public:
  // Reads of one object in flight at once before further reads of it wait to be merged.
  static constexpr int kFlightsPerObject = 1;

  // What sends one (merged) call's reads to the store.
  using Send = std::function<std::vector<ReadResult>(const std::string& key,
                                                     std::span<const Store::RangeRead> reads)>;
  explicit MergedRangeReads(Send send) : send_(std::move(send)) {}

  // The results of `reads` of object `key`, in order, as `send` gives them (or its error).
  std::vector<ReadResult> Read(const std::string& key, std::span<const Store::RangeRead> reads);

  // Calls whose reads went out merged with another call's, since this object was made.
  std::uint64_t merged_calls() const;

 private:
  struct Batch;
  struct Queue {
    int in_flight = 0;
    std::shared_ptr<Batch> gathering;  // reads waiting for a flight to land
  };

  // A flight of `queue_key` has landed: the gathered batch, if any, may go.
  void Landed(const std::string& queue_key);
  // Sends the reads, reporting the landing however the send ends.
  std::vector<ReadResult> Fly(const std::string& queue_key, const std::string& key,
                              std::span<const Store::RangeRead> reads);

  Send send_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::map<std::string, Queue> queues_;  // by object and version
  std::uint64_t merged_calls_ = 0;
};

}  // namespace hub::store
