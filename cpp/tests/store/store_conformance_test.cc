// The store conformance suite: what the engine relies on from every Store, run on each store
// it names. ctest runs it on memory:// and a local folder; with HUB_CONFORMANCE_URLS set (a
// space-separated list of store URLs, e.g. s3://bucket/prefix against moto, with the usual
// credential variables), it runs on those too: tests/test_store_conformance.py does that for
// S3 and GCS emulators.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "hub/errors.h"
#include "hub/store.h"
#include "hub/store_url.h"

namespace hub {
namespace {

std::vector<std::string> StoreUrls() {
  static const std::string local_root =
      (std::filesystem::temp_directory_path() / ("hub_conformance_" + std::to_string(getpid())))
          .string();
  std::vector<std::string> urls{"memory://", "file://" + local_root};
  if (const char* extra = std::getenv("HUB_CONFORMANCE_URLS")) {
    std::istringstream words(extra);
    for (std::string url; words >> url;) urls.push_back(url);
  }
  return urls;
}

std::span<const std::byte> Bytes(const std::string& text) {
  return std::as_bytes(std::span(text.data(), text.size()));
}

std::string Text(const Buffer& buffer) {
  return std::string(reinterpret_cast<const char*>(buffer.data()), buffer.size());
}

// Each store as it is, and read through a disk cache (a layer every property must survive).
using StoreUnderTest = std::tuple<std::string, bool>;

class StoreConformance : public ::testing::TestWithParam<StoreUnderTest> {
 protected:
  void SetUp() override {
    // A folder of its own per test inside the store, so stores can be shared.
    const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name = std::string(test->name());
    for (char& c : name) {
      if (c == '/') c = '-';
    }
    const auto& [url, disk_cached] = GetParam();
    StoreOptions options;
    if (disk_cached) {
      cache_folder_ = std::filesystem::temp_directory_path() /
                      ("hub_conformance_cache_" + std::to_string(getpid()) + "_" + name);
      options.disk_cache = cache_folder_.string();
      options.disk_cache_size = 1 << 20;
    }
    store_ = OpenStore(url, options);
    root_ = name + "-" + std::to_string(getpid());
    store_->DeletePrefix(root_);
  }
  void TearDown() override {
    if (store_) store_->DeletePrefix(root_);
    if (!cache_folder_.empty()) std::filesystem::remove_all(cache_folder_);
  }
  std::string Key(const std::string& rest) const { return root_ + "/" + rest; }

  std::shared_ptr<Store> store_;
  std::string root_;
  std::filesystem::path cache_folder_;  // with a disk cache: its folder
};

TEST_P(StoreConformance, WritesReadBackAndReplaceWholeObjects) {
  store_->Put(Key("a"), Bytes("first value"));
  EXPECT_EQ(Text(*store_->Get(Key("a"))), "first value");
  store_->Put(Key("a"), Bytes("second"));
  EXPECT_EQ(Text(*store_->Get(Key("a"))), "second");
  const std::string part1 = "head-", part2 = "tail";
  const std::span<const std::byte> parts[] = {Bytes(part1), Bytes(part2)};
  store_->PutParts(Key("parts"), parts);
  EXPECT_EQ(Text(*store_->Get(Key("parts"))), "head-tail");
  store_->Put(Key("empty"), {});
  EXPECT_EQ(store_->Get(Key("empty"))->size(), 0u);
  EXPECT_TRUE(store_->Get(Key("empty")).has_value());
}

TEST_P(StoreConformance, MissingObjectsAreNotErrors) {
  EXPECT_FALSE(store_->Get(Key("nothing")).has_value());
  EXPECT_EQ(store_->Read(Key("nothing"), {}).status, ReadResult::Status::kMissing);
  EXPECT_FALSE(store_->Get(Key("nothing")).has_value());
  store_->Delete(Key("nothing"));  // deleting what is not there is fine
  EXPECT_TRUE(store_->List(Key("nothing")).empty());
}

TEST_P(StoreConformance, RangesSuffixesAndTheObjectsEnd) {
  store_->Put(Key("r"), Bytes("0123456789"));
  ReadOptions range;
  range.range = ByteRange::Bytes(2, 3);
  EXPECT_EQ(Text(store_->Read(Key("r"), range).value), "234");
  range.range = ByteRange::Suffix(4);
  EXPECT_EQ(Text(store_->Read(Key("r"), range).value), "6789");
  range.range = ByteRange::Bytes(7, 100);  // past the end: what is there
  EXPECT_EQ(Text(store_->Read(Key("r"), range).value), "789");
  range.range = ByteRange::Suffix(50);  // longer than the object: all of it
  EXPECT_EQ(Text(store_->Read(Key("r"), range).value), "0123456789");

  std::vector<std::byte> first(2), second(3);
  const std::span<std::byte> into_first[] = {first}, into_second[] = {second};
  const Store::RangeRead reads[] = {{ByteRange::Bytes(0, 2), into_first},
                                    {ByteRange::Bytes(5, 3), into_second}};
  const auto results = store_->ReadRanges(Key("r"), reads);
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(first.data()), 2), "01");
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(second.data()), 3), "567");
}

TEST_P(StoreConformance, ReadsRefuseObjectsLargerThanAllowed) {
  store_->Put(Key("big"), Bytes("0123456789"));
  EXPECT_THROW(store_->Get(Key("big"), 9), CorruptChunkError);
  EXPECT_EQ(store_->Get(Key("big"), 10)->size(), 10u);
}

TEST_P(StoreConformance, ListingsAreSortedAndStayInTheirFolder) {
  for (const char* key : {"a/c/d", "a/b", "ab", "a/c/e"}) store_->Put(Key(key), Bytes(key));
  EXPECT_EQ(store_->List(Key("a")),
            (std::vector<std::string>{Key("a/b"), Key("a/c/d"), Key("a/c/e")}));  // not "ab"
  const auto folder = store_->ListFolder(Key("a"));
  EXPECT_EQ(folder.keys, (std::vector<std::string>{Key("a/b")}));
  EXPECT_EQ(folder.folders, (std::vector<std::string>{Key("a/c")}));
  const auto sized = store_->ListWithSizes(Key("a/c"));
  ASSERT_EQ(sized.size(), 2u);
  EXPECT_EQ(sized[0].key, Key("a/c/d"));
  EXPECT_EQ(sized[0].bytes, 5u);
  store_->DeletePrefix(Key("a"));
  EXPECT_TRUE(store_->List(Key("a")).empty());
  EXPECT_TRUE(store_->Get(Key("ab")).has_value());  // a sibling with a common prefix stays
}

TEST_P(StoreConformance, GenerationsNameVersions) {
  if (!store_->Features().generations)
    GTEST_SKIP() << std::get<0>(GetParam()) << " reports no generations";
  store_->Put(Key("g"), Bytes("one"));
  const ReadResult first = store_->Read(Key("g"), {});
  ASSERT_FALSE(first.generation.empty());
  ReadOptions unless;
  unless.unless_generation = first.generation;
  EXPECT_EQ(store_->Read(Key("g"), unless).status, ReadResult::Status::kUnchanged);
  store_->Put(Key("g"), Bytes("two!"));
  const ReadResult changed = store_->Read(Key("g"), unless);
  EXPECT_EQ(changed.status, ReadResult::Status::kValue);
  EXPECT_EQ(Text(changed.value), "two!");
  EXPECT_NE(changed.generation, first.generation);
}

TEST_P(StoreConformance, AnObjectReaderReadsOneObject) {
  store_->Put(Key("r"), Bytes("0123456789"));
  const std::unique_ptr<ObjectReader> reader = store_->OpenObject(Key("r"));
  ReadOptions tail;
  tail.range = ByteRange::Suffix(4);
  const ReadResult first = reader->Read(tail);
  EXPECT_EQ(Text(first.value), "6789");
  std::array<std::byte, 3> head{};
  std::array<std::byte, 4> rest{};
  const std::array<std::span<std::byte>, 2> into{std::span(head), std::span(rest)};
  const Store::RangeRead reads[] = {{ByteRange::Bytes(1, 7), into}, {ByteRange::Bytes(8, 5), {}}};
  const std::vector<ReadResult> pieces = reader->ReadRanges(reads);
  ASSERT_EQ(pieces.size(), 2u);
  EXPECT_EQ(pieces[0].size, 7u);  // both buffers filled, in order
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(head.data()), 3) +
                std::string(reinterpret_cast<const char*>(rest.data()), 4),
            "1234567");
  EXPECT_EQ(Text(pieces[1].value), "89");  // cut at the object's end
  if (store_->Features().generations) {
    EXPECT_EQ(pieces[1].generation, first.generation);
  }
  // Buffers smaller than the range: the size says the range holds more, or the read is
  // refused (how the engine notices an object bigger than the chunk it expects).
  std::array<std::byte, 4> small{};
  const std::array<std::span<std::byte>, 1> too_small{std::span(small)};
  ReadOptions whole;
  whole.into = too_small;
  try {
    EXPECT_EQ(reader->Read(whole).size, 10u);
  } catch (const CorruptChunkError&) {
    // a cloud store stops the transfer at the buffers' end
  }
  EXPECT_FALSE(store_->OpenObject(Key("missing"))->Read({}).found());
  EXPECT_FALSE(store_->OpenObject(Key("missing"))->ReadRanges(reads)[0].found());
}

TEST_P(StoreConformance, AnObjectReaderSeesOneVersionOrSaysWhichItSaw) {
  if (!store_->Features().generations)
    GTEST_SKIP() << std::get<0>(GetParam()) << " reports no generations";
  store_->Put(Key("v"), Bytes("old!"));
  const std::unique_ptr<ObjectReader> reader = store_->OpenObject(Key("v"));
  const ReadResult before = reader->Read({});
  store_->Put(Key("v"), Bytes("new!"));
  const ReadResult after = reader->Read({});
  // Either the reader pinned the first version (a local file held open) or its answer names
  // the new one, so that a caller comparing generations notices the change.
  if (after.generation == before.generation) {
    EXPECT_EQ(Text(after.value), "old!");
  } else {
    EXPECT_EQ(Text(after.value), "new!");
  }
}

// 80 MiB: past the size a cloud store writes in one request (S3 writes it in parts), from
// several buffers whose edges fall inside parts, read back whole and by range.
TEST_P(StoreConformance, LargeObjectsWriteWholeFromManyParts) {
  constexpr std::size_t kSize = 80 << 20;
  std::vector<std::byte> bytes(kSize);
  for (std::size_t i = 0; i < kSize; ++i) bytes[i] = static_cast<std::byte>((i * 131) >> 7);
  const std::span<const std::byte> all(bytes);
  const std::span<const std::byte> parts[] = {all.first(3 << 20), all.subspan(3 << 20, 30 << 20),
                                              all.subspan(33 << 20)};
  store_->PutParts(Key("large"), parts);
  const auto whole = store_->Get(Key("large"));
  ASSERT_TRUE(whole.has_value());
  ASSERT_EQ(whole->size(), kSize);
  EXPECT_EQ(std::memcmp(whole->data(), bytes.data(), kSize), 0);
  ReadOptions middle;
  middle.range = ByteRange::Bytes((16 << 20) - 5, 10);  // across the first two upload parts
  const ReadResult read = store_->Read(Key("large"), middle);
  ASSERT_EQ(read.value.size(), 10u);
  EXPECT_EQ(std::memcmp(read.value.data(), bytes.data() + (16 << 20) - 5, 10), 0);
  // Replaced by a small object, it reads as that.
  store_->Put(Key("large"), Bytes("small now"));
  EXPECT_EQ(Text(*store_->Get(Key("large"))), "small now");
}

// More keys than one listing page holds (S3 and GCS answer 1,000 per page), listed whole and
// by folder, then deleted together.
TEST_P(StoreConformance, ListingsAndDeletesSpanManyPages) {
  constexpr int kKeys = 1100;
  std::vector<std::string> expected;
  for (int i = 0; i < kKeys; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "many/k%05d", i);
    expected.push_back(Key(name));
  }
  std::vector<std::thread> writers;
  for (int t = 0; t < 8; ++t) {
    writers.emplace_back([&, t] {
      for (int i = t; i < kKeys; i += 8) store_->Put(expected[i], Bytes("v"));
    });
  }
  for (auto& writer : writers) writer.join();
  EXPECT_EQ(store_->List(Key("many")), expected);
  const auto sized = store_->ListWithSizes(Key("many"));
  ASSERT_EQ(sized.size(), expected.size());
  EXPECT_EQ(sized.back().bytes, 1u);
  EXPECT_EQ(store_->ListFolder(Key("many")).keys, expected);
  store_->DeletePrefix(Key("many"));
  EXPECT_TRUE(store_->List(Key("many")).empty());
}

// Characters that XML, URLs and query strings treat specially are kept in keys as written.
TEST_P(StoreConformance, KeysWithSpecialCharactersRoundTrip) {
  const std::vector<std::string> keys = {Key("odd/a&b"), Key("odd/less<more>"), Key("odd/quote\"'"),
                                         Key("odd/plus+space here"), Key("odd/percent%41=eq?q#h")};
  for (const auto& key : keys) store_->Put(key, Bytes(key));
  auto sorted = keys;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(store_->List(Key("odd")), sorted);
  EXPECT_EQ(store_->ListFolder(Key("odd")).keys, sorted);
  for (const auto& key : keys) EXPECT_EQ(Text(*store_->Get(key)), key);
  store_->DeletePrefix(Key("odd"));
  EXPECT_TRUE(store_->List(Key("odd")).empty());
}

// A store that writes conditionally writes only over the version named, or where there is
// none, and the generation a write returns is the one reads report.
TEST_P(StoreConformance, ConditionalWritesHoldTheirConditions) {
  if (!store_->Features().conditional_writes) {
    EXPECT_THROW(store_->PutPartsIf(Key("c"), {}, {.if_absent = true}), UnsupportedError);
    GTEST_SKIP() << std::get<0>(GetParam()) << " does not write conditionally";
  }
  const std::string one = "one", two = "two", three = "three";
  const std::span<const std::byte> first[] = {Bytes(one)};
  const std::span<const std::byte> second[] = {Bytes(two)};
  const std::span<const std::byte> third[] = {Bytes(three)};
  const std::string created = store_->PutPartsIf(Key("c"), first, {.if_absent = true});
  EXPECT_THROW(store_->PutPartsIf(Key("c"), second, {.if_absent = true}), PreconditionFailedError);
  EXPECT_EQ(store_->Read(Key("c"), {}).generation, created);
  const std::string replaced = store_->PutPartsIf(Key("c"), second, {.if_generation = created});
  EXPECT_NE(replaced, created);
  EXPECT_THROW(store_->PutPartsIf(Key("c"), third, {.if_generation = created}),
               PreconditionFailedError);  // a stale version
  EXPECT_THROW(store_->PutPartsIf(Key("gone"), third, {.if_generation = created}),
               PreconditionFailedError);  // no object at all
  EXPECT_EQ(Text(*store_->Get(Key("c"))), "two");
  EXPECT_FALSE(store_->Get(Key("gone")).has_value());
}

TEST_P(StoreConformance, KeysCannotLeaveTheStore) {
  for (const char* key : {"../outside", "a/../../outside", "/absolute", "a//b", "a\\b", ""}) {
    EXPECT_THROW(store_->Put(key, Bytes("x")), InvalidArgumentError) << key;
    EXPECT_THROW(store_->Get(key), InvalidArgumentError) << key;
    EXPECT_THROW(store_->Delete(key), InvalidArgumentError) << key;
  }
}

INSTANTIATE_TEST_SUITE_P(Stores, StoreConformance,
                         ::testing::Combine(::testing::ValuesIn(StoreUrls()), ::testing::Bool()),
                         [](const ::testing::TestParamInfo<StoreUnderTest>& info) {
                           const std::string& url = std::get<0>(info.param);
                           return url.substr(0, url.find(':')) + std::to_string(info.index) +
                                  (std::get<1>(info.param) ? "_disk_cached" : "");
                         });

}  // namespace
}  // namespace hub
