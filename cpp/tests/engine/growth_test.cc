// Arrays and datasets that grow from C++: Extend, ArrayAppender, Resize, Refresh, and a
// dataset append whose commit fails part-way.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <numeric>
#include <vector>

#include "hub/array.h"
#include "hub/dataset.h"
#include "hub/errors.h"

namespace hub {
namespace {

std::vector<std::int32_t> ReadAll(const Array& array) {
  const Region region = array.Select({});
  std::vector<std::int32_t> values(region.num_bytes() / sizeof(std::int32_t));
  array.Read(region, std::as_writable_bytes(std::span(values)));
  return values;
}

std::span<const std::byte> Bytes(const std::vector<std::int32_t>& values) {
  return std::as_bytes(std::span(values));
}

std::vector<std::int32_t> Iota(std::size_t count, std::int32_t first) {
  std::vector<std::int32_t> values(count);
  std::iota(values.begin(), values.end(), first);
  return values;
}

TEST(Growth, ExtendWritesAfterTheStoredLengthAndCommitsTheShape) {
  auto store = MakeMemoryStore();
  auto array = Array::Create(store, "a", {{0, 2}, {3, 2}, DataType::kInt32, "zstd", 0.5});
  EXPECT_EQ(array->Extend(Bytes(Iota(10, 0)), 5), 5);
  auto other = Array::Open(store, "a");
  EXPECT_EQ(other->Extend(Bytes(Iota(4, 10)), 2), 7);            // from the stored 5
  EXPECT_EQ(array->shape(), (std::vector<std::int64_t>{5, 2}));  // until refreshed
  array->Refresh();
  EXPECT_EQ(ReadAll(*array), Iota(14, 0));
  EXPECT_THROW(array->Extend(Bytes(Iota(3, 0)), 2), InvalidArgumentError);
}

TEST(Growth, AnAppenderCommitsAllItsBatchesAtOnceOrNothing) {
  auto store = MakeMemoryStore();
  auto array = Array::Create(store, "a", {{1}, {4}, DataType::kInt32, "default", 0.5});
  {
    ArrayAppender appender(array);
    appender.Write(Bytes(Iota(6, 1)), 6);
    EXPECT_EQ(appender.length(), 7);
    EXPECT_EQ(Array::Open(store, "a")->shape()[0], 1);  // written, not yet visible
  }                                                     // destroyed without Commit
  EXPECT_EQ(Array::Open(store, "a")->shape()[0], 1);
  ArrayAppender appender(array);
  for (std::int32_t batch = 0; batch < 3; ++batch) {
    appender.Write(Bytes(Iota(3, 1 + 3 * batch)), 3);
  }
  EXPECT_EQ(appender.Commit(), 10);
  EXPECT_THROW(appender.Commit(), InvalidArgumentError);
  EXPECT_EQ(ReadAll(*Array::Open(store, "a")), Iota(10, 0));
}

TEST(Growth, ResizeClearsWhatGrowingExposesAndRefusesOldRegions) {
  auto store = MakeMemoryStore();
  auto array = Array::Create(
      store, "a",
      {{6, 2}, {4, 2}, DataType::kInt32, "default", 0.5, {}, {8, 2}});  // one shard of two chunks
  const Region whole = array->Select({});
  array->Write(whole, Bytes(Iota(12, 1)));
  const std::vector<std::int64_t> shorter{3, 2};
  array->Resize(shorter);
  EXPECT_THROW(array->Read(whole, {}), InvalidArgumentError);  // planned at the old shape
  const std::vector<std::int64_t> longer{9, 2};
  array->Resize(longer);
  std::vector<std::int32_t> expected = Iota(6, 1);
  expected.resize(18, 0);
  EXPECT_EQ(ReadAll(*Array::Open(store, "a")), expected);
  const std::vector<std::int64_t> other_rank{9};
  EXPECT_THROW(array->Resize(other_rank), InvalidArgumentError);
}

// A memory store whose writes of one key fail while `fail` is set.
class FailingStore final : public Store {
 public:
  std::shared_ptr<Store> inner = MakeMemoryStore();
  std::string failing_key;
  std::atomic<bool> fail = false;

  ReadResult Read(const std::string& key, const ReadOptions& options) override {
    return inner->Read(key, options);
  }
  std::string PutParts(const std::string& key,
                       std::span<const std::span<const std::byte>> parts) override {
    if (fail && key == failing_key) throw StorageError("injected failure writing " + key);
    return inner->PutParts(key, parts);
  }
  void Delete(const std::string& key) override { inner->Delete(key); }
  std::vector<std::string> List(const std::string& prefix) override { return inner->List(prefix); }
  bool Exists(const std::string& key) override { return inner->Exists(key); }
  std::string Describe() const override { return "failing:" + inner->Describe(); }
};

TEST(Growth, ADatasetAppendThatFailsToCommitKeepsEveryComponentsLength) {
  auto store = std::make_shared<FailingStore>();
  Array::Create(store, "a", {{0}, {}, DataType::kInt32, "default", 0.5});
  Array::Create(store, "b", {{0}, {}, DataType::kInt32, "default", 0.5});
  Dataset dataset = Dataset::Create(store, "d", {{"a", "a"}, {"b", "b"}});
  const std::vector<std::int32_t> one{7};
  const std::vector<ComponentSamples> samples{{"a", std::as_bytes(std::span(one))},
                                              {"b", std::as_bytes(std::span(one))}};
  EXPECT_EQ(dataset.Extend(samples, 1), 1);
  store->failing_key = "b/zarr.json";
  store->fail = true;
  EXPECT_THROW(dataset.Extend(samples, 1), StorageError);
  store->fail = false;
  EXPECT_EQ(Array::Open(store, "a")->shape()[0], 1);  // a's commit was undone
  EXPECT_EQ(Dataset::Open(store, "d").length(), 1);
  EXPECT_EQ(dataset.Extend(samples, 1), 2);

  const std::vector<ComponentSamples> missing{{"a", std::as_bytes(std::span(one))}};
  EXPECT_THROW(dataset.Extend(missing, 1), InvalidArgumentError);
  const std::vector<ComponentSamples> unknown{{"a", std::as_bytes(std::span(one))},
                                              {"b", std::as_bytes(std::span(one))},
                                              {"c", std::as_bytes(std::span(one))}};
  EXPECT_THROW(dataset.Extend(unknown, 1), NotFoundError);
  EXPECT_EQ(Dataset::Open(store, "d").length(), 2);
}

}  // namespace
}  // namespace hub
