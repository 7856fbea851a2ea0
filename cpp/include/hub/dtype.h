// Element types an array can hold, named as Zarr v3 names them.
// Sizes are in bytes; in memory every type is little endian. A complex number is two floats of
// half its size, the real part first (numpy's and Zarr's layout). A string or bytes element
// has a length of its own: in memory it is a VariableElement, a view of bytes held elsewhere.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace hub {

enum class DataType {
  kBool,
  kInt8,
  kInt16,
  kInt32,
  kInt64,
  kUint8,
  kUint16,
  kUint32,
  kUint64,
  kFloat16,
  kFloat32,
  kFloat64,
  kComplex64,
  kComplex128,
  kString,  // UTF-8 text of any length (Zarr v3 `string`, codec `vlen-utf8`)
  kBytes,   // bytes of any length (Zarr v3 `bytes`, codec `vlen-bytes`)
};

// One element of a string or bytes array in memory: a view of `size` bytes at `data`, which
// belong to whatever holds the elements (a decoded chunk, a caller's strings). Arrays of them
// are copied by the same strided copies as numbers; only codecs look through them.
struct VariableElement {
  const std::byte* data = nullptr;
  std::uint64_t size = 0;

  std::string_view view() const { return {reinterpret_cast<const char*>(data), size}; }
  std::span<const std::byte> span() const { return {data, size}; }
};

// Elements viewing `values`, which must outlive them: what Array::Write takes for a string or
// bytes array.
inline std::vector<VariableElement> ElementsOf(std::span<const std::string_view> values) {
  std::vector<VariableElement> elements;
  elements.reserve(values.size());
  for (std::string_view value : values) {
    elements.push_back({reinterpret_cast<const std::byte*>(value.data()), value.size()});
  }
  return elements;
}

// True for kString and kBytes: elements whose length varies.
bool IsVariableLength(DataType type);

// Size of one element in bytes; for kString and kBytes, of its VariableElement.
std::size_t ItemSize(DataType type);

// The size of the numbers an element is made of: its ItemSize, except for complex types,
// whose two parts are each half of it. The `bytes` codec swaps byte order per component.
std::size_t ComponentSize(DataType type);

// True for the floating-point types: float16-float64 and the complex types made of them.
bool IsFloatingPoint(DataType type);

// The Zarr v3 `data_type` name, e.g. "uint8" (numpy uses the same names), "string", "bytes".
std::string_view DataTypeName(DataType type);

// Parses a Zarr v3 / numpy dtype name (also "str", and zarr-python's "variable_length_bytes");
// throws InvalidArgumentError for anything else.
DataType ParseDataType(std::string_view name);

}  // namespace hub
