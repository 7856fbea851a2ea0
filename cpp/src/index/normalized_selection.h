// Turns a user Selection into explicit, bounds-checked coordinates per axis, numpy's way.
// Pure math: no I/O, no threads.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "hub/selection.h"

namespace hub::index {

// The coordinates one array axis contributes, in output order.
struct DimSelection {
  enum class Kind { kIndex, kRange, kList };

  Kind kind = Kind::kRange;
  std::int64_t start = 0;                 // kIndex: the coordinate; kRange: the first coordinate
  std::int64_t step = 1;                  // kRange only; never 0
  std::int64_t count = 0;                 // how many coordinates (1 for kIndex)
  std::vector<std::int64_t> coordinates;  // kList only, already non-negative

  std::int64_t Coordinate(std::int64_t k) const {
    return kind == Kind::kList ? coordinates[static_cast<std::size_t>(k)] : start + k * step;
  }
  bool dropped() const { return kind == Kind::kIndex; }
};

struct NormalizedSelection {
  std::vector<DimSelection> dims;  // one per array axis
  // Array axes in the order they appear in the output (dropped axes left out). Usually
  // ascending; numpy moves a gathered axis to the front when a slice separates it from an
  // integer index, and so do we.
  std::vector<std::size_t> output_axes;

  std::vector<std::int64_t> OutputShape() const;
  std::int64_t NumElements() const;
};

// Normalises `selection` against `shape`. Throws OutOfBoundsError for indices outside the
// array and too many indices; InvalidArgumentError for a zero step or a second index list.
NormalizedSelection Normalize(const Selection& selection, std::span<const std::int64_t> shape);

}  // namespace hub::index
