// Names and sizes of the element types (see hub/dtype.h).
#include "hub/dtype.h"

#include <array>
#include <utility>

#include "hub/errors.h"

namespace hub {
namespace {

struct DataTypeInfo {
  DataType type;
  std::string_view name;
  std::size_t size;
};

constexpr std::array<DataTypeInfo, 16> kDataTypes = {{
    {DataType::kBool, "bool", 1},
    {DataType::kInt8, "int8", 1},
    {DataType::kInt16, "int16", 2},
    {DataType::kInt32, "int32", 4},
    {DataType::kInt64, "int64", 8},
    {DataType::kUint8, "uint8", 1},
    {DataType::kUint16, "uint16", 2},
    {DataType::kUint32, "uint32", 4},
    {DataType::kUint64, "uint64", 8},
    {DataType::kFloat16, "float16", 2},
    {DataType::kFloat32, "float32", 4},
    {DataType::kFloat64, "float64", 8},
    {DataType::kComplex64, "complex64", 8},
    {DataType::kComplex128, "complex128", 16},
    {DataType::kString, "string", sizeof(VariableElement)},
    {DataType::kBytes, "bytes", sizeof(VariableElement)},
}};

// Other names readers meet: numpy's "str", and the name zarr-python 3.1 writes for bytes.
constexpr std::array<std::pair<std::string_view, DataType>, 2> kAliases = {{
    {"str", DataType::kString},
    {"variable_length_bytes", DataType::kBytes},
}};

const DataTypeInfo& Info(DataType type) { return kDataTypes[static_cast<std::size_t>(type)]; }

}  // namespace

std::size_t ItemSize(DataType type) { return Info(type).size; }

std::size_t ComponentSize(DataType type) {
  const bool complex = type == DataType::kComplex64 || type == DataType::kComplex128;
  return complex ? ItemSize(type) / 2 : ItemSize(type);
}

bool IsVariableLength(DataType type) {
  return type == DataType::kString || type == DataType::kBytes;
}

bool IsFloatingPoint(DataType type) {
  switch (type) {
    case DataType::kFloat16:
    case DataType::kFloat32:
    case DataType::kFloat64:
    case DataType::kComplex64:
    case DataType::kComplex128:
      return true;
    default:
      return false;
  }
}

std::string_view DataTypeName(DataType type) { return Info(type).name; }

DataType ParseDataType(std::string_view name) {
  for (const auto& info : kDataTypes) {
    if (info.name == name) return info.type;
  }
  for (const auto& [alias, type] : kAliases) {
    if (alias == name) return type;
  }
  throw InvalidArgumentError("unsupported dtype '" + std::string(name) +
                             "': use bool, int8-int64, uint8-uint64, float16-float64, complex64, "
                             "complex128, str or bytes");
}

}  // namespace hub
