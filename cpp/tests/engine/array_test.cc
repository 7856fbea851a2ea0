// hub::Array from C++: create, open, fill values, partial writes, caching, errors.
#include "hub/array.h"

#include <gtest/gtest.h>

#include <numeric>

#include "hub/errors.h"
#include "hub/node.h"

namespace hub {
namespace {

template <typename T>
std::vector<T> ReadAll(const Array& array) {
  const Region region = array.Select({});
  std::vector<T> out(region.num_bytes() / sizeof(T));
  array.Read(region, std::as_writable_bytes(std::span(out)));
  return out;
}

TEST(Array, NewArrayReadsZerosAndStoresOnlyMetadata) {
  auto store = MakeMemoryStore();
  auto array = Array::Create(store, "dir/a", {{7, 5}, {3, 2}, DataType::kFloat64, "zstd", 0.5});
  EXPECT_EQ(ReadAll<double>(*array), std::vector<double>(35, 0.0));
  EXPECT_EQ(store->List(""), (std::vector<std::string>{"dir/a/zarr.json", "dir/zarr.json",
                                                       "zarr.json"}));
}

TEST(Array, PartialWritesPatchChunksAndReopenSeesThem) {
  auto store = MakeMemoryStore();
  auto array = Array::Create(store, "a", {{6, 4}, {4, 4}, DataType::kInt16, "gzip", 0.5});
  const std::int16_t row[4] = {1, 2, 3, 4};
  array->Write(array->Select({std::int64_t{5}}), std::as_bytes(std::span(row)));
  const std::int16_t cell = 9;
  array->Write(array->Select({std::int64_t{5}, std::int64_t{0}}),
               std::as_bytes(std::span(&cell, 1)));
  auto reopened = Array::Open(store, "a");
  const auto values = ReadAll<std::int16_t>(*reopened);
  EXPECT_EQ(std::vector<std::int16_t>(values.begin() + 20, values.end()),
            (std::vector<std::int16_t>{9, 2, 3, 4}));
  EXPECT_EQ(std::accumulate(values.begin(), values.begin() + 20, 0), 0);
  EXPECT_EQ(store->List("a/c").size(), 1u);  // only the chunk holding row 5
}

TEST(Array, CachedChunksAreRevalidatedAgainstTheStore) {
  auto store = MakeMemoryStore();
  auto writer = Array::Create(store, "a", {{8}, {8}, DataType::kUint8, "default", 0.5});
  auto reader = Array::Open(store, "a");
  std::uint8_t value = 0;
  const Region one = reader->Select({std::int64_t{3}});
  reader->Read(one, std::as_writable_bytes(std::span(&value, 1)));  // caches the chunk
  const std::uint8_t seven = 7;
  writer->Write(writer->Select({std::int64_t{3}}), std::as_bytes(std::span(&seven, 1)));
  reader->Read(one, std::as_writable_bytes(std::span(&value, 1)));
  EXPECT_EQ(value, 7);
}

TEST(Array, ErrorsAreTyped) {
  auto store = MakeMemoryStore();
  EXPECT_THROW(Array::Open(store, "missing"), NotFoundError);
  EXPECT_THROW(Array::Create(store, "a", {{4}, {0}, DataType::kUint8, "default", 0.5}),
               InvalidArgumentError);
  EXPECT_THROW(Array::Create(store, "../a", {{4}, {}, DataType::kUint8, "default", 0.5}),
               InvalidArgumentError);
  auto array = Array::Create(store, "a", {{4}, {}, DataType::kUint8, "default", 0.5});
  EXPECT_THROW(Array::Create(store, "a", {{4}, {}, DataType::kUint8, "default", 0.5}),
               InvalidArgumentError);
  EXPECT_THROW(array->Select({std::int64_t{4}}), OutOfBoundsError);
  std::uint8_t too_small[2];
  EXPECT_THROW(array->Read(array->Select({}), std::as_writable_bytes(std::span(too_small))),
               InvalidArgumentError);
  DeleteNode(*store, "a");
  EXPECT_THROW(Array::Open(store, "a"), NotFoundError);
  EXPECT_EQ(ReadNode(*store, "a").kind, NodeKind::kMissing);
}

TEST(Array, DefaultChunkSplitsTheFirstAxis) {
  const std::int64_t shape[] = {100000, 512, 512, 3};
  const auto chunk = DefaultChunkShape(shape, DataType::kUint8);
  EXPECT_EQ(chunk[1], 512);
  EXPECT_EQ(chunk[3], 3);
  const std::int64_t bytes = chunk[0] * 512 * 512 * 3;
  EXPECT_GE(bytes, 1 << 20);
  EXPECT_LE(bytes, 16 << 20);
}

}  // namespace
}  // namespace hub
