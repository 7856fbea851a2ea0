// Zarr v3 array metadata (see array_metadata.h).
#include "format/array_metadata.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <optional>
#include <utility>

#include "hub/errors.h"

namespace hub::format {
namespace {

using nlohmann::json;

[[noreturn]] void Invalid(const std::string& where, const std::string& what) {
  throw InvalidArgumentError(where + ": " + what);
}

std::vector<std::int64_t> ParseExtents(const json& value, const std::string& where,
                                       const char* field) {
  if (!value.is_array()) Invalid(where, std::string("'") + field + "' must be a list of integers");
  std::vector<std::int64_t> extents;
  for (const auto& item : value) {
    if (!item.is_number_integer()) {
      Invalid(where,
              std::string("'") + field + "' must be a list of integers, got " + value.dump());
    }
    extents.push_back(item.get<std::int64_t>());
  }
  return extents;
}

template <typename T>
std::vector<std::byte> BytesOf(T value) {
  std::vector<std::byte> bytes(sizeof(T));
  std::memcpy(bytes.data(), &value, sizeof(T));
  return bytes;
}

// IEEE half precision from a double, rounding to nearest even (fill values only).
std::uint16_t ToHalf(double value) {
  const float f = static_cast<float>(value);
  std::uint32_t bits;
  std::memcpy(&bits, &f, 4);
  const std::uint32_t sign = (bits >> 16) & 0x8000;
  const int exponent = static_cast<int>((bits >> 23) & 0xff) - 127 + 15;
  std::uint32_t mantissa = bits & 0x7fffff;
  if (std::isnan(f)) return static_cast<std::uint16_t>(sign | 0x7e00);
  if (exponent >= 31) return static_cast<std::uint16_t>(sign | 0x7c00);
  if (exponent <= 0) {
    if (exponent < -10) return static_cast<std::uint16_t>(sign);
    mantissa |= 0x800000;
    const int shift = 14 - exponent;
    std::uint32_t half = mantissa >> shift;
    const std::uint32_t rest = mantissa & ((1u << shift) - 1);
    const std::uint32_t halfway = 1u << (shift - 1);
    if (rest > halfway || (rest == halfway && (half & 1))) ++half;
    return static_cast<std::uint16_t>(sign | half);
  }
  std::uint32_t half = (static_cast<std::uint32_t>(exponent) << 10) | (mantissa >> 13);
  const std::uint32_t rest = mantissa & 0x1fff;
  if (rest > 0x1000 || (rest == 0x1000 && (half & 1))) ++half;
  return static_cast<std::uint16_t>(sign | half);
}

double ParseFloatFill(const json& value, const std::string& where) {
  if (value.is_number()) return value.get<double>();
  if (value == "NaN") return std::numeric_limits<double>::quiet_NaN();
  if (value == "Infinity") return std::numeric_limits<double>::infinity();
  if (value == "-Infinity") return -std::numeric_limits<double>::infinity();
  Invalid(where, "unsupported float fill_value " + value.dump() +
                     ": use a number, \"NaN\", \"Infinity\", \"-Infinity\" or \"0x\" and the "
                     "value's bits in hex");
}

// The spec's exact form of a float: "0x" and the IEEE bits as one big-endian hex number, two
// digits per byte ("0x7fc00000" is float32's NaN). Returns the bits as stored (little endian).
std::optional<std::vector<std::byte>> HexFloatFill(const json& value, std::size_t size,
                                                   const std::string& where) {
  if (!value.is_string()) return std::nullopt;
  const auto& text = value.get_ref<const std::string&>();
  if (!text.starts_with("0x")) return std::nullopt;
  if (text.size() != 2 + 2 * size) {
    Invalid(where, "hex fill_value " + value.dump() + " must have " + std::to_string(2 * size) +
                       " hex digits for this data type");
  }
  std::vector<std::byte> bytes(size);
  for (std::size_t i = 0; i < size; ++i) {
    unsigned byte = 0;
    const auto* first = text.data() + 2 + 2 * i;
    const auto [end, error] = std::from_chars(first, first + 2, byte, 16);
    if (error != std::errc() || end != first + 2) {
      Invalid(where, "hex fill_value " + value.dump() + " holds a character that is not hex");
    }
    bytes[size - 1 - i] = static_cast<std::byte>(byte);  // the text is big endian
  }
  return bytes;
}

// One IEEE float of `size` bytes (2, 4 or 8) in any form the spec allows.
std::vector<std::byte> FloatFill(const json& value, std::size_t size, const std::string& where) {
  if (auto bits = HexFloatFill(value, size, where)) return *std::move(bits);
  const double number = ParseFloatFill(value, where);
  if (size == 2) return BytesOf(ToHalf(number));
  if (size == 4) return BytesOf(static_cast<float>(number));
  return BytesOf(number);
}

// A complex number: [real, imaginary], each a float in any of its forms.
std::vector<std::byte> ComplexFill(const json& value, std::size_t size, const std::string& where) {
  if (!value.is_array() || value.size() != 2) {
    Invalid(where, "fill_value of a complex array must be [real, imaginary], got " + value.dump());
  }
  std::vector<std::byte> bytes = FloatFill(value[0], size / 2, where);
  const std::vector<std::byte> imaginary = FloatFill(value[1], size / 2, where);
  bytes.insert(bytes.end(), imaginary.begin(), imaginary.end());
  return bytes;
}

// An integer fill_value that `T` holds exactly; one it cannot (300 for uint8) is an error, never
// wrapped.
template <typename T>
T IntegerFill(const json& value, const std::string& where) {
  const bool fits =
      value.is_number_unsigned()
          ? value.get<std::uint64_t>() <= static_cast<std::uint64_t>(std::numeric_limits<T>::max())
          : std::in_range<T>(value.get<std::int64_t>());
  if (!fits) {
    Invalid(where, "fill_value " + value.dump() + " does not fit the array's data type (" +
                       std::to_string(std::numeric_limits<T>::min()) + " to " +
                       std::to_string(std::numeric_limits<T>::max()) + ")");
  }
  return value.is_number_unsigned() ? static_cast<T>(value.get<std::uint64_t>())
                                    : static_cast<T>(value.get<std::int64_t>());
}

// The empty string (or empty bytes: "" in base64, or []), the only fill hub_v1 reads for
// string and bytes arrays: an element that points nowhere.
std::vector<std::byte> VariableFill(const json& value, DataType dtype, const std::string& where) {
  const bool empty = (value.is_string() && value.get_ref<const std::string&>().empty()) ||
                     (dtype == DataType::kBytes && value.is_array() && value.empty());
  if (!empty) {
    throw UnsupportedError(where + ": a " + std::string(DataTypeName(dtype)) +
                           " array's fill_value must be empty for hub_v1, got " + value.dump());
  }
  return std::vector<std::byte>(ItemSize(dtype), std::byte{0});
}

std::vector<std::byte> ParseFillValue(const json& value, DataType dtype, const std::string& where) {
  if (value.is_null()) return std::vector<std::byte>(ItemSize(dtype), std::byte{0});
  switch (dtype) {
    case DataType::kBool:
      if (!value.is_boolean()) Invalid(where, "fill_value of a bool array must be true or false");
      return BytesOf<std::uint8_t>(value.get<bool>() ? 1 : 0);
    case DataType::kFloat16:
    case DataType::kFloat32:
    case DataType::kFloat64:
      return FloatFill(value, ItemSize(dtype), where);
    case DataType::kComplex64:
    case DataType::kComplex128:
      return ComplexFill(value, ItemSize(dtype), where);
    case DataType::kString:
    case DataType::kBytes:
      return VariableFill(value, dtype, where);
    default:
      break;
  }
  if (!value.is_number_integer()) {
    Invalid(where, "fill_value of an integer array must be an integer, got " + value.dump());
  }
  switch (dtype) {
    case DataType::kInt8:
      return BytesOf(IntegerFill<std::int8_t>(value, where));
    case DataType::kInt16:
      return BytesOf(IntegerFill<std::int16_t>(value, where));
    case DataType::kInt32:
      return BytesOf(IntegerFill<std::int32_t>(value, where));
    case DataType::kInt64:
      return BytesOf(IntegerFill<std::int64_t>(value, where));
    case DataType::kUint8:
      return BytesOf(IntegerFill<std::uint8_t>(value, where));
    case DataType::kUint16:
      return BytesOf(IntegerFill<std::uint16_t>(value, where));
    case DataType::kUint32:
      return BytesOf(IntegerFill<std::uint32_t>(value, where));
    default:
      return BytesOf(IntegerFill<std::uint64_t>(value, where));
  }
}

json FillValueJson(const ArrayMetadata& metadata) {
  if (metadata.FillIsZero()) {
    if (metadata.dtype == DataType::kBool) return false;
    if (IsVariableLength(metadata.dtype)) return "";
    if (ComponentSize(metadata.dtype) != ItemSize(metadata.dtype)) return json::array({0.0, 0.0});
    return IsFloatingPoint(metadata.dtype) ? json(0.0) : json(0);
  }
  // hub_v1 only creates arrays with fill 0; other fills are kept as parsed from the file.
  throw UnsupportedError("hub_v1 writes zarr.json only for arrays whose fill_value is 0");
}

}  // namespace

std::size_t ArrayMetadata::ChunkBytes() const {
  std::size_t bytes = ItemSize(dtype);
  for (std::int64_t extent : chunk_shape) bytes *= static_cast<std::size_t>(extent);
  return bytes;
}

bool ArrayMetadata::FillIsZero() const {
  for (std::byte b : fill_value) {
    if (b != std::byte{0}) return false;
  }
  return true;
}

void ValidateGeometry(std::span<const std::int64_t> shape, std::span<const std::int64_t> chunk,
                      std::size_t item_size) {
  if (shape.empty()) throw InvalidArgumentError("shape must have at least one dimension");
  if (shape.size() > kMaxRank) {
    throw InvalidArgumentError("shape has " + std::to_string(shape.size()) +
                               " dimensions; hub_v1 supports at most " + std::to_string(kMaxRank) +
                               " (numpy's limit)");
  }
  if (chunk.size() != shape.size()) {
    throw InvalidArgumentError("chunk has " + std::to_string(chunk.size()) +
                               " dimensions but shape has " + std::to_string(shape.size()));
  }
  constexpr std::int64_t kMaxExtent = std::int64_t{1} << 62;
  std::uint64_t chunk_bytes = item_size;
  for (std::size_t axis = 0; axis < shape.size(); ++axis) {
    if (shape[axis] < 0 || shape[axis] > kMaxExtent) {
      throw InvalidArgumentError("shape sizes must be zero or more, got " +
                                 std::to_string(shape[axis]) + " on axis " + std::to_string(axis));
    }
    if (chunk[axis] <= 0) {
      throw InvalidArgumentError("chunk sizes must be positive, got " +
                                 std::to_string(chunk[axis]) + " on axis " + std::to_string(axis));
    }
    if (static_cast<std::uint64_t>(chunk[axis]) > kMaxChunkBytes / chunk_bytes) {
      throw InvalidArgumentError("a chunk may hold at most 4 GiB; choose a smaller chunk");
    }
    chunk_bytes *= static_cast<std::uint64_t>(chunk[axis]);
  }
  // Every count derived from the shape (elements, bytes, chunks per axis and in all) is at
  // most its number of bytes, so one checked product bounds them all (empty axes counted as
  // one: an array of length 0 grows).
  std::int64_t total_bytes = static_cast<std::int64_t>(item_size);
  for (const std::int64_t extent : shape) {
    if (__builtin_mul_overflow(total_bytes, std::max<std::int64_t>(extent, 1), &total_bytes)) {
      throw InvalidArgumentError(
          "the shape's size overflows 64 bits: an array may hold at most 2^63 bytes");
    }
  }
}

ArrayMetadata ParseArrayMetadata(const json& document, const std::string& where) {
  if (!document.is_object()) Invalid(where, "zarr.json must hold a JSON object");
  if (document.value("zarr_format", json()) != 3) Invalid(where, "only zarr_format 3 is supported");
  if (document.value("node_type", json()) != "array") Invalid(where, "node_type is not \"array\"");
  ArrayMetadata metadata;
  if (!document.contains("data_type") || !document["data_type"].is_string()) {
    Invalid(where, "'data_type' must be a string");
  }
  try {
    metadata.dtype = ParseDataType(document["data_type"].get<std::string>());
  } catch (const InvalidArgumentError& error) {
    throw UnsupportedError(where + ": " + error.what());
  }
  metadata.shape = ParseExtents(document.value("shape", json()), where, "shape");

  const json grid = document.value("chunk_grid", json());
  if (!grid.is_object() || grid.value("name", json()) != "regular" ||
      !grid.contains("configuration") || !grid["configuration"].is_object()) {
    throw UnsupportedError(where + ": only the \"regular\" chunk_grid is supported");
  }
  metadata.chunk_shape =
      ParseExtents(grid["configuration"].value("chunk_shape", json()), where, "chunk_shape");
  try {
    ValidateGeometry(metadata.shape, metadata.chunk_shape, ItemSize(metadata.dtype));
  } catch (const InvalidArgumentError& error) {
    Invalid(where, error.what());
  }

  const json encoding = document.value("chunk_key_encoding", json::object());
  if (!encoding.is_object()) Invalid(where, "'chunk_key_encoding' must be an object");
  const json encoding_name = encoding.value("name", json("default"));
  if (encoding_name != "default" && encoding_name != "v2") {
    throw UnsupportedError(where + ": unsupported chunk_key_encoding " + encoding_name.dump());
  }
  metadata.v2_chunk_keys = encoding_name == "v2";
  metadata.separator = metadata.v2_chunk_keys ? '.' : '/';
  const json encoding_configuration = encoding.value("configuration", json::object());
  if (!encoding_configuration.is_object()) {
    Invalid(where, "chunk_key_encoding's 'configuration' must be an object");
  }
  const json separator = encoding_configuration.value("separator", json());
  if (separator == "." || separator == "/") {
    metadata.separator = separator.get<std::string>()[0];
  } else if (!separator.is_null()) {
    Invalid(where, "chunk key separator must be \"/\" or \".\"");
  }

  metadata.fill_value = ParseFillValue(document.value("fill_value", json()), metadata.dtype, where);
  metadata.codecs = document.value("codecs", json());
  if (!metadata.codecs.is_array()) Invalid(where, "'codecs' must be a list");
  const json transformers = document.value("storage_transformers", json::array());
  if (!transformers.is_array() || !transformers.empty()) {
    throw UnsupportedError(where + ": storage transformers are not supported");
  }
  metadata.attributes = document.value("attributes", json::object());
  if (!metadata.attributes.is_object()) Invalid(where, "'attributes' must be an object");
  return metadata;
}

json ToJson(const ArrayMetadata& metadata) {
  json encoding = {{"name", metadata.v2_chunk_keys ? "v2" : "default"},
                   {"configuration", {{"separator", std::string(1, metadata.separator)}}}};
  return json{
      {"zarr_format", 3},
      {"node_type", "array"},
      {"shape", metadata.shape},
      {"data_type", DataTypeName(metadata.dtype)},
      {"chunk_grid",
       {{"name", "regular"}, {"configuration", {{"chunk_shape", metadata.chunk_shape}}}}},
      {"chunk_key_encoding", encoding},
      {"fill_value", FillValueJson(metadata)},
      {"codecs", metadata.codecs},
      {"attributes", metadata.attributes},
  };
}

std::string ChunkKey(const ArrayMetadata& metadata, std::span<const std::int64_t> grid_position) {
  std::string key = metadata.v2_chunk_keys ? "" : "c";
  for (std::size_t axis = 0; axis < grid_position.size(); ++axis) {
    if (!key.empty()) key += metadata.separator;
    key += std::to_string(grid_position[axis]);
  }
  return key;
}

std::optional<std::vector<std::int64_t>> ParseChunkKey(const ArrayMetadata& metadata,
                                                       std::string_view key) {
  if (!metadata.v2_chunk_keys) {
    if (key.size() < 2 || key[0] != 'c' || key[1] != metadata.separator) return std::nullopt;
    key.remove_prefix(2);
  }
  std::vector<std::int64_t> position;
  for (std::size_t start = 0; start <= key.size();) {
    const std::size_t end = std::min(key.find(metadata.separator, start), key.size());
    std::int64_t value = 0;
    const auto [stop, error] = std::from_chars(key.data() + start, key.data() + end, value);
    if (error != std::errc() || stop != key.data() + end || end == start || value < 0 ||
        position.size() == metadata.shape.size()) {
      return std::nullopt;
    }
    position.push_back(value);
    start = end + 1;
  }
  if (position.size() != metadata.shape.size()) return std::nullopt;
  return position;
}

}  // namespace hub::format
