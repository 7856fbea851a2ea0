// ParallelFor: every index once, errors propagate, nesting does not deadlock; and the
// cache's LoadOnce, which runs on it.
#include "engine/thread_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>
#include <vector>

#include "engine/chunk_cache.h"

namespace hub::engine {
namespace {

TEST(ParallelFor, RunsEveryIndexExactlyOnce) {
  std::vector<std::atomic<int>> seen(1000);
  ParallelFor(seen.size(), [&](std::size_t i) { seen[i]++; });
  for (const auto& count : seen) EXPECT_EQ(count.load(), 1);
}

TEST(ParallelFor, RethrowsTheFirstError) {
  std::atomic<int> ran{0};
  EXPECT_THROW(ParallelFor(100,
                           [&](std::size_t i) {
                             ++ran;
                             if (i == 10) throw std::runtime_error("boom");
                           }),
               std::runtime_error);
  EXPECT_GE(ran.load(), 1);
}

TEST(ParallelFor, NestedCallsComplete) {
  std::atomic<int> total{0};
  ParallelFor(8, [&](std::size_t) { ParallelFor(50, [&](std::size_t) { ++total; }); });
  EXPECT_EQ(total.load(), 400);
}

TEST(ParallelForBytes, SmallWorkStaysInTheCallingThread) {
  const int before = ThreadCount();
  SetThreadCount(4);
  const std::thread::id caller = std::this_thread::get_id();
  std::atomic<int> elsewhere{0};
  std::atomic<int> total{0};
  ParallelForBytes(64, kMinBytesToShare - 1, [&](std::size_t) {
    elsewhere += std::this_thread::get_id() != caller;
    ++total;
  });
  EXPECT_EQ(total.load(), 64);
  EXPECT_EQ(elsewhere.load(), 0);
  // Enough work is shared: iterations that wait for each other can only finish if another
  // thread runs some of them.
  std::atomic<int> started{0};
  std::atomic<bool> waited_alone{false};
  ParallelForBytes(2, kMinBytesToShare, [&](std::size_t) {
    ++started;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (started.load() < 2) {
      if (std::chrono::steady_clock::now() > deadline) {
        waited_alone = true;
        break;
      }
      std::this_thread::yield();
    }
  });
  EXPECT_FALSE(waited_alone.load());
  SetThreadCount(before);
}

TEST(ParallelFor, ThreadCountIsSettable) {
  const int before = ThreadCount();
  SetThreadCount(3);
  EXPECT_EQ(ThreadCount(), 3);
  std::atomic<int> total{0};
  ParallelFor(10, [&](std::size_t) { ++total; });
  EXPECT_EQ(total.load(), 10);
  SetThreadCount(before);
}

}  // namespace
}  // namespace hub::engine

namespace hub::engine {
namespace {

TEST(ChunkCacheLoadOnce, ConcurrentLoadsOfOneKeyRunOnce) {
  std::atomic<int> loads{0};
  std::atomic<int> results{0};
  ParallelFor(
      16,
      [&](std::size_t) {
        auto chunk =
            ChunkCache::Instance().LoadOnce("test|load-once", [&](const ChunkCache::ReadStamp&) {
              ++loads;
              std::this_thread::sleep_for(std::chrono::milliseconds(50));
              return std::make_shared<const Buffer>(Buffer::Allocate(8));
            });
        if (chunk && chunk->size() == 8) ++results;
      },
      16);
  EXPECT_EQ(results.load(), 16);
  EXPECT_LT(loads.load(), 16);  // callers that overlapped the first load shared its result
  EXPECT_THROW(ChunkCache::Instance().LoadOnce(
                   "test|fails",
                   [](const ChunkCache::ReadStamp&) -> std::shared_ptr<const Buffer> {
                     throw std::runtime_error("x");
                   }),
               std::runtime_error);
}

}  // namespace
}  // namespace hub::engine
