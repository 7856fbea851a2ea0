// Arrays and datasets that grow from C++: Extend, ArrayAppender, Resize, Refresh, and a
// dataset append (fixed and ragged components) whose commit fails part-way.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <numeric>
#include <thread>
#include <vector>

#include "hub/array.h"
#include "hub/dataset.h"
#include "hub/errors.h"
#include "hub/ragged_array.h"

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

TEST(Growth, AnAppenderRewindsBeforeCommitAndUndoesAfter) {
  auto store = MakeMemoryStore();
  auto array = Array::Create(store, "a", {{0}, {4}, DataType::kInt32, "default", 0.5});
  array->Extend(Bytes(Iota(6, 0)), 6);
  ArrayAppender appender(array);
  EXPECT_EQ(appender.stored_length(), 6);
  EXPECT_THROW(appender.Rewind(7), InvalidArgumentError);
  appender.Rewind(4);
  appender.Write(Bytes(Iota(4, 40)), 4);                // replaces 4 and 5, then grows to 8
  EXPECT_THROW(appender.Undo(), InvalidArgumentError);  // nothing committed yet
  EXPECT_EQ(appender.Commit(), 8);
  EXPECT_EQ(ReadAll(*Array::Open(store, "a")),
            (std::vector<std::int32_t>{0, 1, 2, 3, 40, 41, 42, 43}));
  EXPECT_THROW(appender.Rewind(0), InvalidArgumentError);
  appender.Undo();
  EXPECT_EQ(array->shape()[0], 6);
  EXPECT_EQ(Array::Open(store, "a")->shape()[0], 6);
}

// One sample of a ragged int32 array of shape (N, None): `count` values from `first`.
struct RaggedValues {
  std::vector<std::int32_t> values;
  SampleInput input() const {
    return {std::as_bytes(std::span(values)), {static_cast<std::int64_t>(values.size())}, false};
  }
};

TEST(Growth, ADatasetGrowsItsRaggedComponentsWithTheOthersOrNotAtAll) {
  auto store = std::make_shared<FailingStore>();
  auto labels_array = Array::Create(store, "labels", {{0}, {}, DataType::kInt32, "default", 0.5});
  RaggedSpec spec;
  spec.sample_shape = {std::nullopt};
  spec.dtype = DataType::kInt32;
  spec.samples_per_shard = 2;
  auto boxes = RaggedArray::Create(store, "boxes", spec);
  // The dataset shares these handles: growth through it shows in `boxes`.
  Dataset dataset = Dataset::Create(store, "d", {{"labels", "labels"}, {"boxes", "boxes"}},
                                    OnExists::kError, nullptr, {labels_array, boxes});
  EXPECT_EQ(dataset.shape(), (std::vector<std::int64_t>{0}));
  EXPECT_THROW(dataset.array("boxes"), InvalidArgumentError);

  const std::vector<RaggedValues> first{{Iota(3, 0)}, {{}}, {Iota(1, 9)}};
  const std::vector<SampleInput> first_inputs{first[0].input(), first[1].input(), first[2].input()};
  const std::vector<std::int32_t> labels{1, 2, 3};
  std::vector<ComponentSamples> samples{{"labels", std::as_bytes(std::span(labels))},
                                        {"boxes", std::span(first_inputs)}};
  EXPECT_EQ(dataset.Extend(samples, 3), 3);
  EXPECT_EQ(boxes->length(), 3);
  const auto opened = Dataset::Open(store, "d");
  const auto& ragged = std::get<std::shared_ptr<RaggedArray>>(opened.component("boxes"));
  EXPECT_EQ(ragged->length(), 3);
  EXPECT_EQ(ragged->Read({Slice{2, 3, 1}}).samples.at(0).shape, (std::vector<std::int64_t>{1}));

  // labels commits after boxes (creation order): its failure takes boxes back to 3 samples.
  store->failing_key = "labels/zarr.json";
  store->fail = true;
  EXPECT_THROW(dataset.Extend(samples, 3), StorageError);
  store->fail = false;
  EXPECT_EQ(RaggedArray::Open(store, "boxes")->length(), 3);
  EXPECT_EQ(boxes->length(), 3);
  EXPECT_EQ(Dataset::Open(store, "d").length(), 3);

  // A ragged component an interrupted append left longer is overwritten from the dataset's
  // length.
  const std::vector<SampleInput> leftover{first[0].input(), first[0].input()};
  EXPECT_EQ(boxes->Extend(leftover), 5);
  dataset.Refresh();
  EXPECT_EQ(dataset.length(), 3);
  const std::vector<SampleInput> one_input{first[2].input()};
  const std::vector<std::int32_t> one_label{4};
  const std::vector<ComponentSamples> one{{"labels", std::as_bytes(std::span(one_label))},
                                          {"boxes", std::span(one_input)}};
  EXPECT_EQ(dataset.Extend(one, 1), 4);
  const auto sample = boxes->Read({std::int64_t{3}});
  EXPECT_EQ(sample.samples.at(0).shape, (std::vector<std::int64_t>{1}));  // not the leftover

  // A component given values of the other kind, or too few, is refused; nothing commits.
  const std::vector<ComponentSamples> swapped{{"labels", std::span(one_input)},
                                              {"boxes", std::as_bytes(std::span(one_label))}};
  EXPECT_THROW(dataset.Extend(swapped, 1), InvalidArgumentError);
  const std::vector<ComponentSamples> short_boxes{{"labels", std::as_bytes(std::span(labels))},
                                                  {"boxes", std::span(one_input)}};
  EXPECT_THROW(dataset.Extend(short_boxes, 3), InvalidArgumentError);
  EXPECT_EQ(Dataset::Open(store, "d").length(), 4);
}

// Dataset "d" of int32 `labels` (chunks of 4) and ragged int32 `boxes` (4 to a shard).
Dataset CreateLabelsAndBoxes(const std::shared_ptr<Store>& store) {
  Array::Create(store, "labels", {{0}, {4}, DataType::kInt32, "default", 0.5});
  RaggedSpec spec;
  spec.sample_shape = {std::nullopt};
  spec.dtype = DataType::kInt32;
  spec.samples_per_shard = 4;
  RaggedArray::Create(store, "boxes", spec);
  return Dataset::Create(store, "d", {{"labels", "labels"}, {"boxes", "boxes"}});
}

TEST(Growth, ADatasetAppenderResumesAfterSamplesAnEarlyDeathStagedAndCommitsOnce) {
  auto store = MakeMemoryStore();
  Dataset dataset = CreateLabelsAndBoxes(store);
  const std::vector<RaggedValues> rows{{Iota(1, 0)}, {Iota(2, 10)}, {Iota(3, 20)}, {{}}};
  const std::vector<SampleInput> inputs{rows[0].input(), rows[1].input(), rows[2].input(),
                                        rows[3].input()};
  const std::vector<std::int32_t> labels = Iota(4, 100);
  const std::vector<ComponentSamples> batch{{"labels", std::as_bytes(std::span(labels))},
                                            {"boxes", std::span(inputs)}};
  {
    DatasetAppender dying(dataset);  // writes two batches, then its process "dies"
    dying.Write(batch, 4);
    dying.Write(batch, 4);
    EXPECT_EQ(dying.length(), 8);
  }
  EXPECT_EQ(Dataset::Open(store, "d").length(), 0);  // nothing staged shows
  DatasetAppender resumed(dataset);
  EXPECT_THROW(resumed.Resume(-1), InvalidArgumentError);
  resumed.Resume(8);
  resumed.Write(batch, 4);
  EXPECT_EQ(resumed.Commit(), 12);
  EXPECT_THROW(resumed.Write(batch, 4), InvalidArgumentError);
  const auto opened = Dataset::Open(store, "d");
  EXPECT_EQ(opened.length(), 12);
  const auto& boxes = std::get<std::shared_ptr<RaggedArray>>(opened.component("boxes"));
  EXPECT_EQ(boxes->Shapes(Slice{}),
            (std::vector<std::int64_t>{1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0}));
  std::vector<std::int32_t> expected;
  for (int run = 0; run < 3; ++run) expected.insert(expected.end(), labels.begin(), labels.end());
  EXPECT_EQ(ReadAll(*opened.array("labels")), expected);
}

TEST(Growth, StagingAppendersWriteDisjointPartsBesideTheCommittingOneWithoutTakingItsTurn) {
  auto store = MakeMemoryStore();
  Dataset dataset = CreateLabelsAndBoxes(store);
  // The committing appender holds every turn from the start; the stagers never wait on it.
  DatasetAppender committing(dataset);
  // The parts in reverse, each on its own thread: a part written after those past it must
  // keep their samples in the objects they share (here every one: the shapes array's 1024-row
  // chunks hold all three parts).
  for (int part = 2; part >= 0; --part) {
    std::thread stager([&dataset, part] {
      const std::vector<RaggedValues> rows{
          {Iota(part + 1, 10 * part)}, {{}}, {Iota(2, 5)}, {Iota(1, part)}};
      const std::size_t count = part == 2 ? 3 : 4;  // the last part ends short
      std::vector<SampleInput> inputs;
      for (std::size_t k = 0; k < count; ++k) inputs.push_back(rows[k].input());
      const std::vector<std::int32_t> labels = Iota(count, 100 * part);
      const std::vector<ComponentSamples> batch{{"labels", std::as_bytes(std::span(labels))},
                                                {"boxes", std::span(inputs)}};
      DatasetAppender stager(dataset, AppendMode::kStage);
      stager.Resume(4 * part);
      stager.Write(batch, static_cast<std::int64_t>(count));
      EXPECT_THROW(stager.Commit(), InvalidArgumentError);
    });
    stager.join();
  }
  EXPECT_EQ(Dataset::Open(store, "d").length(), 0);  // staged, not visible
  committing.Resume(11);
  EXPECT_EQ(committing.Commit(), 11);
  const auto opened = Dataset::Open(store, "d");
  const auto& boxes = std::get<std::shared_ptr<RaggedArray>>(opened.component("boxes"));
  EXPECT_EQ(boxes->Shapes(Slice{}), (std::vector<std::int64_t>{1, 0, 2, 1, 2, 0, 2, 1, 3, 0, 2}));
  std::vector<std::int32_t> expected;
  for (int part = 0; part < 3; ++part) {
    const std::vector<std::int32_t> labels = Iota(part == 2 ? 3 : 4, 100 * part);
    expected.insert(expected.end(), labels.begin(), labels.end());
  }
  EXPECT_EQ(ReadAll(*opened.array("labels")), expected);
  const Selection ninth{DimIndex{std::int64_t{8}}};
  const auto read = boxes->Read(ninth);
  ASSERT_EQ(read.samples.size(), 1U);
  const auto* values = reinterpret_cast<const std::int32_t*>(read.samples[0].values.data());
  EXPECT_EQ(std::vector<std::int32_t>(values, values + 3), Iota(3, 20));
}

}  // namespace
}  // namespace hub
