// String and bytes arrays from C++: whole and partial writes, sharded and not, values that
// outlive the cache entries they were read from, growth, and reads through Read refused.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "hub/array.h"
#include "hub/errors.h"

namespace hub {
namespace {

void WriteStrings(const Array& array, const Region& region, const std::vector<std::string>& items) {
  std::vector<std::string_view> views(items.begin(), items.end());
  const auto elements = ElementsOf(views);
  array.Write(region, std::as_bytes(std::span(elements)));
}

std::vector<std::string> ReadStrings(const Array& array, const Region& region) {
  const VariableValues values = array.ReadValues(region);
  std::vector<std::string> strings;
  for (std::size_t i = 0; i < values.size(); ++i) strings.emplace_back(values[i]);
  return strings;
}

class VariableArrayTest : public ::testing::TestWithParam<bool> {
 protected:
  // (6, 4) strings in chunks of (2, 2), in shards of (4, 4) when the parameter says so.
  std::shared_ptr<Array> Create(std::shared_ptr<Store> store) {
    ArraySpec spec{{6, 4}, {2, 2}, DataType::kString, "zstd", 0.5};
    if (GetParam()) spec.shard_shape = {4, 4};
    return Array::Create(std::move(store), "text", spec);
  }
};

TEST_P(VariableArrayTest, WritesAndReadsAnySelection) {
  auto store = MakeMemoryStore();
  auto array = Create(store);
  std::vector<std::string> all;
  for (int i = 0; i < 24; ++i) {
    all.push_back(std::string(static_cast<std::size_t>(i % 5), static_cast<char>('a' + i)) +
                  "\xc3\xa9");
  }
  WriteStrings(*array, array->Select({}), all);
  EXPECT_EQ(ReadStrings(*array, array->Select({})), all);
  // A column across chunks and shards, then one element rewritten in place.
  EXPECT_EQ(ReadStrings(*array, array->Select({Slice{1, 6, 2}, std::int64_t{3}})),
            (std::vector<std::string>{all[7], all[15], all[23]}));
  WriteStrings(*array, array->Select({std::int64_t{2}, std::int64_t{1}}), {"changed"});
  all[9] = "changed";
  const auto reopened = Array::Open(store, "text");
  EXPECT_EQ(ReadStrings(*reopened, reopened->Select({})), all);
  // Never written: the empty string.
  auto empty = Create(MakeMemoryStore());
  EXPECT_EQ(ReadStrings(*empty, empty->Select({std::int64_t{5}})), std::vector<std::string>(4, ""));
}

TEST_P(VariableArrayTest, ValuesOutliveTheCacheEntriesTheyCameFrom) {
  auto store = MakeMemoryStore();
  auto array = Create(store);
  WriteStrings(*array, array->Select({std::int64_t{0}}), {"w", "x", "y", "z"});
  // A partial read goes through the decoded-chunk cache; rewriting the chunk replaces the
  // entry, and the values read before must still hold what they held.
  const VariableValues before = array->ReadValues(array->Select({std::int64_t{0}, Slice{1, 3, 1}}));
  WriteStrings(*array, array->Select({std::int64_t{0}}), {"1", "2", "3", "4"});
  const VariableValues after = array->ReadValues(array->Select({std::int64_t{0}, Slice{1, 3, 1}}));
  EXPECT_EQ(before[0], "x");
  EXPECT_EQ(before[1], "y");
  EXPECT_EQ(after[0], "2");
  EXPECT_EQ(after[1], "3");
}

TEST_P(VariableArrayTest, GrowsAndRefusesByteReads) {
  auto store = MakeMemoryStore();
  ArraySpec spec{{0}, {}, DataType::kBytes, "default", 0.5};
  if (GetParam()) spec.shard_shape = {};
  auto array = Array::Create(store, "blobs", spec);
  std::vector<std::string_view> views = {std::string_view("\0\1", 2), "", "abc"};
  const auto elements = ElementsOf(views);
  EXPECT_EQ(array->Extend(std::as_bytes(std::span(elements)), 3), 3);
  const auto reopened = Array::Open(store, "blobs");
  const VariableValues values = reopened->ReadValues(reopened->Select({}));
  ASSERT_EQ(values.size(), 3u);
  EXPECT_EQ(values[0], std::string_view("\0\1", 2));
  EXPECT_EQ(values[2], "abc");
  std::vector<std::byte> out(3 * sizeof(VariableElement));
  EXPECT_THROW(array->Read(array->Select({}), out), InvalidArgumentError);
  auto numbers = Array::Create(store, "n", {{2}, {2}, DataType::kInt8, "default", 0.5});
  EXPECT_THROW(numbers->ReadValues(numbers->Select({})), InvalidArgumentError);
}

INSTANTIATE_TEST_SUITE_P(ShardedOrNot, VariableArrayTest, ::testing::Bool());

}  // namespace
}  // namespace hub
