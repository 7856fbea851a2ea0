// The disk cache layer (hub/disk_cache.h) over an in-memory store that counts what it is
// asked: what a second reader (another process, a new epoch) fetches, staleness, changes by
// other writers, the size bound, and entries that a crash or a bad disk leaves behind.
#include "hub/disk_cache.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

#include "hub/errors.h"
#include "hub/store.h"
#include "store/cache/disk_cache_folder.h"

namespace hub {
namespace {

namespace fs = std::filesystem;

std::span<const std::byte> Bytes(const std::string& text) {
  return std::as_bytes(std::span(text.data(), text.size()));
}
std::string Text(const Buffer& buffer) {
  return std::string(reinterpret_cast<const char*>(buffer.data()), buffer.size());
}

// Counts the reads that brought bytes and those answered "unchanged".
class CountingStore final : public Store {
 public:
  std::shared_ptr<Store> inner = MakeMemoryStore();
  std::atomic<int> values = 0;
  std::atomic<int> unchanged = 0;
  double staleness = 0;

  StoreFeatures Features() const override {
    StoreFeatures features = inner->Features();
    features.max_staleness_seconds = staleness;
    return features;
  }
  ReadResult Read(const std::string& key, const ReadOptions& options) override {
    ReadResult result = inner->Read(key, options);
    ++(result.status == ReadResult::Status::kUnchanged ? unchanged : values);
    return result;
  }
  std::string PutParts(const std::string& key,
                       std::span<const std::span<const std::byte>> parts) override {
    return inner->PutParts(key, parts);
  }
  void Delete(const std::string& key) override { inner->Delete(key); }
  std::vector<std::string> List(const std::string& prefix) override { return inner->List(prefix); }
  std::string Describe() const override { return "counting"; }
};

class DiskCache : public ::testing::Test {
 protected:
  void SetUp() override {
    folder_ = fs::temp_directory_path() /
              ("hub_disk_cache_" + std::to_string(getpid()) + "_" +
               ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(folder_);
  }
  void TearDown() override { fs::remove_all(folder_); }

  // A reader with the disk cache, as a new process would open one over the same folder.
  std::shared_ptr<Store> Cached(std::uint64_t size = 1 << 20) {
    return WithDiskCache(origin_, {folder_.string(), size, "scope"});
  }

  fs::path folder_;
  std::shared_ptr<CountingStore> origin_ = std::make_shared<CountingStore>();
};

TEST_F(DiskCache, ASecondReaderOnlyAsksWhetherTheObjectChanged) {
  origin_->Put("shard", Bytes("0123456789abcdef"));
  const Store::RangeRead ranges[] = {{ByteRange::Bytes(2, 3), {}}, {ByteRange::Suffix(4), {}}};
  EXPECT_EQ(Text(Cached()->ReadRanges("shard", ranges)[1].value), "cdef");
  EXPECT_EQ(Text(*Cached()->Get("shard")), "0123456789abcdef");
  EXPECT_EQ(origin_->values, 3);  // a range, a suffix, the whole object

  origin_->values = 0;
  origin_->unchanged = 0;
  const auto reader = Cached();  // another process, a second epoch
  EXPECT_EQ(Text(*reader->Get("shard")), "0123456789abcdef");
  const auto parts = reader->ReadRanges("shard", ranges);
  EXPECT_EQ(Text(parts[0].value), "234");
  EXPECT_EQ(Text(parts[1].value), "cdef");
  EXPECT_EQ(origin_->values, 0);
  EXPECT_EQ(origin_->unchanged, 2);  // one conditional read each, however many ranges
}

TEST_F(DiskCache, RangesOfASmallObjectOfKnownSizeAreFetchedWithItWhole) {
  const std::string shard = "0123456789abcdefghijklmnopqrstuv";
  const std::string generation = origin_->Put("shard", Bytes(shard));
  const auto cached = Cached();
  const Store::RangeRead index{ByteRange::Suffix(4), {}};
  EXPECT_EQ(Text(cached->ReadRanges("shard", std::span(&index, 1))[0].value), "stuv");
  origin_->values = 0;
  // The inner chunks a sample needs, at the index's version: the shard comes whole, once.
  const Store::RangeRead first{ByteRange::Bytes(4, 4), {}, generation, true};
  EXPECT_EQ(Text(cached->ReadRanges("shard", std::span(&first, 1))[0].value), "4567");
  const Store::RangeRead second{ByteRange::Bytes(20, 3), {}, generation, true};
  EXPECT_EQ(Text(cached->ReadRanges("shard", std::span(&second, 1))[0].value), "klm");
  EXPECT_EQ(origin_->values, 1);
  EXPECT_EQ(origin_->unchanged, 0);  // the index's version was just confirmed
}

TEST_F(DiskCache, WithinTheStalenessNothingIsAsked) {
  origin_->staleness = 60;
  origin_->Put("chunk", Bytes("value"));
  EXPECT_EQ(Text(*Cached()->Get("chunk")), "value");
  origin_->values = 0;
  EXPECT_EQ(Text(*Cached()->Get("chunk")), "value");
  EXPECT_EQ(origin_->values + origin_->unchanged, 0);
}

TEST_F(DiskCache, AnotherWritersChangeIsSeen) {
  origin_->Put("chunk", Bytes("old"));
  const auto reader = Cached();
  EXPECT_EQ(Text(*reader->Get("chunk")), "old");
  origin_->Put("chunk", Bytes("new!"));  // not through the cache
  EXPECT_EQ(Text(*reader->Get("chunk")), "new!");
  EXPECT_EQ(Text(*Cached()->Get("chunk")), "new!");
  origin_->Delete("chunk");
  EXPECT_FALSE(reader->Get("chunk"));
}

TEST_F(DiskCache, WritesThroughTheCacheDropItsEntries) {
  origin_->staleness = 60;  // even an entry confirmed a moment ago
  const auto cached = Cached();
  cached->Put("chunk", Bytes("one"));
  EXPECT_EQ(Text(*cached->Get("chunk")), "one");
  cached->Put("chunk", Bytes("two"));
  EXPECT_EQ(Text(*cached->Get("chunk")), "two");
  cached->Delete("chunk");
  EXPECT_FALSE(cached->Get("chunk"));
}

TEST_F(DiskCache, StaysWithinItsSizeEvictingTheLeastRecentlyUsed) {
  constexpr std::uint64_t kSize = 64 << 10;
  const std::string value(4000, 'x');
  // A file of the user's in the folder given: the oldest there, and never the cache's to evict.
  fs::create_directories(folder_);
  std::ofstream(folder_ / "notes.txt") << std::string(50000, 'n');
  fs::last_write_time(folder_ / "notes.txt",
                      fs::file_time_type::clock::now() - std::chrono::hours(9));
  const auto cached = Cached(kSize);
  for (int i = 0; i < 100; ++i) {
    origin_->Put("c/" + std::to_string(i), Bytes(value));
    cached->Get("c/" + std::to_string(i));
    cached->Get("c/0");  // kept in use: never the least recently used
  }
  EXPECT_LE(store::DiskCacheFolder(folder_.string(), kSize).HeldBytes(), kSize);
  EXPECT_EQ(fs::file_size(folder_ / "notes.txt"), 50000u);
  origin_->values = 0;
  cached->Get("c/0");
  cached->Get("c/99");
  EXPECT_EQ(origin_->values, 0);
  cached->Get("c/1");  // long evicted
  EXPECT_EQ(origin_->values, 1);
}

TEST_F(DiskCache, DamagedEntriesAndLeftoversOfKilledWritersNeverReadAsData) {
  origin_->Put("chunk", Bytes("the value"));
  Cached()->Get("chunk");
  // Flip a byte of the entry, and leave a half-written temporary file beside it.
  for (const auto& file : fs::recursive_directory_iterator(folder_)) {
    if (file.path().filename() != "whole") continue;
    std::fstream entry(file.path(), std::ios::in | std::ios::out | std::ios::binary);
    entry.seekp(-6, std::ios::end);
    entry.put('!');
    std::ofstream(file.path().parent_path() / ".tmp-1-0") << "hubdc1 half";
  }
  origin_->values = 0;
  EXPECT_EQ(Text(*Cached()->Get("chunk")), "the value");
  EXPECT_EQ(origin_->values, 1);  // read again from the store
}

TEST_F(DiskCache, RefusesAFolderItCannotMakeAndAZeroSize) {
  EXPECT_THROW(WithDiskCache(origin_, {"/proc/no/such/folder", 1 << 20, ""}), StorageError);
  EXPECT_THROW(WithDiskCache(origin_, {folder_.string(), 0, ""}), InvalidArgumentError);
  EXPECT_THROW(WithDiskCache(origin_, {"", 1 << 20, ""}), InvalidArgumentError);
}

}  // namespace
}  // namespace hub
