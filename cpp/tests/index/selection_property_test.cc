// Property test: random shapes, chunk shapes and selections read and written through the
// engine agree with a direct element-by-element evaluation of the same selection.
#include <gtest/gtest.h>

#include <random>

#include "hub/array.h"
#include "index/normalized_selection.h"

namespace hub {
namespace {

struct Case {
  std::vector<std::int64_t> shape;
  std::vector<std::int64_t> chunk;
  Selection selection;
};

Case RandomCase(std::mt19937& rng) {
  auto uniform = [&](std::int64_t low, std::int64_t high) {
    return std::uniform_int_distribution<std::int64_t>(low, high)(rng);
  };
  Case c;
  const auto rank = static_cast<std::size_t>(uniform(1, 4));
  bool list_used = false;
  for (std::size_t axis = 0; axis < rank; ++axis) {
    const std::int64_t extent = uniform(1, 9);
    c.shape.push_back(extent);
    c.chunk.push_back(uniform(1, extent + 2));
    switch (uniform(0, 3)) {
      case 0:
        c.selection.emplace_back(uniform(-extent, extent - 1));
        break;
      case 1:
        if (!list_used) {
          list_used = true;
          IndexList list;
          for (std::int64_t i = uniform(0, 5); i > 0; --i)
            list.push_back(uniform(-extent, extent - 1));
          c.selection.emplace_back(list);
          break;
        }
        [[fallthrough]];
      default: {
        Slice slice;
        if (uniform(0, 1)) slice.start = uniform(-extent - 2, extent + 2);
        if (uniform(0, 1)) slice.stop = uniform(-extent - 2, extent + 2);
        if (uniform(0, 1)) {
          std::int64_t step = uniform(-3, 3);
          slice.step = step == 0 ? 1 : step;
        }
        c.selection.emplace_back(slice);
      }
    }
  }
  return c;
}

// Value stored at an element: its C-order position, so every element is distinct.
std::int32_t ValueAt(const std::vector<std::int64_t>& shape, const std::vector<std::int64_t>& at) {
  std::int64_t linear = 0;
  for (std::size_t axis = 0; axis < shape.size(); ++axis) linear = linear * shape[axis] + at[axis];
  return static_cast<std::int32_t>(linear);
}

// Output position k (C order over the output axes) -> array coordinates, straight from the
// normalised selection, with no chunking involved.
std::vector<std::int64_t> SourceOf(const index::NormalizedSelection& selection, std::int64_t k) {
  std::vector<std::int64_t> at(selection.dims.size());
  for (std::size_t axis = 0; axis < at.size(); ++axis) at[axis] = selection.dims[axis].start;
  for (std::size_t i = selection.output_axes.size(); i-- > 0;) {
    const std::size_t axis = selection.output_axes[i];
    const std::int64_t count = selection.dims[axis].count;
    at[axis] = selection.dims[axis].Coordinate(k % count);
    k /= count;
  }
  return at;
}

TEST(SelectionProperty, ReadsAndWritesAgreeWithElementwiseEvaluation) {
  std::mt19937 rng(20261124);
  for (int iteration = 0; iteration < 600; ++iteration) {
    const Case c = RandomCase(rng);
    auto store = MakeMemoryStore();
    auto array = Array::Create(store, "a", {c.shape, c.chunk, DataType::kInt32, "default", 0.5});
    std::int64_t total = 1;
    for (auto extent : c.shape) total *= extent;
    std::vector<std::int32_t> all(static_cast<std::size_t>(total));
    for (std::int64_t i = 0; i < total; ++i)
      all[static_cast<std::size_t>(i)] = static_cast<std::int32_t>(i);
    array->Write(array->Select({}), std::as_bytes(std::span(all)));

    const auto selection = index::Normalize(c.selection, c.shape);
    const Region region = array->Select(c.selection);
    std::vector<std::int32_t> out(region.num_bytes() / 4);
    array->Read(region, std::as_writable_bytes(std::span(out)));
    for (std::size_t k = 0; k < out.size(); ++k) {
      ASSERT_EQ(out[k], ValueAt(c.shape, SourceOf(selection, static_cast<std::int64_t>(k))))
          << "iteration " << iteration << ", output element " << k;
    }

    // Write negated values through the same selection; each picked element must change.
    for (auto& value : out) value = -value - 1;
    array->Write(region, std::as_bytes(std::span(out)));
    std::vector<std::int32_t> after(all.size());
    array->Read(array->Select({}), std::as_writable_bytes(std::span(after)));
    std::vector<std::int32_t> expected = all;
    for (std::size_t k = 0; k < out.size(); ++k) {
      const auto at = SourceOf(selection, static_cast<std::int64_t>(k));
      expected[static_cast<std::size_t>(ValueAt(c.shape, at))] = out[k];
    }
    ASSERT_EQ(after, expected) << "iteration " << iteration;
  }
}

}  // namespace
}  // namespace hub
