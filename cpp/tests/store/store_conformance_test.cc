// The store conformance suite: what the engine relies on from every Store, run on each store
// it names. ctest runs it on memory:// and a local folder; with HUB_CONFORMANCE_URLS set (a
// space-separated list of store URLs, e.g. s3://bucket/prefix against moto, with the usual
// credential variables), it runs on those too: tests/test_store_conformance.py does that for
// S3 and GCS emulators.
#include <gtest/gtest.h>

#include <array>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <sstream>
#include <string>
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

class StoreConformance : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    // A folder of its own per test inside the store, so stores can be shared.
    const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name = std::string(test->name());
    for (char& c : name) {
      if (c == '/') c = '-';
    }
    store_ = OpenStore(GetParam());
    root_ = name + "-" + std::to_string(getpid());
    store_->DeletePrefix(root_);
  }
  void TearDown() override {
    if (store_) store_->DeletePrefix(root_);
  }
  std::string Key(const std::string& rest) const { return root_ + "/" + rest; }

  std::shared_ptr<Store> store_;
  std::string root_;
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
  EXPECT_TRUE(store_->Exists(Key("empty")));
}

TEST_P(StoreConformance, MissingObjectsAreNotErrors) {
  EXPECT_FALSE(store_->Get(Key("nothing")).has_value());
  EXPECT_EQ(store_->Read(Key("nothing"), {}).status, ReadResult::Status::kMissing);
  EXPECT_FALSE(store_->Exists(Key("nothing")));
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
  EXPECT_TRUE(store_->Exists(Key("ab")));  // a sibling with a common prefix stays
}

TEST_P(StoreConformance, GenerationsNameVersions) {
  if (!store_->HasGenerations()) GTEST_SKIP() << GetParam() << " reports no generations";
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
  if (store_->HasGenerations()) {
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
  if (!store_->HasGenerations()) GTEST_SKIP() << GetParam() << " reports no generations";
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

TEST_P(StoreConformance, KeysCannotLeaveTheStore) {
  for (const char* key : {"../outside", "a/../../outside", "/absolute", "a//b", "a\\b", ""}) {
    EXPECT_THROW(store_->Put(key, Bytes("x")), InvalidArgumentError) << key;
    EXPECT_THROW(store_->Get(key), InvalidArgumentError) << key;
    EXPECT_THROW(store_->Exists(key), InvalidArgumentError) << key;
    EXPECT_THROW(store_->Delete(key), InvalidArgumentError) << key;
  }
}

INSTANTIATE_TEST_SUITE_P(Stores, StoreConformance, ::testing::ValuesIn(StoreUrls()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name = info.param.substr(0, info.param.find(':'));
                           return name + std::to_string(info.index);
                         });

}  // namespace
}  // namespace hub
