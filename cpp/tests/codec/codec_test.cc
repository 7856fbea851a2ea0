// Codec pipelines: round trips, checksums, and refusal of corrupt or mis-sized data.
#include <gtest/gtest.h>

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

class PipelineTest : public ::testing::TestWithParam<std::string> {};

TEST_P(PipelineTest, RoundTripsAndDetectsCorruption) {
  const ChunkLayout layout{DataType::kUint16, {32, 17}};
  const auto pipeline = CodecPipeline::FromJson(CodecsForCompression(GetParam(), 0.5), layout);
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
  const auto small =
      CodecPipeline::FromJson(CodecsForCompression(GetParam(), 0.5), {DataType::kUint8, {100}});
  const auto large =
      CodecPipeline::FromJson(CodecsForCompression(GetParam(), 0.5), {DataType::kUint8, {200}});
  Buffer encoded = small->Encode(Sample(100, 2));
  std::vector<std::byte> out(200, std::byte{0x5a});
  EXPECT_THROW(large->DecodeInto(encoded, out), CorruptChunkError);
}

INSTANTIATE_TEST_SUITE_P(AllCompressions, PipelineTest,
                         ::testing::Values("default", "gzip", "zlib", "lz4", "zstd"));

TEST(Pipeline, RejectsUnknownAndMisorderedCodecs) {
  const ChunkLayout layout{DataType::kUint8, {4}};
  using nlohmann::json;
  EXPECT_THROW(
      CodecPipeline::FromJson(json::parse(R"([{"name":"bytes"},{"name":"blosc"}])"), layout),
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
  EXPECT_THROW(CodecsForCompression("brotli", 0.5), InvalidArgumentError);
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
