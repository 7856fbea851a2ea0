// Self-owning chunks of variable-length elements (see variable_elements.h).
#include "codec/variable_elements.h"

#include <cstring>

namespace hub::codec {

Buffer CopyElements(std::span<const VariableElement> elements) {
  const std::size_t elements_bytes = elements.size() * sizeof(VariableElement);
  std::size_t values = 0;
  for (const VariableElement& element : elements) values += element.size;
  Buffer chunk = Buffer::Allocate(elements_bytes + values);
  auto* copies = reinterpret_cast<VariableElement*>(chunk.data());
  std::byte* value_at = chunk.data() + elements_bytes;
  for (std::size_t i = 0; i < elements.size(); ++i) {
    const std::uint64_t size = elements[i].size;
    if (size > 0) std::memcpy(value_at, elements[i].data, size);
    copies[i] = VariableElement{size > 0 ? value_at : nullptr, size};
    value_at += size;
  }
  chunk.Shrink(elements_bytes);
  return chunk;
}

}  // namespace hub::codec
