// Shapes in messages, written as Python writes tuples: (10,), (4, 8, 8, 3).
#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace hub {

inline std::string ShapeText(std::span<const std::int64_t> extents) {
  std::string text = "(";
  for (std::size_t axis = 0; axis < extents.size(); ++axis) {
    text += (axis ? ", " : "") + std::to_string(extents[axis]);
  }
  return text + (extents.size() == 1 ? ",)" : ")");
}

}  // namespace hub
