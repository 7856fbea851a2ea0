// compresslevel mapping of DESIGN.md (see compression_presets.h).
#include "codec/compression_presets.h"

#include <cmath>

#include "codec/codec.h"
#include "codec/sharding_codec.h"
#include "hub/errors.h"

namespace hub::codec {
namespace {

// 1 = fastest, 0 = smallest  ->  levels 1 (fast) .. 9 (small), as zlib counts.
int DeflateLevel(double compresslevel) {
  return 1 + static_cast<int>(std::lround(8 * (1 - compresslevel)));
}

// cl >= 0.5: the fast compressor, acceleration 1 at 0.5 growing to 16 at 1.
// cl < 0.5: LZ4-HC, level 4 just under 0.5 up to 12 at 0; written as -level.
int Lz4Acceleration(double compresslevel) {
  if (compresslevel >= 0.5) return 1 + static_cast<int>(std::lround(30 * (compresslevel - 0.5)));
  return -(4 + static_cast<int>(std::lround(16 * (0.5 - compresslevel))));
}

}  // namespace

double ClampCompressLevel(double compresslevel) {
  if (std::isnan(compresslevel)) throw InvalidArgumentError("compresslevel must be a number");
  return std::clamp(compresslevel, 0.0, 1.0);
}

nlohmann::json CodecsForCompression(const std::string& compress, double compresslevel,
                                    std::optional<int> jpeg_quality) {
  const double level = ClampCompressLevel(compresslevel);
  if (jpeg_quality && compress != "jpeg") {
    throw InvalidArgumentError("quality= applies to compress=\"jpeg\" only");
  }
  if (compress == "jpeg" || compress == "png") {
    nlohmann::json image_codec;
    if (compress == "jpeg") {
      const int quality = jpeg_quality.value_or(50 + static_cast<int>(std::lround(45 * level)));
      if (quality < 1 || quality > 100) {
        throw InvalidArgumentError("jpeg quality must be from 1 to 100, got " +
                                   std::to_string(quality));
      }
      image_codec = CodecJson("hub_v1.jpeg", {{"quality", quality}});
    } else {
      image_codec = CodecJson("hub_v1.png", {{"level", DeflateLevel(level)}});
    }
    return nlohmann::json::array({image_codec, CodecJson("crc32c")});
  }
  nlohmann::json codecs = nlohmann::json::array({CodecJson("bytes", {{"endian", "little"}})});
  if (compress == "gzip") {
    codecs.push_back(CodecJson("gzip", {{"level", DeflateLevel(level)}}));
  } else if (compress == "zlib") {
    codecs.push_back(CodecJson("numcodecs.zlib", {{"level", DeflateLevel(level)}}));
  } else if (compress == "lz4") {
    codecs.push_back(CodecJson("numcodecs.lz4", {{"acceleration", Lz4Acceleration(level)}}));
  } else if (compress == "zstd") {
    codecs.push_back(CodecJson("zstd", {{"level", DeflateLevel(level)}, {"checksum", false}}));
  } else if (compress != "default") {
    throw InvalidArgumentError("unknown compress '" + compress +
                               "': use one of default, gzip, zlib, lz4, zstd, jpeg, png");
  }
  codecs.push_back(CodecJson("crc32c"));
  return codecs;
}

nlohmann::json ShardedCodecs(nlohmann::json inner_codecs,
                             const std::vector<std::int64_t>& chunk_shape) {
  return nlohmann::json::array(
      {CodecJson("sharding_indexed", {{"chunk_shape", chunk_shape},
                                      {"codecs", std::move(inner_codecs)},
                                      {"index_codecs", ShardingCodec::StandardIndexCodecs()},
                                      {"index_location", "end"}})});
}

}  // namespace hub::codec
