// For the fuzz targets: reads every byte of every string or bytes element, so that
// AddressSanitizer reports any element pointing at memory its chunk or read does not own.
#pragma once

#include <cstdint>
#include <span>

#include "hub/dtype.h"

inline void TouchElements(std::span<const hub::VariableElement> elements) {
  std::uint8_t sum = 0;
  for (const auto& element : elements) {
    for (const char c : element.view()) sum = static_cast<std::uint8_t>(sum + c);
  }
  volatile std::uint8_t sink = sum;
  (void)sink;
}
