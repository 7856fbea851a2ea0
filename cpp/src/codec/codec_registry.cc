// The table of codecs by name (see codec_registry.h).
#include "codec/codec_registry.h"

#include <array>
#include <string_view>

#include "codec/blosc_codec.h"
#include "codec/bytes_codec.h"
#include "codec/crc32c_codec.h"
#include "codec/deflate_codecs.h"
#include "codec/jpeg_codec.h"
#include "codec/lz4_codec.h"
#include "codec/png_codec.h"
#include "codec/sharding_codec.h"
#include "codec/transpose_codec.h"
#include "codec/vlen_codecs.h"
#include "codec/zstd_codec.h"
#include "hub/errors.h"

namespace hub::codec {
namespace {

using ArrayToArrayFactory = std::unique_ptr<ArrayToArrayCodec> (*)(const nlohmann::json&);
using ArrayToBytesFactory = std::unique_ptr<ArrayToBytesCodec> (*)(const nlohmann::json&);
using BytesToBytesFactory = std::unique_ptr<BytesToBytesCodec> (*)(const nlohmann::json&);

std::unique_ptr<BytesToBytesCodec> MakeCrc32c(const nlohmann::json&) {
  return std::make_unique<Crc32cCodec>();
}

constexpr std::array<std::pair<std::string_view, ArrayToArrayFactory>, 1> kArrayToArray = {{
    {"transpose", &TransposeCodec::FromConfig},
}};

constexpr std::array<std::pair<std::string_view, ArrayToBytesFactory>, 6> kArrayToBytes = {{
    {"bytes", &BytesCodec::FromConfig},
    {"vlen-utf8", &VlenCodec::Utf8FromConfig},
    {"vlen-bytes", &VlenCodec::BytesFromConfig},
    {"sharding_indexed", &ShardingCodec::FromConfig},
    {"hub_v1.jpeg", &JpegCodec::FromConfig},
    {"hub_v1.png", &PngCodec::FromConfig},
}};

constexpr std::array<std::pair<std::string_view, BytesToBytesFactory>, 6> kBytesToBytes = {{
    {"blosc", &BloscCodec::FromConfig},
    {"gzip", &DeflateCodec::GzipFromConfig},
    {"numcodecs.zlib", &DeflateCodec::ZlibFromConfig},
    {"numcodecs.lz4", &Lz4Codec::FromConfig},
    {"zstd", &ZstdCodec::FromConfig},
    {"crc32c", &MakeCrc32c},
}};

}  // namespace

AnyCodec MakeCodec(const nlohmann::json& entry) {
  if (!entry.is_object() || !entry.contains("name") || !entry["name"].is_string()) {
    throw InvalidArgumentError("a codec entry must be an object with a \"name\": got " +
                               entry.dump());
  }
  const auto name = entry["name"].get<std::string>();
  const nlohmann::json configuration =
      entry.contains("configuration") ? entry["configuration"] : nlohmann::json::object();
  if (!configuration.is_object()) {
    throw InvalidArgumentError("codec '" + name + "': 'configuration' must be an object, got " +
                               std::string(configuration.type_name()));
  }
  for (const auto& [known, factory] : kArrayToArray) {
    if (known == name) return factory(configuration);
  }
  for (const auto& [known, factory] : kArrayToBytes) {
    if (known == name) return factory(configuration);
  }
  for (const auto& [known, factory] : kBytesToBytes) {
    if (known == name) return factory(configuration);
  }
  throw UnsupportedError("codec '" + name + "' is not supported by hub_v1");
}

}  // namespace hub::codec
