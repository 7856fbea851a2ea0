// Merged concurrent range reads of one object (see merged_reads.h).
#include "store/merged_reads.h"

#include <exception>

namespace hub::store {

struct MergedRangeReads::Batch {
  enum class State { kGathering, kReady, kSending, kDone };
  State state = State::kGathering;
  std::vector<Store::RangeRead> reads;  // every call's, in the order the calls joined
  std::vector<ReadResult> results;
  std::exception_ptr error;
};

std::vector<ReadResult> MergedRangeReads::Fly(const std::string& queue_key, const std::string& key,
                                              std::span<const Store::RangeRead> reads) {
  try {
    std::vector<ReadResult> results = send_(key, reads);
    Landed(queue_key);
    return results;
  } catch (...) {
    Landed(queue_key);
    throw;
  }
}

void MergedRangeReads::Landed(const std::string& queue_key) {
  const std::lock_guard lock(mutex_);
  Queue& queue = queues_[queue_key];
  --queue.in_flight;
  if (queue.gathering) {
    queue.gathering->state = Batch::State::kReady;  // one of its callers sends it
    queue.gathering.reset();
    ++queue.in_flight;
    changed_.notify_all();
  } else if (queue.in_flight == 0) {
    queues_.erase(queue_key);
  }
}

std::vector<ReadResult> MergedRangeReads::Read(const std::string& key,
                                               std::span<const Store::RangeRead> reads) {
  if (reads.empty()) return {};
  for (const Store::RangeRead& read : reads) {
    if (read.if_generation != reads.front().if_generation) return send_(key, reads);
  }
  const std::string queue_key = key + '\n' + reads.front().if_generation;
  std::unique_lock lock(mutex_);
  Queue& queue = queues_[queue_key];
  if (queue.in_flight < kFlightsPerObject) {
    ++queue.in_flight;
    lock.unlock();
    return Fly(queue_key, key, reads);
  }
  if (!queue.gathering) queue.gathering = std::make_shared<Batch>();
  const std::shared_ptr<Batch> batch = queue.gathering;
  const std::size_t first = batch->reads.size();
  batch->reads.insert(batch->reads.end(), reads.begin(), reads.end());
  changed_.wait(lock, [&] { return batch->state != Batch::State::kGathering; });
  if (batch->state == Batch::State::kReady) {
    // The first of the batch's callers to wake sends it for all of them.
    batch->state = Batch::State::kSending;
    ++merged_calls_;
    lock.unlock();
    try {
      batch->results = send_(key, batch->reads);
    } catch (...) {
      batch->error = std::current_exception();
    }
    Landed(queue_key);
    lock.lock();
    batch->state = Batch::State::kDone;
    changed_.notify_all();
  } else {
    ++merged_calls_;
    changed_.wait(lock, [&] { return batch->state == Batch::State::kDone; });
  }
  if (batch->error) std::rethrow_exception(batch->error);
  std::vector<ReadResult> mine;
  mine.reserve(reads.size());
  for (std::size_t i = 0; i < reads.size(); ++i) mine.push_back(batch->results[first + i]);
  return mine;
}

std::uint64_t MergedRangeReads::merged_calls() const {
  const std::lock_guard lock(mutex_);
  return merged_calls_;
}

}  // namespace hub::store
