// Normalisation of numpy-style selections (see normalized_selection.h).
#include "index/normalized_selection.h"

#include <string>

#include "hub/errors.h"

namespace hub::index {
namespace {

std::int64_t NormalizeInteger(std::int64_t value, std::int64_t size, std::size_t axis) {
  if (value < -size || value >= size) {
    throw OutOfBoundsError("index " + std::to_string(value) + " is out of bounds for axis " +
                           std::to_string(axis) + " with size " + std::to_string(size));
  }
  return value < 0 ? value + size : value;
}

// Python's slice.indices(size) followed by the element count.
DimSelection NormalizeSlice(const Slice& slice, std::int64_t size) {
  const std::int64_t step = slice.step.value_or(1);
  if (step == 0) throw InvalidArgumentError("slice step cannot be zero");
  auto clamp = [&](std::int64_t value, std::int64_t low, std::int64_t high) {
    if (value < 0) value += size;
    return value < low ? low : (value > high ? high : value);
  };
  DimSelection dim;
  dim.kind = DimSelection::Kind::kRange;
  dim.step = step;
  std::int64_t stop = 0;
  if (step > 0) {
    dim.start = slice.start ? clamp(*slice.start, 0, size) : 0;
    stop = slice.stop ? clamp(*slice.stop, 0, size) : size;
    dim.count = stop > dim.start ? (stop - dim.start + step - 1) / step : 0;
  } else {
    dim.start = slice.start ? clamp(*slice.start, -1, size - 1) : size - 1;
    stop = slice.stop ? clamp(*slice.stop, -1, size - 1) : -1;
    dim.count = dim.start > stop ? (dim.start - stop - step - 1) / (-step) : 0;
  }
  if (dim.count == 0) dim.start = 0;
  return dim;
}

}  // namespace

std::vector<std::int64_t> NormalizedSelection::OutputShape() const {
  std::vector<std::int64_t> shape;
  shape.reserve(output_axes.size());
  for (std::size_t axis : output_axes) shape.push_back(dims[axis].count);
  return shape;
}

std::int64_t NormalizedSelection::NumElements() const {
  std::int64_t n = 1;
  for (const auto& dim : dims) n *= dim.count;
  return n;
}

NormalizedSelection Normalize(const Selection& selection, std::span<const std::int64_t> shape) {
  const std::size_t rank = shape.size();
  std::size_t explicit_entries = 0;
  bool has_ellipsis = false;
  for (const auto& entry : selection) {
    if (std::holds_alternative<Ellipsis>(entry)) {
      if (has_ellipsis)
        throw InvalidArgumentError("an index can only have a single ellipsis ('...')");
      has_ellipsis = true;
    } else {
      ++explicit_entries;
    }
  }
  if (explicit_entries > rank) {
    throw OutOfBoundsError("too many indices: the array is " + std::to_string(rank) +
                           "-dimensional, but " + std::to_string(explicit_entries) +
                           " were indexed");
  }

  NormalizedSelection result;
  result.dims.reserve(rank);
  int list_axis = -1;
  std::vector<std::size_t> integer_axes;
  auto take_whole = [&] {
    result.dims.push_back(NormalizeSlice(Slice{}, shape[result.dims.size()]));
  };
  for (const auto& entry : selection) {
    if (std::holds_alternative<Ellipsis>(entry)) {
      for (std::size_t i = explicit_entries; i < rank; ++i) take_whole();
      continue;
    }
    const std::size_t axis = result.dims.size();
    const std::int64_t size = shape[axis];
    if (const auto* integer = std::get_if<std::int64_t>(&entry)) {
      DimSelection dim;
      dim.kind = DimSelection::Kind::kIndex;
      dim.start = NormalizeInteger(*integer, size, axis);
      dim.count = 1;
      integer_axes.push_back(axis);
      result.dims.push_back(dim);
    } else if (const auto* slice = std::get_if<Slice>(&entry)) {
      result.dims.push_back(NormalizeSlice(*slice, size));
    } else {
      const auto& list = std::get<IndexList>(entry);
      if (list_axis >= 0) {
        throw InvalidArgumentError(
            "only one axis can be indexed by an integer list or array; index the others with "
            "integers or slices");
      }
      list_axis = static_cast<int>(axis);
      DimSelection dim;
      dim.kind = DimSelection::Kind::kList;
      dim.count = static_cast<std::int64_t>(list.size());
      dim.coordinates.reserve(list.size());
      for (std::int64_t value : list)
        dim.coordinates.push_back(NormalizeInteger(value, size, axis));
      result.dims.push_back(std::move(dim));
    }
  }
  while (result.dims.size() < rank) take_whole();

  // numpy treats integers as advanced indices when a list is present: if the integers and the
  // list are not all adjacent, the gathered axis moves to the front of the result.
  bool gathered_axis_first = false;
  if (list_axis >= 0) {
    for (std::size_t axis : integer_axes) {
      const std::size_t low = std::min<std::size_t>(axis, list_axis);
      const std::size_t high = std::max<std::size_t>(axis, list_axis);
      for (std::size_t between = low + 1; between < high; ++between) {
        if (!result.dims[between].dropped()) gathered_axis_first = true;
      }
    }
  }
  if (gathered_axis_first) result.output_axes.push_back(static_cast<std::size_t>(list_axis));
  for (std::size_t axis = 0; axis < rank; ++axis) {
    if (result.dims[axis].dropped()) continue;
    if (gathered_axis_first && axis == static_cast<std::size_t>(list_axis)) continue;
    result.output_axes.push_back(axis);
  }
  return result;
}

}  // namespace hub::index
