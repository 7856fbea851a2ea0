// zarr.json parsing: valid documents round-trip; hostile ones give errors, never crashes.
#include "format/array_metadata.h"

#include <gtest/gtest.h>

#include "hub/errors.h"

namespace hub::format {
namespace {

using nlohmann::json;

json Valid() {
  return json::parse(R"({
    "zarr_format": 3, "node_type": "array", "shape": [10, 20], "data_type": "float32",
    "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": [5, 20]}},
    "chunk_key_encoding": {"name": "default", "configuration": {"separator": "/"}},
    "fill_value": 0.0, "codecs": [{"name": "bytes"}], "attributes": {}
  })");
}

TEST(ArrayMetadata, ParsesAndSerialises) {
  const auto metadata = ParseArrayMetadata(Valid(), "t");
  EXPECT_EQ(metadata.shape, (std::vector<std::int64_t>{10, 20}));
  EXPECT_EQ(metadata.chunk_shape, (std::vector<std::int64_t>{5, 20}));
  EXPECT_EQ(metadata.dtype, DataType::kFloat32);
  EXPECT_EQ(ChunkKey(metadata, std::vector<std::int64_t>{1, 0}), "c/1/0");
  EXPECT_EQ(ParseArrayMetadata(ToJson(metadata), "t").shape, metadata.shape);
}

TEST(ArrayMetadata, V2KeysAndDotSeparator) {
  json doc = Valid();
  doc["chunk_key_encoding"] = json::parse(R"({"name": "v2", "configuration": {"separator": "."}})");
  EXPECT_EQ(ChunkKey(ParseArrayMetadata(doc, "t"), std::vector<std::int64_t>{3, 4}), "3.4");
}

// The fill value's bytes as stored (little endian), as hex, for every form the spec allows.
std::string FillBytes(const char* data_type, const json& fill_value) {
  json doc = Valid();
  doc["data_type"] = data_type;
  doc["fill_value"] = fill_value;
  std::string hex;
  for (const std::byte b : ParseArrayMetadata(doc, "t").fill_value) {
    static constexpr char kDigits[] = "0123456789abcdef";
    hex += kDigits[std::to_integer<int>(b) >> 4];
    hex += kDigits[std::to_integer<int>(b) & 15];
  }
  return hex;
}

TEST(ArrayMetadata, EveryFillValueFormOfEveryDataType) {
  EXPECT_EQ(FillBytes("bool", true), "01");
  EXPECT_EQ(FillBytes("int8", -2), "fe");
  EXPECT_EQ(FillBytes("uint16", 258), "0201");
  EXPECT_EQ(FillBytes("int64", -1), "ffffffffffffffff");
  EXPECT_EQ(FillBytes("uint64", json(18446744073709551615ull)), "ffffffffffffffff");
  EXPECT_EQ(FillBytes("float16", 1.0), "003c");
  EXPECT_EQ(FillBytes("float16", "NaN"), "007e");
  EXPECT_EQ(FillBytes("float16", "0x7c01"), "017c");  // a signalling NaN, only as hex
  EXPECT_EQ(FillBytes("float32", "Infinity"), "0000807f");
  EXPECT_EQ(FillBytes("float32", "-Infinity"), "000080ff");
  EXPECT_EQ(FillBytes("float32", "0x7fc00001"), "0100c07f");
  EXPECT_EQ(FillBytes("float32", 3), "00004040");
  EXPECT_EQ(FillBytes("float64", -0.5), "000000000000e0bf");
  EXPECT_EQ(FillBytes("float64", "0x7ff8000000000000"), "000000000000f87f");
  EXPECT_EQ(FillBytes("complex64", json::array({1.0, "NaN"})), "0000803f0000c07f");
  EXPECT_EQ(FillBytes("complex64", json::array({"0x3f800000", -2})), "0000803f000000c0");
  EXPECT_EQ(FillBytes("complex128", json::array({"Infinity", 0})),
            "000000000000f07f0000000000000000");
  EXPECT_EQ(FillBytes("complex128", nullptr), std::string(32, '0'));
  for (const auto& [data_type, bad] : std::vector<std::pair<const char*, json>>{
           {"float32", "0x7fc0"},      // too few digits for 4 bytes
           {"float32", "0x7fc0000g"},  // not hex
           {"float32", "nan"},         // the spec spells it "NaN"
           {"complex64", 1.0},         // not a pair
           {"complex64", json::array({1.0})},
           {"complex128", json::array({1.0, "0x00"})},
           {"int32", 1.5},
           {"uint8", 256},
           {"bool", 1}}) {
    EXPECT_THROW(FillBytes(data_type, bad), InvalidArgumentError) << data_type << " " << bad;
  }
}

TEST(ArrayMetadata, ComplexArraysAreWrittenWithAComplexZero) {
  json doc = Valid();
  doc["data_type"] = "complex128";
  doc["fill_value"] = json::array({0.0, 0.0});
  EXPECT_EQ(ToJson(ParseArrayMetadata(doc, "t"))["fill_value"], json::array({0.0, 0.0}));
}

TEST(ArrayMetadata, HostileDocumentsAreRejected) {
  const std::vector<std::pair<std::string, json>> edits = {
      {"/shape", "big"},
      {"/shape", json::array({10, -1})},
      {"/shape", json::array()},
      {"/shape", json::array({1e300, 1})},
      {"/chunk_grid/configuration/chunk_shape", json::array({0, 20})},
      {"/chunk_grid/configuration/chunk_shape", json::array({5})},
      {"/chunk_grid/configuration/chunk_shape", json::array({INT64_MAX, INT64_MAX})},
      {"/data_type", 5},
      {"/fill_value", "x"},
      {"/codecs", "bytes"},
      {"/zarr_format", 2},
      {"/node_type", "group"},
      {"/chunk_grid/name", "rectilinear"},
      {"/attributes", json::array()},
      {"/chunk_key_encoding", json::array({json::object()})},  // found by fuzz_zarr_json
      {"/chunk_key_encoding", "default"},
      {"/chunk_key_encoding/configuration", json::array()},
      {"/chunk_key_encoding/configuration", 7},
  };
  for (const auto& [pointer, value] : edits) {
    json doc = Valid();
    doc[json::json_pointer(pointer)] = value;
    EXPECT_THROW(ParseArrayMetadata(doc, "t"), Error) << pointer << " = " << value.dump();
  }
  EXPECT_THROW(ParseArrayMetadata(json::array(), "t"), InvalidArgumentError);
  json complex_type = Valid();
  complex_type["data_type"] = "r16";  // raw bits: not a type hub_v1 reads
  EXPECT_THROW(ParseArrayMetadata(complex_type, "t"), UnsupportedError);
}

TEST(ArrayMetadata, ParseChunkKeyInvertsChunkKeyAndRejectsOtherKeys) {
  auto metadata = ParseArrayMetadata(Valid(), "t");
  metadata.shape = {10, 10};
  const std::vector<std::int64_t> position{3, 12};
  EXPECT_EQ(ParseChunkKey(metadata, ChunkKey(metadata, position)), position);
  for (const char* other :
       {"zarr.json", "c/3", "c/3/4/5", "c/3/", "c//4", "c/-1/2", "c/a/2", "3/4", "c", ""}) {
    EXPECT_EQ(ParseChunkKey(metadata, other), std::nullopt) << other;
  }
  metadata.v2_chunk_keys = true;
  metadata.separator = '.';
  EXPECT_EQ(ParseChunkKey(metadata, "3.12"), position);
  EXPECT_EQ(ParseChunkKey(metadata, "c.3.12"), std::nullopt);
}

}  // namespace
}  // namespace hub::format
