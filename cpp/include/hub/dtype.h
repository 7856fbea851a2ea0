// Element types an array can hold, named as Zarr v3 names them.
// Sizes are in bytes; in memory every type is little endian. A complex number is two floats of
// half its size, the real part first (numpy's and Zarr's layout).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

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
};

// Size of one element in bytes.
std::size_t ItemSize(DataType type);

// The size of the numbers an element is made of: its ItemSize, except for complex types,
// whose two parts are each half of it. The `bytes` codec swaps byte order per component.
std::size_t ComponentSize(DataType type);

// True for the floating-point types: float16-float64 and the complex types made of them.
bool IsFloatingPoint(DataType type);

// The Zarr v3 `data_type` name, e.g. "uint8" (numpy uses the same names).
std::string_view DataTypeName(DataType type);

// Parses a Zarr v3 / numpy dtype name; throws InvalidArgumentError for anything else.
DataType ParseDataType(std::string_view name);

}  // namespace hub
