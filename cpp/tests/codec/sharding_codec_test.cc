// The sharding_indexed codec: whole-shard round trips, empty inner chunks, both index
// locations, and refusal of hostile indexes before anything is read through them.
#include "codec/sharding_codec.h"

#include <gtest/gtest.h>

#include <cstring>
#include <numeric>

#include "codec/codec_pipeline.h"
#include "codec/crc32c.h"
#include "hub/errors.h"

namespace hub::codec {
namespace {

std::shared_ptr<const CodecPipeline> Sharded(const char* location, const char* inner_codec) {
  nlohmann::json inner = nlohmann::json::array({{{"name", "bytes"}}});
  if (*inner_codec) inner.push_back({{"name", inner_codec}});
  inner.push_back({{"name", "crc32c"}});
  const nlohmann::json codecs = nlohmann::json::array(
      {{{"name", "sharding_indexed"},
        {"configuration",
         {{"chunk_shape", {2, 3}}, {"codecs", inner}, {"index_location", location}}}}});
  return CodecPipeline::FromJson(codecs, {DataType::kUint16, {4, 6}});
}

std::vector<std::uint16_t> Ramp() {
  std::vector<std::uint16_t> values(24);
  std::iota(values.begin(), values.end(), 1);
  return values;
}

TEST(ShardingCodec, RoundTripsWithTheIndexAtEitherEnd) {
  for (const char* location : {"end", "start"}) {
    for (const char* inner : {"", "gzip", "zstd"}) {
      const auto pipeline = Sharded(location, inner);
      ASSERT_NE(pipeline->sharding(), nullptr);
      EXPECT_EQ(pipeline->sharding()->InnerCount(), 4u);
      const auto values = Ramp();
      const Buffer encoded = pipeline->Encode(std::as_bytes(std::span(values)));
      std::vector<std::uint16_t> decoded(24);
      pipeline->DecodeInto(encoded, std::as_writable_bytes(std::span(decoded)));
      EXPECT_EQ(decoded, values) << location << " " << inner;
    }
  }
}

TEST(ShardingCodec, EmptyInnerChunksAreNotStored) {
  const auto pipeline = Sharded("end", "");
  auto values = Ramp();
  for (int row = 0; row < 2; ++row) {
    for (int col = 3; col < 6; ++col) values[row * 6 + col] = 0;  // inner chunk (0, 1)
  }
  const Buffer encoded = pipeline->Encode(std::as_bytes(std::span(values)));
  const ShardIndex index = pipeline->sharding()->IndexOfShard(encoded.span());
  EXPECT_TRUE(index.IsEmpty(1));
  EXPECT_FALSE(index.IsEmpty(0));
  EXPECT_EQ(encoded.size(), 3 * (12 + 4) + pipeline->sharding()->IndexBytes());
  const std::vector<std::uint16_t> zeros(24, 0);
  EXPECT_EQ(pipeline->Encode(std::as_bytes(std::span(zeros))).size(), 0u);  // not stored
}

TEST(ShardingCodec, RefusesHostileIndexes) {
  const auto pipeline = Sharded("end", "");
  const ShardingCodec& sharding = *pipeline->sharding();
  const auto values = Ramp();
  const Buffer shard = pipeline->Encode(std::as_bytes(std::span(values)));
  const std::size_t index_bytes = sharding.IndexBytes();
  auto with_entry = [&](std::size_t i, std::uint64_t offset, std::uint64_t nbytes) {
    std::vector<std::byte> index(shard.span().last(index_bytes).begin(),
                                 shard.span().last(index_bytes).end());
    std::memcpy(index.data() + 16 * i, &offset, 8);
    std::memcpy(index.data() + 16 * i + 8, &nbytes, 8);
    const std::uint32_t checksum = Crc32c(std::span(index).first(index_bytes - 4));
    std::memcpy(index.data() + index_bytes - 4, &checksum, 4);
    return index;
  };
  auto refused = [&](std::vector<std::byte> index, const char* why) {
    try {
      sharding.DecodeIndex(index, shard.size());
      ADD_FAILURE() << "accepted: " << why;
    } catch (const CorruptChunkError& error) {
      EXPECT_NE(std::string(error.what()).find(why), std::string::npos) << error.what();
    }
  };
  refused(with_entry(2, shard.size(), 16), "inner chunk (1, 0) lies outside");
  refused(with_entry(2, UINT64_MAX - 3, 16), "overflows");
  refused(with_entry(2, 0, 16), "overlap");
  refused(with_entry(3, 0, std::uint64_t{1} << 40), "longer than the inner chunk could ever");
  refused(with_entry(0, 0, 0), "length 0");
  auto bad_checksum = with_entry(0, 0, 16);
  bad_checksum[3] ^= std::byte{1};
  refused(bad_checksum, "crc32c");
  EXPECT_THROW(sharding.IndexOfShard(shard.span().first(10)), CorruptChunkError);
}

TEST(ShardingCodec, RefusesBadConfigurations) {
  const auto with = [](nlohmann::json configuration) {
    return nlohmann::json::array(
        {{{"name", "sharding_indexed"}, {"configuration", configuration}}});
  };
  const nlohmann::json inner = nlohmann::json::array({{{"name", "bytes"}}});
  const ChunkLayout layout{DataType::kUint8, {4, 6}};
  EXPECT_THROW(CodecPipeline::FromJson(with({{"chunk_shape", {3, 3}}, {"codecs", inner}}), layout),
               InvalidArgumentError);  // 3 does not divide 4
  EXPECT_THROW(CodecPipeline::FromJson(with({{"chunk_shape", {2}}, {"codecs", inner}}), layout),
               InvalidArgumentError);
  EXPECT_THROW(
      CodecPipeline::FromJson(with({{"chunk_shape", {2, 3}},
                                    {"codecs", inner},
                                    {"index_codecs", {{{"name", "bytes"}}, {{"name", "gzip"}}}}}),
                              layout),
      UnsupportedError);
  EXPECT_THROW(
      CodecPipeline::FromJson(
          with({{"chunk_shape", {2, 3}}, {"codecs", inner}, {"index_location", "middle"}}), layout),
      InvalidArgumentError);
}

}  // namespace
}  // namespace hub::codec
