// Element types an array can hold, named as Zarr v3 names them.
// Sizes are in bytes; every type is stored little endian by the `bytes` codec.
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
};

// Size of one element in bytes.
std::size_t ItemSize(DataType type);

// The Zarr v3 `data_type` name, e.g. "uint8" (numpy uses the same names).
std::string_view DataTypeName(DataType type);

// Parses a Zarr v3 / numpy dtype name; throws InvalidArgumentError for anything else.
DataType ParseDataType(std::string_view name);

}  // namespace hub
