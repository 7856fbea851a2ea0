// hub::Array from C++: create, open, fill values, partial writes, caching, errors.
#include "hub/array.h"

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <numeric>

#include "hub/engine_settings.h"
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
  EXPECT_EQ(store->List(""),
            (std::vector<std::string>{"dir/a/zarr.json", "dir/zarr.json", "zarr.json"}));
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

TEST(Array, ARegionBelongsToTheArrayThatPlannedIt) {
  auto store = MakeMemoryStore();
  auto small = Array::Create(store, "small", {{4}, {4}, DataType::kUint8, "default", 0.5});
  auto large = Array::Create(store, "large", {{1 << 20}, {1 << 16}, DataType::kUint8, "lz4", 0.5});
  const Region all_of_small = small->Select({});
  std::vector<std::byte> buffer(all_of_small.num_bytes());
  EXPECT_THROW(large->Read(all_of_small, buffer), InvalidArgumentError);
  EXPECT_THROW(large->Write(all_of_small, buffer), InvalidArgumentError);
  const Region unplanned;
  EXPECT_THROW(small->Read(unplanned, buffer), InvalidArgumentError);
  EXPECT_THROW(small->Write(unplanned, buffer), InvalidArgumentError);
  EXPECT_THROW((void)unplanned.shape(), InvalidArgumentError);
  EXPECT_THROW((void)unplanned.num_bytes(), InvalidArgumentError);
  // The same array opened again is another array: plan with the array you read.
  auto reopened = Array::Open(store, "small");
  EXPECT_THROW(reopened->Read(all_of_small, buffer), InvalidArgumentError);
  small->Read(all_of_small, buffer);   // its own array reads it
  const Region copied = all_of_small;  // copies keep their array
  small->Read(copied, buffer);
}

TEST(Array, CreateOnAnExistingName) {
  auto store = MakeMemoryStore();
  const ArraySpec spec{{10}, {}, DataType::kInt32, "zstd", 0.5};
  auto first = Array::Create(store, "a", spec);
  const std::int32_t five = 5;
  first->Write(first->Select({std::int64_t{3}}), std::as_bytes(std::span(&five, 1)));
  EXPECT_THROW(Array::Create(store, "a", spec), ContainsNodeError);
  const CreateOptions reopen{.on_exists = OnExists::kReopenIfSame};
  auto again = Array::Create(store, "a", spec, reopen);  // same settings: reopened, data kept
  EXPECT_EQ(ReadAll<std::int32_t>(*again)[3], 5);
  for (const ArraySpec& other : {ArraySpec{{11}, {}, DataType::kInt32, "zstd", 0.5},
                                 ArraySpec{{10}, {}, DataType::kInt64, "zstd", 0.5},
                                 ArraySpec{{10}, {5}, DataType::kInt32, "zstd", 0.5},
                                 ArraySpec{{10}, {}, DataType::kInt32, "lz4", 0.5},
                                 ArraySpec{{10}, {}, DataType::kInt32, "zstd", 0.9}}) {
    EXPECT_THROW(Array::Create(store, "a", other, reopen), ContainsNodeError);
  }
  CreateGroup(*store, "g", "{}");
  EXPECT_THROW(Array::Create(store, "g", spec, reopen), ContainsNodeError);
  auto fresh = Array::Create(store, "a", ArraySpec{{11}, {}, DataType::kInt32, "zstd", 0.5},
                             {.on_exists = OnExists::kOverwrite});
  EXPECT_EQ(ReadAll<std::int32_t>(*fresh), std::vector<std::int32_t>(11, 0));
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

// Counts the requests that reach the store beneath it. The engine reads and
// writes chunks and shards from its worker threads, so the counts are atomic.
class CountingStore final : public Store {
 public:
  std::shared_ptr<Store> inner = MakeMemoryStore();
  std::atomic<int> gets = 0;
  std::atomic<int> puts = 0;
  bool cheap_ranges = false;

  StoreFeatures Features() const override {
    return {.generations = true, .cheap_range_reads = cheap_ranges};
  }
  ReadResult Read(const std::string& key, const ReadOptions& options) override {
    return ++gets, inner->Read(key, options);
  }
  std::string PutParts(const std::string& key,
                       std::span<const std::span<const std::byte>> parts) override {
    return ++puts, inner->PutParts(key, parts);
  }
  void Delete(const std::string& key) override { inner->Delete(key); }
  std::vector<std::string> List(const std::string& prefix) override { return inner->List(prefix); }
  std::string Describe() const override { return "counting:" + inner->Describe(); }
};

// Another machine's rewrite of the same shard lands just before each of this writer's first
// `races` conditional writes, as when two machines patch one shard at the same moment.
class RacingStore final : public Store {
 public:
  std::shared_ptr<Store> inner = MakeMemoryStore();
  std::function<void()> other_writer;
  int races = 0;
  std::atomic<int> conditional_puts = 0;

  StoreFeatures Features() const override { return inner->Features(); }
  ReadResult Read(const std::string& key, const ReadOptions& options) override {
    return inner->Read(key, options);
  }
  std::string PutParts(const std::string& key,
                       std::span<const std::span<const std::byte>> parts) override {
    return inner->PutParts(key, parts);
  }
  std::string PutPartsIf(const std::string& key, std::span<const std::span<const std::byte>> parts,
                         const WriteCondition& condition) override {
    ++conditional_puts;
    if (races > 0) {
      --races;
      other_writer();
    }
    return inner->PutPartsIf(key, parts, condition);
  }
  void Delete(const std::string& key) override { inner->Delete(key); }
  std::vector<std::string> List(const std::string& prefix) override { return inner->List(prefix); }
  std::string Describe() const override { return "racing:" + inner->Describe(); }
};

TEST(Array, WritersOfOneShardWithoutALockLoseNothing) {
  auto store = std::make_shared<RacingStore>();
  ArraySpec spec{{16, 4}, {1, 4}, DataType::kUint8, "default", 0.5};
  spec.shard_shape = {16, 4};
  auto array = Array::Create(store, "a", spec);
  auto other = Array::Open(store->inner, "a");
  std::int64_t other_row = 0;
  store->other_writer = [&] {
    const std::uint8_t sevens[4] = {7, 7, 7, 7};
    other->Write(other->Select({other_row++}), std::as_bytes(std::span(sevens)));
  };
  store->races = 3;
  const std::uint8_t nines[4] = {9, 9, 9, 9};
  array->Write(array->Select({std::int64_t{10}}), std::as_bytes(std::span(nines)));
  EXPECT_EQ(store->conditional_puts, 4);  // three races lost, each read again and redone
  auto back = ReadAll<std::uint8_t>(*array);
  for (std::int64_t row : {0, 1, 2}) EXPECT_EQ(back[row * 4], 7) << row;  // the other's rows
  EXPECT_EQ(back[10 * 4], 9);                                             // and ours
  EXPECT_EQ(back[3 * 4], 0);
  // Writers that never stop racing: a clear error after a bounded number of tries, nothing
  // of this write stored over theirs.
  store->races = 1000;
  EXPECT_THROW(array->Write(array->Select({std::int64_t{11}}), std::as_bytes(std::span(nines))),
               PreconditionFailedError);
  back = ReadAll<std::uint8_t>(*array);
  EXPECT_EQ(store->conditional_puts, 4 + 10);
  for (std::int64_t row = 3; row < 13; ++row) EXPECT_EQ(back[row * 4], 7) << row;  // theirs
  EXPECT_EQ(back[13 * 4], 0);
}

TEST(Array, ABatchWriteIsOneRequestPerChunk) {
  auto store = std::make_shared<CountingStore>();
  auto array = Array::Create(store, "a", {{100, 8}, {50, 8}, DataType::kUint8, "lz4", 0.5});
  std::vector<std::uint8_t> batch(100 * 8, 1);
  store->gets = store->puts = 0;
  array->Write(array->Select({Slice{0, 100, 1}}), std::as_bytes(std::span(batch)));
  EXPECT_EQ(store->puts, 2);  // two chunks, one PUT each
  EXPECT_EQ(store->gets, 0);  // whole chunks are never read
  store->gets = store->puts = 0;
  for (std::int64_t i = 0; i < 10; ++i) {
    array->Write(array->Select({i}), std::as_bytes(std::span(batch).first(8)));
  }
  EXPECT_EQ(store->puts, 10);  // item by item: the chunk is rewritten every time
}

TEST(Array, ShardedReadsFetchTheIndexThenMergedRangesAndWritesOneObjectPerShard) {
  auto store = std::make_shared<CountingStore>();
  ArraySpec spec{{64, 4}, {1, 4}, DataType::kUint8, "default", 0.5};
  spec.shard_shape = {16, 4};
  auto array = Array::Create(store, "a", spec);
  EXPECT_EQ(array->chunk_shape(), (std::vector<std::int64_t>{1, 4}));
  EXPECT_EQ(array->shard_shape(), (std::vector<std::int64_t>{16, 4}));
  std::vector<std::uint8_t> all(64 * 4);
  std::iota(all.begin(), all.end(), 0);
  store->gets = store->puts = 0;
  array->Write(array->Select({}), std::as_bytes(std::span(all)));
  EXPECT_EQ(store->puts, 4);  // one object per shard
  EXPECT_EQ(store->gets, 0);  // whole shards are never read
  SetCacheBudgetBytes(0);
  store->gets = 0;
  const Region items = array->Select({IndexList{3, 4, 9, 5}});
  std::vector<std::uint8_t> out(items.num_bytes());
  array->Read(items, std::as_writable_bytes(std::span(out)));
  EXPECT_EQ(store->gets, 2);  // the index, then one merged read of the four inner chunks
  EXPECT_EQ(out[4], 16);      // item 4, element 0
  EXPECT_EQ(out[8], 36);      // item 9
  store->gets = 0;
  const Region shard = array->Select({Slice{16, 32, 1}});
  out.resize(shard.num_bytes());
  array->Read(shard, std::as_writable_bytes(std::span(out)));
  EXPECT_EQ(store->gets, 1);  // a whole shard is one read
  store->gets = store->puts = 0;
  const std::uint8_t patch[4] = {9, 9, 9, 9};
  array->Write(array->Select({std::int64_t{20}}), std::as_bytes(std::span(patch)));
  EXPECT_EQ(store->gets, 1);  // the shard, to keep its other inner chunks' bytes
  EXPECT_EQ(store->puts, 1);
  const auto back = ReadAll<std::uint8_t>(*array);
  EXPECT_EQ(back[20 * 4], 9);
  EXPECT_EQ(back[21 * 4], 84);
  SetCacheBudgetBytes(std::size_t{256} << 20);
}

TEST(Array, WhereRangesAreCheapVerbatimShardsAreReadInPiecesStraightIntoPlace) {
  for (const std::string compress : {"default", "zstd"}) {
    auto store = std::make_shared<CountingStore>();
    store->cheap_ranges = true;
    ArraySpec spec{{32, 4}, {1, 4}, DataType::kUint8, compress, 0.5};
    spec.shard_shape = {16, 4};
    auto array = Array::Create(store, "a", spec);
    std::vector<std::uint8_t> all(32 * 4);
    std::iota(all.begin(), all.end(), 0);
    array->Write(array->Select({}), std::as_bytes(std::span(all)));
    SetCacheBudgetBytes(0);
    store->gets = 0;
    EXPECT_EQ(ReadAll<std::uint8_t>(*array), all) << compress;
    // Verbatim: each shard's index, then its inner chunks in one merged read into place;
    // compressed chunks must be decoded anyway, so each shard is one whole read.
    EXPECT_EQ(store->gets, compress == "default" ? 4 : 2) << compress;
    SetCacheBudgetBytes(std::size_t{256} << 20);
  }
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

TEST(Array, DefaultChunkingGivesBigSamplesAChunkEachInShardsOfTheDefaultChunk) {
  ArraySpec images{{100000, 512, 512, 3}, {}, DataType::kUint8};
  const ChunkingChoice chosen = ResolveChunking(images);
  EXPECT_EQ(chosen.chunk_shape, (std::vector<std::int64_t>{1, 512, 512, 3}));
  EXPECT_EQ(chosen.shard_shape, DefaultChunkShape(images.shape, DataType::kUint8));
  // Below kChunkPerSampleFromBytes per sample: the default chunk, unsharded.
  ArraySpec rows{{100000, 4095}, {}, DataType::kFloat32};
  EXPECT_TRUE(ResolveChunking(rows).shard_shape.empty());
  rows.shape[1] = kChunkPerSampleFromBytes / 4;
  EXPECT_EQ(ResolveChunking(rows).chunk_shape[0], 1);
  // A chunk or a shard given, or a sample too big for the chunk to hold several: as asked.
  ArraySpec sharded = images;
  sharded.shard_shape = {20, 512, 512, 3};
  EXPECT_EQ(ResolveChunking(sharded).chunk_shape, DefaultChunkShape(images.shape, images.dtype));
  ArraySpec chunked = images;
  chunked.chunk_shape = {4, 512, 512, 3};
  EXPECT_TRUE(ResolveChunking(chunked).shard_shape.empty());
  ArraySpec huge{{10, 8192, 8192}, {}, DataType::kFloat32};
  EXPECT_TRUE(ResolveChunking(huge).shard_shape.empty());
}

}  // namespace
}  // namespace hub
