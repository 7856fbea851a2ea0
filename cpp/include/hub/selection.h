// A numpy-style selection as users write it: one entry per indexed axis.
// Integers drop their axis; slices keep it; one integer list per selection gathers along an axis.
#pragma once

#include <cstdint>
#include <optional>
#include <variant>
#include <vector>

namespace hub {

// Python's slice(start, stop, step); a missing part takes numpy's default.
struct Slice {
  std::optional<std::int64_t> start;
  std::optional<std::int64_t> stop;
  std::optional<std::int64_t> step;
};

// `...`: as many full slices as the other entries leave unindexed.
struct Ellipsis {};

// Coordinates to gather along one axis, in output order; negative values count from the end.
using IndexList = std::vector<std::int64_t>;

using DimIndex = std::variant<std::int64_t, Slice, IndexList, Ellipsis>;

// Entries for the leading axes; axes left out are taken whole.
using Selection = std::vector<DimIndex>;

}  // namespace hub
