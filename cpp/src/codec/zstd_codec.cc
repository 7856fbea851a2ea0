// zstd through libzstd (see zstd_codec.h).
#include "codec/zstd_codec.h"

#include <zstd.h>

#include <string>

#include "hub/errors.h"

namespace hub::codec {
namespace {

struct CompressionContextDeleter {
  void operator()(ZSTD_CCtx* context) const { ZSTD_freeCCtx(context); }
};
struct DecompressionContextDeleter {
  void operator()(ZSTD_DCtx* context) const { ZSTD_freeDCtx(context); }
};

// Contexts hold large tables: one per thread, reused across chunks.
ZSTD_CCtx* ThreadCompressionContext() {
  thread_local std::unique_ptr<ZSTD_CCtx, CompressionContextDeleter> context(ZSTD_createCCtx());
  if (!context) throw std::bad_alloc();
  return context.get();
}

ZSTD_DCtx* ThreadDecompressionContext() {
  thread_local std::unique_ptr<ZSTD_DCtx, DecompressionContextDeleter> context(ZSTD_createDCtx());
  if (!context) throw std::bad_alloc();
  return context.get();
}

std::size_t DecompressInto(const Buffer& encoded, std::span<std::byte> out) {
  const std::size_t produced = ZSTD_decompressDCtx(ThreadDecompressionContext(), out.data(),
                                                   out.size(), encoded.data(), encoded.size());
  if (ZSTD_isError(produced)) {
    throw CorruptChunkError(std::string("zstd data is corrupt: ") + ZSTD_getErrorName(produced));
  }
  return produced;
}

}  // namespace

std::unique_ptr<BytesToBytesCodec> ZstdCodec::FromConfig(const nlohmann::json& configuration) {
  const int level =
      ConfigInt(configuration, "zstd", "level", ZSTD_minCLevel(), ZSTD_maxCLevel(), 3);
  bool checksum = false;
  if (configuration.is_object() && configuration.contains("checksum")) {
    if (!configuration["checksum"].is_boolean()) {
      throw InvalidArgumentError("codec 'zstd': 'checksum' must be true or false");
    }
    checksum = configuration["checksum"].get<bool>();
  }
  return std::make_unique<ZstdCodec>(level, checksum);
}

Buffer ZstdCodec::Encode(std::span<const std::byte> decoded) const {
  ZSTD_CCtx* context = ThreadCompressionContext();
  ZSTD_CCtx_reset(context, ZSTD_reset_session_and_parameters);
  ZSTD_CCtx_setParameter(context, ZSTD_c_compressionLevel, level_);
  ZSTD_CCtx_setParameter(context, ZSTD_c_checksumFlag, checksum_ ? 1 : 0);
  Buffer encoded = Buffer::Allocate(ZSTD_compressBound(decoded.size()));
  const std::size_t size =
      ZSTD_compress2(context, encoded.data(), encoded.size(), decoded.data(), decoded.size());
  if (ZSTD_isError(size)) {
    throw Error(std::string("zstd compression failed: ") + ZSTD_getErrorName(size));
  }
  encoded.Shrink(size);
  return encoded;
}

void ZstdCodec::DecodeInto(const Buffer& encoded, std::span<std::byte> out) const {
  const unsigned long long declared = ZSTD_getFrameContentSize(encoded.data(), encoded.size());
  if (declared != ZSTD_CONTENTSIZE_UNKNOWN && declared != out.size()) {
    throw CorruptChunkError("zstd frame declares " + std::to_string(declared) +
                            " bytes where the chunk holds " + std::to_string(out.size()));
  }
  if (DecompressInto(encoded, out) != out.size()) {
    throw CorruptChunkError("zstd data decodes to fewer bytes than the chunk holds");
  }
}

Buffer ZstdCodec::Decode(const Buffer& encoded, std::size_t max_size) const {
  const unsigned long long declared = ZSTD_getFrameContentSize(encoded.data(), encoded.size());
  if (declared == ZSTD_CONTENTSIZE_ERROR) throw CorruptChunkError("zstd data is corrupt");
  const std::size_t capacity =
      declared == ZSTD_CONTENTSIZE_UNKNOWN ? max_size : static_cast<std::size_t>(declared);
  if (capacity > max_size) {
    throw CorruptChunkError("zstd frame claims more bytes than the chunk can hold");
  }
  Buffer decoded = Buffer::Allocate(capacity);
  decoded.Shrink(DecompressInto(encoded, decoded.mutable_span()));
  return decoded;
}

nlohmann::json ZstdCodec::ToJson() const {
  return CodecJson("zstd", {{"level", level_}, {"checksum", checksum_}});
}

}  // namespace hub::codec
