// Chunks of string and bytes elements in memory: arrays of VariableElement (hub/dtype.h) whose
// bytes live in storage the chunk's Buffer keeps alive, after the elements themselves.
#pragma once

#include <span>

#include "hub/buffer.h"
#include "hub/dtype.h"

namespace hub::codec {

// The elements a chunk's bytes hold (its size is a multiple of sizeof(VariableElement)).
inline std::span<const VariableElement> AsElements(std::span<const std::byte> chunk) {
  return {reinterpret_cast<const VariableElement*>(chunk.data()),
          chunk.size() / sizeof(VariableElement)};
}

// A chunk holding copies of `elements` and of their bytes, in one allocation of its own: what
// outlives the buffers the elements pointed into.
Buffer CopyElements(std::span<const VariableElement> elements);

}  // namespace hub::codec
