// numpy's rules for ints, slices, ellipsis and index lists, case by case.
#include "index/normalized_selection.h"

#include <gtest/gtest.h>

#include "hub/errors.h"

namespace hub::index {
namespace {

std::vector<std::int64_t> Coordinates(const DimSelection& dim) {
  std::vector<std::int64_t> result;
  for (std::int64_t k = 0; k < dim.count; ++k) result.push_back(dim.Coordinate(k));
  return result;
}

using V = std::vector<std::int64_t>;

TEST(Normalize, SlicesFollowPython) {
  const std::int64_t shape[] = {10};
  auto coords = [&](Slice s) { return Coordinates(Normalize({s}, shape).dims[0]); };
  EXPECT_EQ(coords({}), (V{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
  EXPECT_EQ(coords({2, 8, 3}), (V{2, 5}));
  EXPECT_EQ(coords({std::nullopt, std::nullopt, -3}), (V{9, 6, 3, 0}));
  EXPECT_EQ(coords({-2, std::nullopt, std::nullopt}), (V{8, 9}));
  EXPECT_EQ(coords({8, 2, -2}), (V{8, 6, 4}));
  EXPECT_EQ(coords({-100, 100, std::nullopt}).size(), 10u);
  EXPECT_EQ(coords({100, -100, -1}), (V{9, 8, 7, 6, 5, 4, 3, 2, 1, 0}));
  EXPECT_TRUE(coords({5, 5, std::nullopt}).empty());
  EXPECT_TRUE(coords({2, 8, -1}).empty());
  EXPECT_THROW(coords({std::nullopt, std::nullopt, 0}), InvalidArgumentError);
}

TEST(Normalize, IntegersDropAxesAndAreBoundsChecked) {
  const std::int64_t shape[] = {4, 5};
  const auto selection = Normalize({std::int64_t{-1}}, shape);
  EXPECT_TRUE(selection.dims[0].dropped());
  EXPECT_EQ(selection.dims[0].start, 3);
  EXPECT_EQ(selection.OutputShape(), (V{5}));
  EXPECT_THROW(Normalize({std::int64_t{4}}, shape), OutOfBoundsError);
  EXPECT_THROW(Normalize({std::int64_t{-5}}, shape), OutOfBoundsError);
  EXPECT_THROW(Normalize({std::int64_t{0}, std::int64_t{0}, std::int64_t{0}}, shape),
               OutOfBoundsError);
}

TEST(Normalize, EllipsisExpands) {
  const std::int64_t shape[] = {2, 3, 4};
  EXPECT_EQ(Normalize({Ellipsis{}, std::int64_t{1}}, shape).OutputShape(), (V{2, 3}));
  EXPECT_EQ(Normalize({std::int64_t{1}, Ellipsis{}}, shape).OutputShape(), (V{3, 4}));
  EXPECT_EQ(Normalize({Ellipsis{}}, shape).OutputShape(), (V{2, 3, 4}));
  EXPECT_THROW(Normalize({Ellipsis{}, Ellipsis{}}, shape), InvalidArgumentError);
}

TEST(Normalize, IndexListsGatherAndMoveFirstWhenSeparatedFromIntegers) {
  const std::int64_t shape[] = {5, 6, 7};
  const auto adjacent = Normalize({Slice{}, std::int64_t{0}, IndexList{1, -1}}, shape);
  EXPECT_EQ(adjacent.OutputShape(), (V{5, 2}));
  EXPECT_EQ(Coordinates(adjacent.dims[2]), (V{1, 6}));
  const auto separated = Normalize({std::int64_t{0}, Slice{}, IndexList{1, 2, 3}}, shape);
  EXPECT_EQ(separated.OutputShape(), (V{3, 6}));  // as numpy: a[0, :, [1, 2, 3]].shape
  EXPECT_THROW(Normalize({IndexList{0}, IndexList{0}}, shape), InvalidArgumentError);
  EXPECT_THROW(Normalize({IndexList{5}}, shape), OutOfBoundsError);
}

}  // namespace
}  // namespace hub::index
