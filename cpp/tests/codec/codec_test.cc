// Codec pipelines: round trips, checksums, and refusal of corrupt or mis-sized data.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <numeric>
#include <random>
#include <string>

#include "codec/codec_pipeline.h"
#include "codec/compression_presets.h"
#include "codec/crc32c.h"
#include "hub/errors.h"

namespace hub::codec {
namespace {

std::vector<std::byte> Sample(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::vector<std::byte> bytes(n);
  for (auto& b : bytes) b = static_cast<std::byte>(rng() % 16);  // compressible, not trivial
  return bytes;
}

std::span<const std::byte> AsBytes(const std::string& text) {
  return std::as_bytes(std::span(text.data(), text.size()));
}

TEST(Crc32c, MatchesTheStandardCheckValue) {
  EXPECT_EQ(Crc32c(AsBytes("123456789")), 0xE3069283u);
  EXPECT_EQ(Crc32c({}), 0u);
  // Lengths around the 8-byte word boundary take both the word loop and the tail loop.
  const std::string text = "The quick brown fox jumps over the lazy dog";
  EXPECT_EQ(Crc32c(AsBytes(text)), 0x22620404u);
}

TEST(Crc32c, OfPartsIsOfTheirConcatenation) {
  const std::string text = "The quick brown fox jumps over the lazy dog";
  const std::span<const std::byte> parts[] = {AsBytes(text).first(9), {}, AsBytes(text).subspan(9)};
  EXPECT_EQ(Crc32cOfParts(parts), Crc32c(AsBytes(text)));
}

class PipelineTest : public ::testing::TestWithParam<std::string> {};

TEST_P(PipelineTest, RoundTripsAndDetectsCorruption) {
  const ChunkLayout layout{DataType::kUint16, {32, 17}};
  const auto pipeline =
      CodecPipeline::FromJson(CodecsForCompression(GetParam(), 0.5, layout.dtype), layout);
  const auto chunk = Sample(layout.NumBytes(), 1);

  Buffer encoded = pipeline->Encode(chunk);
  std::vector<std::byte> decoded(layout.NumBytes());
  pipeline->DecodeInto(encoded, decoded);
  EXPECT_EQ(decoded, chunk);

  Buffer flipped = Buffer::CopyOf(encoded.span());
  flipped.data()[flipped.size() / 2] ^= std::byte{0x10};
  EXPECT_THROW(pipeline->DecodeInto(flipped, decoded), CorruptChunkError);

  for (std::size_t size : {std::size_t{0}, std::size_t{3}, encoded.size() - 1}) {
    EXPECT_THROW(pipeline->DecodeInto(encoded.Slice(0, size), decoded), CorruptChunkError)
        << "truncated to " << size;
  }
}

TEST_P(PipelineTest, RefusesAChunkOfTheWrongDecodedSize) {
  // Encode a chunk of one layout, decode it as a bigger one: never written into the output.
  const auto small = CodecPipeline::FromJson(
      CodecsForCompression(GetParam(), 0.5, DataType::kUint8), {DataType::kUint8, {100}});
  const auto large = CodecPipeline::FromJson(
      CodecsForCompression(GetParam(), 0.5, DataType::kUint8), {DataType::kUint8, {200}});
  Buffer encoded = small->Encode(Sample(100, 2));
  std::vector<std::byte> out(200, std::byte{0x5a});
  EXPECT_THROW(large->DecodeInto(encoded, out), CorruptChunkError);
}

INSTANTIATE_TEST_SUITE_P(AllCompressions, PipelineTest,
                         ::testing::Values("default", "gzip", "zlib", "lz4", "zstd", "blosc",
                                           "blosc:cname=zstd,shuffle=bitshuffle"));

TEST(Pipeline, RejectsUnknownAndMisorderedCodecs) {
  const ChunkLayout layout{DataType::kUint8, {4}};
  using nlohmann::json;
  EXPECT_THROW(CodecPipeline::FromJson(
                   json::parse(R"([{"name":"bytes"},{"name":"example.unknown"}])"), layout),
               UnsupportedError);
  EXPECT_THROW(
      CodecPipeline::FromJson(json::parse(R"([{"name":"gzip"},{"name":"bytes"}])"), layout),
      InvalidArgumentError);
  EXPECT_THROW(CodecPipeline::FromJson(json::parse(R"([])"), layout), InvalidArgumentError);
  EXPECT_THROW(
      CodecPipeline::FromJson(
          json::parse(R"([{"name":"bytes"},{"name":"gzip","configuration":{"level":"x"}}])"),
          layout),
      InvalidArgumentError);
  EXPECT_THROW(CodecsForCompression("brotli", 0.5, DataType::kUint8), InvalidArgumentError);
}

TEST(Pipeline, BigEndianBytesAreSwapped) {
  const ChunkLayout layout{DataType::kUint32, {2}};
  const auto pipeline = CodecPipeline::FromJson(
      nlohmann::json::parse(R"([{"name":"bytes","configuration":{"endian":"big"}}])"), layout);
  const std::uint32_t values[2] = {0x01020304u, 0xA0B0C0D0u};
  Buffer encoded = pipeline->Encode(std::as_bytes(std::span(values)));
  EXPECT_EQ(encoded.data()[0], std::byte{0x01});
  std::uint32_t decoded[2];
  pipeline->DecodeInto(encoded, std::as_writable_bytes(std::span(decoded)));
  EXPECT_EQ(decoded[0], values[0]);
  EXPECT_EQ(decoded[1], values[1]);
}

TEST(Pipeline, BigEndianComplexNumbersAreSwappedPartByPart) {
  const ChunkLayout layout{DataType::kComplex64, {1}};
  const auto pipeline = CodecPipeline::FromJson(
      nlohmann::json::parse(R"([{"name":"bytes","configuration":{"endian":"big"}}])"), layout);
  const float value[2] = {1.0f, -2.0f};  // 0x3f800000, 0xc0000000
  Buffer encoded = pipeline->Encode(std::as_bytes(std::span(value)));
  EXPECT_EQ(encoded.data()[0], std::byte{0x3f});
  EXPECT_EQ(encoded.data()[4], std::byte{0xc0});
  float decoded[2];
  pipeline->DecodeInto(encoded, std::as_writable_bytes(std::span(decoded)));
  EXPECT_EQ(decoded[0], 1.0f);
  EXPECT_EQ(decoded[1], -2.0f);
}

TEST(Transpose, StoresTheAxesInTheGivenOrderAndBack) {
  // A 2 x 3 x 4 block whose element values are their C-order positions.
  const ChunkLayout layout{DataType::kUint16, {2, 3, 4}};
  std::vector<std::uint16_t> chunk(24);
  std::iota(chunk.begin(), chunk.end(), 0);
  const auto pipeline = CodecPipeline::FromJson(
      nlohmann::json::parse(
          R"([{"name":"transpose","configuration":{"order":[2,0,1]}},{"name":"bytes"}])"),
      layout);
  EXPECT_TRUE(pipeline->ReordersElements());
  EXPECT_FALSE(pipeline->VerbatimTrailerBytes().has_value());
  const Buffer encoded = pipeline->Encode(std::as_bytes(std::span(chunk)));
  // Encoded shape is 4 x 2 x 3: encoded[k][i][j] = decoded[i][j][k].
  std::vector<std::uint16_t> stored(24);
  std::memcpy(stored.data(), encoded.data(), encoded.size());
  for (int i = 0; i < 2; ++i) {
    for (int j = 0; j < 3; ++j) {
      for (int k = 0; k < 4; ++k) EXPECT_EQ(stored[k * 6 + i * 3 + j], i * 12 + j * 4 + k);
    }
  }
  std::vector<std::uint16_t> decoded(24);
  pipeline->DecodeInto(encoded, std::as_writable_bytes(std::span(decoded)));
  EXPECT_EQ(decoded, chunk);
}

TEST(Transpose, EveryPermutationRoundTripsThroughCompressionAndChains) {
  const ChunkLayout layout{DataType::kFloat64, {3, 1, 5, 2}};
  std::vector<double> chunk(30);
  std::iota(chunk.begin(), chunk.end(), 0.5);
  std::vector<int> order = {0, 1, 2, 3};
  do {
    const nlohmann::json transpose = {{"name", "transpose"}, {"configuration", {{"order", order}}}};
    // Twice: the second undoes nothing of the first, so both must be undone in turn.
    const nlohmann::json codecs = {
        transpose, transpose, {{"name", "bytes"}}, nlohmann::json::parse(R"({"name":"zstd"})")};
    const auto pipeline = CodecPipeline::FromJson(codecs, layout);
    std::vector<double> decoded(30);
    pipeline->DecodeInto(pipeline->Encode(std::as_bytes(std::span(chunk))),
                         std::as_writable_bytes(std::span(decoded)));
    EXPECT_EQ(decoded, chunk);
    EXPECT_EQ(pipeline->ToJson().size(), 4u);
  } while (std::next_permutation(order.begin(), order.end()));
}

TEST(Transpose, MovingOnlyUnitAxesIsSkippedAndBadOrdersAreRefused) {
  const auto moves_unit_axis = CodecPipeline::FromJson(
      nlohmann::json::parse(
          R"([{"name":"transpose","configuration":{"order":[1,0,2]}},{"name":"bytes"}])"),
      {DataType::kUint8, {1, 6, 4}});
  EXPECT_FALSE(moves_unit_axis->ReordersElements());
  EXPECT_EQ(moves_unit_axis->VerbatimTrailerBytes(), 0u);
  const ChunkLayout layout{DataType::kUint8, {2, 2}};
  for (const char* order : {"[0]", "[0,0]", "[0,2]", "[-1,0]", "\"F\"", "[0.5,1]"}) {
    const auto codecs =
        nlohmann::json::parse(std::string(R"([{"name":"transpose","configuration":{"order":)") +
                              order + R"(}},{"name":"bytes"}])");
    EXPECT_THROW(CodecPipeline::FromJson(codecs, layout), InvalidArgumentError) << order;
  }
  EXPECT_THROW(
      CodecPipeline::FromJson(
          nlohmann::json::parse(
              R"([{"name":"bytes"},{"name":"transpose","configuration":{"order":[1,0]}}])"),
          layout),
      InvalidArgumentError);
}

TEST(Blosc, EveryCompressorAndShuffleRoundTrips) {
  const ChunkLayout layout{DataType::kInt32, {1000}};
  std::vector<std::int32_t> values(1000);
  std::mt19937 rng(4);
  for (auto& value : values)
    value = static_cast<std::int32_t>(rng() % 1000);  // 3 bytes of 4 vary little
  const auto bytes = std::as_bytes(std::span(values));
  const std::vector<std::byte> chunk(bytes.begin(), bytes.end());
  for (const char* cname : {"blosclz", "lz4", "lz4hc", "snappy", "zlib", "zstd"}) {
    for (const char* shuffle : {"noshuffle", "shuffle", "bitshuffle"}) {
      for (int blocksize : {0, 256}) {
        const nlohmann::json codecs = {{{"name", "bytes"}},
                                       {{"name", "blosc"},
                                        {"configuration",
                                         {{"cname", cname},
                                          {"clevel", 5},
                                          {"shuffle", shuffle},
                                          {"typesize", 4},
                                          {"blocksize", blocksize}}}}};
        const auto pipeline = CodecPipeline::FromJson(codecs, layout);
        const Buffer encoded = pipeline->Encode(chunk);
        if (std::string(shuffle) != "noshuffle") {
          EXPECT_LT(encoded.size(), chunk.size())
              << cname << " " << shuffle;  // shuffled: compresses
        }
        std::vector<std::byte> decoded(chunk.size());
        pipeline->DecodeInto(encoded, decoded);
        EXPECT_EQ(decoded, chunk) << cname << " " << shuffle << " " << blocksize;
        EXPECT_EQ(pipeline->ToJson()[1], codecs[1]);
      }
    }
  }
}

TEST(Blosc, AHeaderThatLiesIsRefusedBeforeDecoding) {
  const ChunkLayout layout{DataType::kUint8, {4096}};
  const auto pipeline =
      CodecPipeline::FromJson(CodecsForCompression("blosc", 0.5, layout.dtype), layout);
  const Buffer good = pipeline->Encode(Sample(layout.NumBytes(), 5));
  const auto with_field = [&](std::size_t offset, std::uint32_t value, std::size_t width = 4) {
    Buffer bad = Buffer::CopyOf(good.span());
    std::memcpy(bad.data() + offset, &value, width);
    return bad;
  };
  std::vector<std::byte> out(layout.NumBytes());
  const Buffer lies[] = {
      with_field(3, 0, 1),                     // typesize 0
      with_field(0, 9, 1),                     // a format version c-blosc 1 does not know
      with_field(4, 1u << 30),                 // nbytes past the chunk
      with_field(8, 0),                        // blocksize 0
      with_field(8, 1),                        // 4096 blocks: more than the frame indexes
      with_field(12, std::uint32_t(1) << 31),  // cbytes past the buffer
      with_field(12, 20),                      // cbytes short of the buffer
      good.Slice(0, 15),                       // no whole header
  };
  for (const Buffer& lie : lies) {
    EXPECT_THROW(pipeline->DecodeInto(lie, out), CorruptChunkError);
  }
  EXPECT_THROW(CodecPipeline::FromJson(
                   CodecsForCompression("blosc:cname=brotli", 0.5, layout.dtype), layout),
               InvalidArgumentError);
  EXPECT_THROW(CodecsForCompression("blosc:shuffle=sometimes", 0.5, layout.dtype),
               InvalidArgumentError);
  EXPECT_THROW(CodecsForCompression("blosc:blocksize=-4", 0.5, layout.dtype), InvalidArgumentError);
  EXPECT_THROW(CodecsForCompression("blosc:level", 0.5, layout.dtype), InvalidArgumentError);
}

TEST(Blosc, Lz4AndZlibAreWrittenAsBloscWithTheShuffleTheDtypeSuits) {
  const auto float_codecs = CodecsForCompression("lz4", 0.5, DataType::kFloat32);
  EXPECT_EQ(float_codecs[1]["name"], "blosc");
  EXPECT_EQ(float_codecs[1]["configuration"]["cname"], "lz4");
  EXPECT_EQ(float_codecs[1]["configuration"]["shuffle"], "shuffle");
  EXPECT_EQ(float_codecs[1]["configuration"]["typesize"], 4);
  const auto small = CodecsForCompression("lz4", 0.0, DataType::kUint8);
  EXPECT_EQ(small[1]["configuration"]["cname"], "lz4hc");
  EXPECT_EQ(small[1]["configuration"]["shuffle"], "noshuffle");
  EXPECT_EQ(small[1]["configuration"]["clevel"], 9);
  EXPECT_EQ(CodecsForCompression("zlib", 1.0, DataType::kUint8)[1]["configuration"]["cname"],
            "zlib");
  const auto asked = CodecsForCompression("blosc:shuffle=bitshuffle,cname=zstd,blocksize=8192", 0.5,
                                          DataType::kInt16);
  EXPECT_EQ(asked[1]["configuration"]["cname"], "zstd");
  EXPECT_EQ(asked[1]["configuration"]["shuffle"], "bitshuffle");
  EXPECT_EQ(asked[1]["configuration"]["blocksize"], 8192);
  EXPECT_EQ(asked[1]["configuration"]["typesize"], 2);
}

TEST(Lz4, AHeaderThatLiesAboutTheSizeIsRefused) {
  const ChunkLayout layout{DataType::kUint8, {64}};
  const auto pipeline = CodecPipeline::FromJson(
      nlohmann::json::parse(R"([{"name":"bytes"},{"name":"numcodecs.lz4"}])"), layout);
  Buffer encoded = pipeline->Encode(Sample(64, 3));
  const std::uint32_t lie = 1u << 30;
  std::memcpy(encoded.data(), &lie, 4);
  std::vector<std::byte> out(64);
  EXPECT_THROW(pipeline->DecodeInto(encoded, out), CorruptChunkError);
}

}  // namespace
}  // namespace hub::codec
