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
  complex_type["data_type"] = "complex64";
  EXPECT_THROW(ParseArrayMetadata(complex_type, "t"), UnsupportedError);
}

}  // namespace
}  // namespace hub::format
