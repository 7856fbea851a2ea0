// hub::Dataset from C++: the group format zarr-python reads, the on-exists policies, plain
// Zarr groups, and the checks on components.
#include "hub/dataset.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "hub/attributes.h"
#include "hub/errors.h"

namespace hub {
namespace {

std::shared_ptr<Store> StoreWithArrays() {
  auto store = MakeMemoryStore();
  Array::Create(store, "data/images", {{10, 4, 4}, {}, DataType::kUint8, "default", 0.5});
  Array::Create(store, "data/labels", {{10}, {}, DataType::kInt64, "default", 0.5});
  Array::Create(store, "data/other", {{7}, {}, DataType::kInt64, "default", 0.5});
  return store;
}

TEST(Dataset, CreateRecordsTheComponentsInOrderAndOpenReadsThem) {
  auto store = StoreWithArrays();
  const auto created =
      Dataset::Create(store, "train", {{"labels", "data/labels"}, {"images", "data/images"}});
  EXPECT_EQ(created.shape(), (std::vector<std::int64_t>{10}));
  EXPECT_EQ(created.length(), 10);
  const auto group = nlohmann::json::parse(ReadNode(*store, "train").attributes_json);
  EXPECT_EQ(group["hub_v1"]["components"]["images"], "data/images");
  EXPECT_EQ(group["hub_v1"]["order"], (nlohmann::json{"labels", "images"}));

  const auto opened = Dataset::Open(store, "train");
  ASSERT_EQ(opened.components().size(), 2u);
  EXPECT_EQ(opened.components()[0].name, "labels");  // creation order, not sorted
  EXPECT_EQ(opened.array("images")->shape(), (std::vector<std::int64_t>{10, 4, 4}));
  EXPECT_THROW(opened.array("missing"), NotFoundError);
}

TEST(Dataset, OnExistsPolicies) {
  auto store = StoreWithArrays();
  Dataset::Create(store, "d", {{"x", "data/images"}});
  EXPECT_THROW(Dataset::Create(store, "d", {{"x", "data/images"}}), ContainsNodeError);
  const auto same = Dataset::Create(store, "d", {{"x", "data/images"}}, OnExists::kReopenIfSame);
  EXPECT_EQ(same.components()[0].array_path, "data/images");
  EXPECT_THROW(Dataset::Create(store, "d", {{"x", "data/labels"}}, OnExists::kReopenIfSame),
               ContainsNodeError);
  Dataset::Create(store, "d", {{"y", "data/labels"}}, OnExists::kOverwrite);
  EXPECT_EQ(Dataset::Open(store, "d").components()[0].name, "y");
  EXPECT_EQ(Array::Open(store, "data/images")->shape()[0], 10);  // components stay
  EXPECT_THROW(
      Dataset::Create(store, "data/images", {{"x", "data/labels"}}, OnExists::kReopenIfSame),
      ContainsNodeError);  // an array is there
  // "data" is the plain group creating its arrays made: reopening makes it the dataset,
  // keeping its attributes; an error refuses it.
  CreateGroup(*store, "data", R"({"owner": "me"})");
  EXPECT_THROW(Dataset::Create(store, "data", {{"x", "data/images"}}), ContainsNodeError);
  const auto adopted =
      Dataset::Create(store, "data", {{"x", "data/images"}}, OnExists::kReopenIfSame);
  EXPECT_EQ(adopted.length(), 10);
  const auto group = nlohmann::json::parse(ReadNode(*store, "data").attributes_json);
  EXPECT_EQ(group["owner"], "me");
  EXPECT_EQ(Dataset::Open(store, "data").components()[0].array_path, "data/images");
}

TEST(Dataset, BadComponentsAreErrorsBeforeAnythingIsWritten) {
  auto store = StoreWithArrays();
  EXPECT_THROW(Dataset::Create(store, "d", {}), InvalidArgumentError);
  EXPECT_THROW(Dataset::Create(store, "d", {{"", "data/images"}}), InvalidArgumentError);
  EXPECT_THROW(Dataset::Create(store, "d", {{"x", "data/images"}, {"x", "data/labels"}}),
               InvalidArgumentError);
  EXPECT_THROW(Dataset::Create(store, "d", {{"x", "data/nothing"}}), NotFoundError);
  try {
    Dataset::Create(store, "d", {{"images", "data/images"}, {"other", "data/other"}});
    FAIL() << "arrays of 10 and 7 made a dataset";
  } catch (const InvalidArgumentError& error) {
    EXPECT_NE(std::string(error.what()).find("share their first dimension"), std::string::npos);
  }
  EXPECT_EQ(ReadNode(*store, "d").kind, NodeKind::kMissing);
}

TEST(Dataset, APlainZarrGroupOpensWithItsChildArrays) {
  auto store = StoreWithArrays();
  Array::Create(store, "data/nested/deep", {{10}, {}, DataType::kUint8, "default", 0.5});
  EXPECT_FALSE(DatasetComponentsOf(ReadNode(*store, "data")).has_value());
  EXPECT_THROW(Dataset::Open(store, "data"), InvalidArgumentError);  // 10 and 7 share nothing
  auto group_store = MakeMemoryStore();
  Array::Create(group_store, "g/a", {{5, 2}, {}, DataType::kUint8, "default", 0.5});
  Array::Create(group_store, "g/b", {{5}, {}, DataType::kUint8, "default", 0.5});
  const auto plain = Dataset::Open(group_store, "g");
  EXPECT_EQ(plain.components(), (std::vector<DatasetComponent>{{"a", "g/a"}, {"b", "g/b"}}));
  EXPECT_THROW(Dataset::Open(group_store, "g/a"), NotFoundError);  // an array, not a group
}

TEST(Dataset, AssembleChecksWithoutTouchingTheGroup) {
  auto store = StoreWithArrays();
  const auto assembled = Dataset::Assemble(store, "never/written", {{"x", "data/labels"}});
  EXPECT_EQ(assembled.length(), 10);
  EXPECT_EQ(ReadNode(*store, "never/written").kind, NodeKind::kMissing);
}

}  // namespace
}  // namespace hub

namespace hub {
namespace {

TEST(UserAttributes, UpdatesMergeKeepHubV1sKeyAndRefuseItsName) {
  auto store = MakeMemoryStore();
  auto array = Array::Create(store, "a", {{4}, {}, DataType::kUint8});
  EXPECT_EQ(ReadUserAttributes(*store, "a"), "{}");
  EXPECT_EQ(UpdateUserAttributes(*store, "a", R"({"names": ["cat", "dog"], "n": 2})"),
            R"({"n":2,"names":["cat","dog"]})");
  EXPECT_EQ(UpdateUserAttributes(*store, "a", "{}", {"n", "absent"}), R"({"names":["cat","dog"]})");
  EXPECT_EQ(Array::Open(store, "a")->compress(), "default");  // hub_v1's own key kept
  EXPECT_THROW(UpdateUserAttributes(*store, "a", R"({"hub_v1": 1})"), InvalidArgumentError);
  EXPECT_THROW(UpdateUserAttributes(*store, "a", "{}", {"hub_v1"}), InvalidArgumentError);
  EXPECT_THROW(UpdateUserAttributes(*store, "a", "[1]"), InvalidArgumentError);
  EXPECT_THROW(UpdateUserAttributes(*store, "a", "{"), InvalidArgumentError);
  EXPECT_THROW(ReadUserAttributes(*store, "missing"), NotFoundError);
  EXPECT_EQ(ReadUserAttributes(*store, "a"), R"({"names":["cat","dog"]})");
}

}  // namespace
}  // namespace hub
