// ParallelFor: every index once, errors propagate, nesting does not deadlock.
#include "engine/thread_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <vector>

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
