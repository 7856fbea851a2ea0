// LocalStore and MemoryStore behave the same behind the Store interface.
#include "hub/store.h"

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "hub/errors.h"
#include "store/local_store.h"
#include "store/merged_reads.h"

namespace hub {
namespace {

std::span<const std::byte> Bytes(const std::string& text) {
  return std::as_bytes(std::span(text.data(), text.size()));
}

std::string Text(const Buffer& buffer) {
  return std::string(reinterpret_cast<const char*>(buffer.data()), buffer.size());
}

class StoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "local") {
      root_ = std::filesystem::temp_directory_path() /
              ("hub_store_test_" + std::to_string(::getpid()) + "_" +
               ::testing::UnitTest::GetInstance()->current_test_info()->name());
      std::filesystem::remove_all(root_);
      store_ = OpenLocalStore(root_.string());
    } else {
      store_ = MakeMemoryStore();
    }
  }
  void TearDown() override {
    if (!root_.empty()) std::filesystem::remove_all(root_);
  }
  std::filesystem::path root_;
  std::shared_ptr<Store> store_;
};

TEST_P(StoreTest, PutGetRangeExistsDelete) {
  EXPECT_FALSE(store_->Get("a/b").has_value());
  store_->Put("a/b", Bytes("hello world"));
  EXPECT_EQ(Text(*store_->Get("a/b")), "hello world");
  auto range = [&](ByteRange wanted) {
    ReadOptions options;
    options.range = wanted;
    return Text(store_->Read("a/b", options).value);
  };
  EXPECT_EQ(range(ByteRange::Bytes(6, 100)), "world");
  EXPECT_EQ(range(ByteRange::Bytes(100, 5)), "");
  EXPECT_EQ(range(ByteRange::Suffix(5)), "world");
  EXPECT_EQ(range(ByteRange::Suffix(100)), "hello world");
  EXPECT_EQ(store_->Read("a/b", {}).object_size, 11u);
  EXPECT_TRUE(store_->Get("a/b").has_value());
  store_->Put("a/b", Bytes("replaced"));
  EXPECT_EQ(Text(*store_->Get("a/b")), "replaced");
  store_->Delete("a/b");
  store_->Delete("a/b");  // deleting twice is fine
  EXPECT_FALSE(store_->Get("a/b").has_value());
}

TEST_P(StoreTest, ListIsSortedAndScopedToAFolder) {
  for (const char* key : {"x/2", "x/1", "x/sub/3", "xy/4", "z"}) store_->Put(key, Bytes("v"));
  EXPECT_EQ(store_->List("x"), (std::vector<std::string>{"x/1", "x/2", "x/sub/3"}));
  EXPECT_EQ(store_->List("").size(), 5u);
  store_->DeletePrefix("x");
  EXPECT_EQ(store_->List(""), (std::vector<std::string>{"xy/4", "z"}));
}

TEST_P(StoreTest, ListWithSizesReportsStoredBytes) {
  store_->Put("x/b", Bytes("three"));
  store_->Put("x/a", Bytes("hello world"));
  store_->Put("y", Bytes("v"));
  const auto objects = store_->ListWithSizes("x");
  ASSERT_EQ(objects.size(), 2u);
  EXPECT_EQ(objects[0].key, "x/a");
  EXPECT_EQ(objects[0].bytes, 11u);
  EXPECT_EQ(objects[1].key, "x/b");
  EXPECT_EQ(objects[1].bytes, 5u);
  EXPECT_EQ(store_->ListWithSizes("").size(), 3u);
}

TEST_P(StoreTest, ReadIntoBuffersFillsThemAndReportsTheSize) {
  store_->Put("k", Bytes("abcdef"));
  std::array<std::byte, 4> head{};
  std::array<std::byte, 2> tail{};
  const std::span<std::byte> parts[] = {head, tail};
  ReadOptions options;
  options.into = parts;
  options.size_known = true;
  EXPECT_EQ(store_->Read("k", options).size, 6u);
  EXPECT_EQ(Text(Buffer::CopyOf(head)) + Text(Buffer::CopyOf(tail)), "abcdef");
  EXPECT_FALSE(store_->Read("missing", options).found());
  options.range = ByteRange::Bytes(2, 6);  // the range holds 4 bytes: a caller sees the gap
  EXPECT_EQ(store_->Read("k", options).size, 4u);
  EXPECT_EQ(Text(Buffer::CopyOf(head)), "cdef");
}

TEST_P(StoreTest, ReadRangesReturnsEachRangeFromOneVersion) {
  std::string text(300 << 10, 'x');
  for (std::size_t i = 0; i < text.size(); ++i) text[i] = static_cast<char>('a' + i % 26);
  const std::string generation = store_->Put("k", Bytes(text));
  std::array<std::byte, 3> into{};
  const std::span<std::byte> into_parts[] = {into};
  // Near ranges (merged by the default), a far one, one read into a buffer, one past the end.
  const Store::RangeRead reads[] = {{ByteRange::Bytes(10, 5), {}},
                                    {ByteRange::Bytes(0, 4), {}},
                                    {ByteRange::Bytes(200 << 10, 7), {}},
                                    {ByteRange::Bytes(12, 3), into_parts},
                                    {ByteRange::Bytes(text.size() - 2, 10), {}}};
  const auto results = store_->ReadRanges("k", reads);
  ASSERT_EQ(results.size(), 5u);
  EXPECT_EQ(Text(results[0].value), text.substr(10, 5));
  EXPECT_EQ(Text(results[1].value), text.substr(0, 4));
  EXPECT_EQ(Text(results[2].value), text.substr(200 << 10, 7));
  EXPECT_EQ(Text(Buffer::CopyOf(into)), text.substr(12, 3));
  EXPECT_EQ(results[3].size, 3u);
  EXPECT_EQ(Text(results[4].value), text.substr(text.size() - 2));
  for (const auto& result : results) EXPECT_EQ(result.generation, generation);
  EXPECT_FALSE(store_->ReadRanges("missing", reads)[0].found());
}

TEST_P(StoreTest, GenerationsChangeOnEveryPut) {
  auto read_unless = [&](const std::string& known) {
    ReadOptions options;
    options.unless_generation = known;
    return store_->Read("k", options);
  };
  const std::string first = store_->Put("k", Bytes("one"));
  ASSERT_FALSE(first.empty());
  EXPECT_EQ(read_unless(first).status, ReadResult::Status::kUnchanged);
  const std::string second = store_->Put("k", Bytes("two"));
  EXPECT_NE(first, second);
  const auto read = read_unless(first);
  ASSERT_EQ(read.status, ReadResult::Status::kValue);
  EXPECT_EQ(Text(read.value), "two");
  EXPECT_EQ(read.generation, second);
  store_->Delete("k");
  EXPECT_EQ(read_unless(second).status, ReadResult::Status::kMissing);
}

TEST_P(StoreTest, RefusesKeysThatEscape) {
  for (const char* key : {"../x", "/abs", "a//b", "a/./b", "a\\b", "", "a/"}) {
    EXPECT_THROW(store_->Put(key, Bytes("v")), InvalidArgumentError) << key;
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreTest, ::testing::Values("local", "memory"));

TEST(LocalStore, TempFilesAreInvisibleAndPutIsAtomic) {
  const auto root = std::filesystem::temp_directory_path() / "hub_local_temp_test";
  std::filesystem::remove_all(root);
  auto store = OpenLocalStore(root.string());
  store->Put("a/k", Bytes("v"));
  std::ofstream(root / "a" / ".hub_tmp.k.123.0") << "partial";  // as a killed writer leaves it
  EXPECT_EQ(store->List(""), (std::vector<std::string>{"a/k"}));
  EXPECT_EQ(Text(*store->Get("a/k")), "v");
  std::filesystem::remove_all(root);
}

}  // namespace
}  // namespace hub

namespace hub {
namespace {

// A store whose reads take a while, counting the ReadRanges calls that reach it.
class SlowStore final : public Store {
 public:
  std::shared_ptr<Store> inner = MakeMemoryStore();
  std::atomic<int> calls = 0;
  ReadResult Read(const std::string& key, const ReadOptions& options) override {
    return inner->Read(key, options);
  }
  std::vector<ReadResult> ReadRanges(const std::string& key,
                                     std::span<const RangeRead> reads) override {
    ++calls;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    return Store::ReadRanges(key, reads);
  }
  std::string PutParts(const std::string& key,
                       std::span<const std::span<const std::byte>> parts) override {
    return inner->PutParts(key, parts);
  }
  void Delete(const std::string& key) override { inner->Delete(key); }
  std::vector<std::string> List(const std::string& prefix) override { return inner->List(prefix); }
  std::string Describe() const override { return "slow"; }
};

TEST(MergedRangeReads, ManyThreadsReadingOneObjectShareRequests) {
  SlowStore slow;
  std::string bytes(64, ' ');
  for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>('0' + i % 64);
  slow.Put("shard", std::as_bytes(std::span(bytes)));
  store::MergedRangeReads merged([&](const std::string& key, std::span<const Store::RangeRead> r) {
    return slow.ReadRanges(key, r);
  });
  constexpr int kThreads = 12;
  std::vector<std::string> got(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const Store::RangeRead read{ByteRange::Bytes(static_cast<std::uint64_t>(t) * 4, 4), {}};
      const auto results = merged.Read("shard", std::span(&read, 1));
      got[static_cast<std::size_t>(t)] =
          std::string(reinterpret_cast<const char*>(results[0].value.data()), results[0].size);
    });
  }
  for (auto& thread : threads) thread.join();
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(got[static_cast<std::size_t>(t)], bytes.substr(static_cast<std::size_t>(t) * 4, 4));
  }
  // Two flights at once; everyone else waits for one to land and goes in the next.
  EXPECT_LT(slow.calls, kThreads);
  EXPECT_GT(merged.merged_calls(), 0u);
}

TEST(MergedRangeReads, AnErrorReachesEveryCallInTheBatch) {
  std::atomic<int> calls = 0;
  store::MergedRangeReads merged(
      [&](const std::string&, std::span<const Store::RangeRead>) -> std::vector<ReadResult> {
        ++calls;
        std::this_thread::sleep_for(std::chrono::milliseconds(30));
        throw StorageError("the server is gone");
      });
  std::atomic<int> errors = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&] {
      const Store::RangeRead read{ByteRange::Bytes(0, 1), {}};
      try {
        merged.Read("k", std::span(&read, 1));
      } catch (const StorageError&) {
        ++errors;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(errors, 6);
}

}  // namespace
}  // namespace hub
