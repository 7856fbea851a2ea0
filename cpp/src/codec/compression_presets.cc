// compresslevel mapping of DESIGN.md (see compression_presets.h).
#include "codec/compression_presets.h"

#include <charconv>
#include <cmath>
#include <string_view>

#include "codec/blosc_codec.h"
#include "codec/codec.h"
#include "codec/sharding_codec.h"
#include "hub/errors.h"

namespace hub::codec {
namespace {

// 1 = fastest, 0 = smallest  ->  levels 1 (fast) .. 9 (small), as zlib counts.
int DeflateLevel(double compresslevel) {
  return 1 + static_cast<int>(std::lround(8 * (1 - compresslevel)));
}

constexpr std::string_view kBloscPrefix = "blosc:";

// "blosc" or "blosc:key=value,...": the settings it asks for, the rest chosen for `dtype`.
BloscCodec::Settings BloscSettings(const std::string& compress, int clevel, DataType dtype) {
  BloscCodec::Settings settings;
  settings.clevel = clevel;
  // String and bytes chunks reach blosc as a byte stream (vlen-utf8's lengths and text).
  const std::size_t item_size = IsVariableLength(dtype) ? 1 : ItemSize(dtype);
  settings.typesize = static_cast<int>(item_size);
  settings.shuffle = BloscCodec::ShuffleFor(item_size);
  if (compress == "blosc") return settings;
  const auto bad = [&](const std::string& why) {
    return InvalidArgumentError("compress \"" + compress + "\": " + why +
                                " (write e.g. \"blosc:cname=zstd,shuffle=bitshuffle\")");
  };
  std::string_view options = std::string_view(compress).substr(kBloscPrefix.size());
  while (!options.empty()) {
    const std::string_view option = options.substr(0, options.find(','));
    options.remove_prefix(std::min(options.size(), option.size() + 1));
    const std::size_t equals = option.find('=');
    if (equals == std::string_view::npos) throw bad("each option is name=value");
    const std::string_view key = option.substr(0, equals);
    const std::string value(option.substr(equals + 1));
    if (key == "cname") {
      settings.cname = value;
      BloscCodec::CheckCompressor(value);
    } else if (key == "shuffle") {
      settings.shuffle = BloscCodec::ParseShuffle(value);
    } else if (key == "blocksize") {
      int blocksize = -1;
      const auto [end, error] =
          std::from_chars(value.data(), value.data() + value.size(), blocksize);
      if (error != std::errc() || end != value.data() + value.size() || blocksize < 0) {
        throw bad("blocksize must be a whole number of bytes (0: blosc chooses)");
      }
      settings.blocksize = blocksize;
    } else {
      throw bad("unknown option '" + std::string(key) + "': use cname, shuffle or blocksize");
    }
  }
  return settings;
}

// The array -> bytes codec of a compressed (not image) array: bytes, or for strings and bytes
// the codec zarr-python writes for them.
nlohmann::json ElementCodec(DataType dtype) {
  if (dtype == DataType::kString) return CodecJson("vlen-utf8", nlohmann::json::object());
  if (dtype == DataType::kBytes) return CodecJson("vlen-bytes", nlohmann::json::object());
  return CodecJson("bytes", {{"endian", "little"}});
}

}  // namespace

double ClampCompressLevel(double compresslevel) {
  if (std::isnan(compresslevel)) throw InvalidArgumentError("compresslevel must be a number");
  return std::clamp(compresslevel, 0.0, 1.0);
}

nlohmann::json CodecsForCompression(const std::string& compress, double compresslevel,
                                    DataType dtype, std::optional<int> jpeg_quality) {
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
  nlohmann::json codecs = nlohmann::json::array({ElementCodec(dtype)});
  if (compress == "gzip") {
    codecs.push_back(CodecJson("gzip", {{"level", DeflateLevel(level)}}));
  } else if (compress == "zlib" || compress == "lz4") {
    BloscCodec::Settings settings = BloscSettings("blosc", DeflateLevel(level), dtype);
    settings.cname = compress == "zlib" ? "zlib" : level < 0.5 ? "lz4hc" : "lz4";
    codecs.push_back(BloscCodec(settings).ToJson());
  } else if (compress == "blosc" || compress.starts_with(kBloscPrefix)) {
    codecs.push_back(BloscCodec(BloscSettings(compress, DeflateLevel(level), dtype)).ToJson());
  } else if (compress == "zstd") {
    codecs.push_back(CodecJson("zstd", {{"level", DeflateLevel(level)}, {"checksum", false}}));
  } else if (compress != "default") {
    throw InvalidArgumentError("unknown compress '" + compress +
                               "': use one of default, gzip, zlib, lz4, zstd, blosc, jpeg, png");
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
