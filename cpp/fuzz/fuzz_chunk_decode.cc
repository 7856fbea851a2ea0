// libFuzzer target: hostile bytes through every decoder (gzip, zlib, lz4, zstd, blosc with each
// shuffle, transpose, jpeg, png, the image-chunk header, crc32c, vlen-utf8, vlen-bytes). The first
// byte picks the pipeline; the rest is the stored chunk. Decoding may fail with a hub::Error;
// anything else (a crash, a sanitizer report, a write outside the output) is a bug.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "codec/codec_pipeline.h"
#include "codec/variable_elements.h"
#include "hub/errors.h"
#include "touch_elements.h"

namespace {

using hub::codec::ChunkLayout;
using hub::codec::CodecPipeline;

struct Target {
  const char* codecs;
  ChunkLayout layout;
};

const std::vector<std::shared_ptr<const CodecPipeline>>& Pipelines() {
  static const auto* pipelines = [] {
    const Target targets[] = {
        {R"([{"name":"bytes"},{"name":"crc32c"}])", {hub::DataType::kUint16, {64}}},
        {R"([{"name":"bytes"},{"name":"gzip","configuration":{"level":1}}])",
         {hub::DataType::kUint16, {64}}},
        {R"([{"name":"bytes"},{"name":"numcodecs.zlib","configuration":{"level":1}}])",
         {hub::DataType::kUint16, {64}}},
        {R"([{"name":"bytes"},{"name":"numcodecs.lz4","configuration":{"acceleration":1}}])",
         {hub::DataType::kUint16, {64}}},
        {R"([{"name":"bytes"},{"name":"zstd","configuration":{"level":1}}])",
         {hub::DataType::kUint16, {64}}},
        {R"([{"name":"hub_v1.jpeg","configuration":{"quality":75}}])",
         {hub::DataType::kUint8, {2, 16, 16, 3}}},
        {R"([{"name":"hub_v1.png","configuration":{"level":1}}])",
         {hub::DataType::kUint8, {2, 16, 16, 3}}},
        {R"([{"name":"hub_v1.png","configuration":{"level":1}}])",
         {hub::DataType::kUint16, {2, 16, 16}}},
        {R"([{"name":"bytes"},{"name":"gzip","configuration":{"level":1}},{"name":"zstd"}])",
         {hub::DataType::kUint8, {128}}},
        {R"([{"name":"bytes"},{"name":"blosc","configuration":{"cname":"lz4","clevel":5,)"
         R"("shuffle":"shuffle","typesize":2,"blocksize":0}}])",
         {hub::DataType::kUint16, {64}}},
        {R"([{"name":"transpose","configuration":{"order":[1,0]}},{"name":"bytes"},)"
         R"({"name":"blosc","configuration":{"cname":"zstd","clevel":3,"shuffle":"bitshuffle",)"
         R"("typesize":4,"blocksize":64}},{"name":"crc32c"}])",
         {hub::DataType::kFloat32, {8, 16}}},
        {R"([{"name":"bytes"},{"name":"blosc","configuration":{"cname":"blosclz","clevel":9,)"
         R"("shuffle":"noshuffle","typesize":1,"blocksize":0}}])",
         {hub::DataType::kUint8, {300}}},
        {R"([{"name":"vlen-utf8"}])", {hub::DataType::kString, {8}}},
        {R"([{"name":"vlen-bytes"},{"name":"zstd","configuration":{"level":1}}])",
         {hub::DataType::kBytes, {4, 3}}},
    };
    auto* built = new std::vector<std::shared_ptr<const CodecPipeline>>;
    for (const auto& target : targets) {
      built->push_back(
          CodecPipeline::FromJson(nlohmann::json::parse(target.codecs), target.layout));
    }
    return built;
  }();
  return *pipelines;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const auto& pipelines = Pipelines();
  const auto& pipeline = pipelines[data[0] % pipelines.size()];
  const hub::Buffer encoded =
      hub::Buffer::CopyOf({reinterpret_cast<const std::byte*>(data + 1), size - 1});
  try {
    if (pipeline->IsVariableLength()) {
      const hub::Buffer chunk = pipeline->Decode(encoded);
      TouchElements(hub::codec::AsElements(chunk.span()));
      return 0;
    }
    std::vector<std::byte> out(pipeline->layout().NumBytes());
    pipeline->DecodeInto(encoded, out);
  } catch (const hub::Error&) {
  }
  return 0;
}
