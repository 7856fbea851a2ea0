// The decoded-chunk cache: its byte budget and LRU order, what it refuses to keep, read stamps
// against writes, joined loads, staleness, and prefix erasure. Keys are unique per test: the
// cache is process-wide.
#include "engine/chunk_cache.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace hub::engine {
namespace {

std::shared_ptr<const Buffer> Chunk(std::size_t bytes, std::uint8_t value) {
  std::vector<std::byte> data(bytes, std::byte{value});
  return std::make_shared<const Buffer>(Buffer::CopyOf(data));
}

// A load that counts itself, says it has started, and takes 100 ms.
ChunkCache::Loader SlowLoad(std::atomic<int>& loads, std::atomic<bool>& started) {
  return [&loads, &started](const ChunkCache::ReadStamp&) {
    ++loads;
    started = true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    return Chunk(10, 7);
  };
}

class ChunkCacheTest : public ::testing::Test {
 protected:
  void SetUp() override { saved_budget_ = cache().budget_bytes(); }
  void TearDown() override { cache().set_budget_bytes(saved_budget_); }
  static ChunkCache& cache() { return ChunkCache::Instance(); }
  std::string Key(const std::string& name) const {
    return std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) + "|" +
           name;
  }

 private:
  std::size_t saved_budget_ = 0;
};

TEST_F(ChunkCacheTest, KeepsWhatFitsAndEvictsTheLeastRecentlyUsed) {
  cache().set_budget_bytes(4096);
  for (int k = 0; k < 4; ++k) cache().Put(Key(std::to_string(k)), Chunk(1000, k), "g");
  ASSERT_TRUE(cache().Get(Key("0")).chunk);  // 0 is now the most recently used
  cache().Put(Key("4"), Chunk(1000, 4), "g");
  EXPECT_LE(cache().used_bytes(), 4096u);
  EXPECT_TRUE(cache().Get(Key("0")).chunk);
  EXPECT_FALSE(cache().Get(Key("1")).chunk);  // the least recently used went
  EXPECT_EQ(cache().Get(Key("4")).generation, "g");
}

TEST_F(ChunkCacheTest, RefusesHugeEntriesAndEntriesWithoutAGeneration) {
  cache().set_budget_bytes(4096);
  cache().Put(Key("huge"), Chunk(1025, 1), "g");  // over a quarter of the budget
  cache().Put(Key("unversioned"), Chunk(10, 1), "");
  EXPECT_FALSE(cache().Get(Key("huge")).chunk);
  EXPECT_FALSE(cache().Get(Key("unversioned")).chunk);
  cache().set_budget_bytes(0);  // off
  cache().Put(Key("small"), Chunk(10, 1), "g");
  EXPECT_FALSE(cache().Get(Key("small")).chunk);
}

TEST_F(ChunkCacheTest, AReadStampedBeforeAWriteIsNotCached) {
  cache().set_budget_bytes(1 << 20);
  const auto stale = cache().StampRead(Key("object"));
  cache().NoteWrite(Key("object"));
  cache().PutIfUnwritten(Key("object"), Chunk(10, 1), "g1", stale);
  EXPECT_FALSE(cache().Get(Key("object")).chunk);
  const auto fresh = cache().StampRead(Key("object"));
  cache().PutIfUnwritten(Key("object"), Chunk(10, 2), "g2", fresh);
  EXPECT_EQ(cache().Get(Key("object")).generation, "g2");
}

TEST_F(ChunkCacheTest, ConcurrentLoadsOfOneChunkRunOnce) {
  cache().set_budget_bytes(1 << 20);
  std::atomic<int> loads{0};
  std::atomic<bool> started{false};
  const auto slow = SlowLoad(loads, started);
  std::shared_ptr<const Buffer> first, second;
  std::thread a([&] { first = cache().LoadOnce(Key("c"), slow); });
  while (!started) std::this_thread::yield();
  std::thread b([&] { second = cache().LoadOnce(Key("c"), slow); });
  a.join();
  b.join();
  EXPECT_EQ(loads, 1);
  EXPECT_EQ(first, second);
}

TEST_F(ChunkCacheTest, ALoadThatBeganBeforeAWriteIsNotJoined) {
  cache().set_budget_bytes(1 << 20);
  std::atomic<int> loads{0};
  std::atomic<bool> started{false};
  const auto slow = SlowLoad(loads, started);
  std::thread a([&] { cache().LoadOnce(Key("c"), slow); });
  while (!started) std::this_thread::yield();
  cache().NoteWrite(Key("c"));
  cache().LoadOnce(Key("c"), [&](const ChunkCache::ReadStamp&) {
    ++loads;
    return Chunk(10, 8);
  });
  a.join();
  EXPECT_EQ(loads, 2);
}

TEST_F(ChunkCacheTest, StalenessAndPrefixErasure) {
  cache().set_budget_bytes(1 << 20);
  cache().Put(Key("array/c/0"), Chunk(10, 1), "g");
  cache().Put(Key("array/c/1"), Chunk(10, 1), "g");
  cache().Put(Key("other/c/0"), Chunk(10, 1), "g");
  EXPECT_TRUE(cache().Get(Key("array/c/0")).CheckedWithin(60));
  EXPECT_FALSE(cache().Get(Key("array/c/0")).CheckedWithin(0));  // 0: always ask the store
  cache().EraseWithPrefix(Key("array/"));
  EXPECT_FALSE(cache().Get(Key("array/c/0")).chunk);
  EXPECT_FALSE(cache().Get(Key("array/c/1")).chunk);
  EXPECT_TRUE(cache().Get(Key("other/c/0")).chunk);
}

}  // namespace
}  // namespace hub::engine
