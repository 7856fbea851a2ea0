// Building and running codec chains (see codec_pipeline.h).
#include "codec/codec_pipeline.h"

#include <cstring>

#include "codec/codec_registry.h"
#include "codec/crc32c.h"
#include "codec/crc32c_codec.h"
#include "codec/sharding_codec.h"
#include "hub/errors.h"

namespace hub::codec {

std::shared_ptr<const CodecPipeline> CodecPipeline::FromJson(const nlohmann::json& codecs,
                                                             ChunkLayout layout) {
  if (!codecs.is_array() || codecs.empty()) {
    throw InvalidArgumentError("zarr.json 'codecs' must be a non-empty list");
  }
  auto pipeline = std::make_shared<CodecPipeline>();
  pipeline->layout_ = layout;
  pipeline->bytes_layout_ = std::move(layout);
  for (const auto& entry : codecs) {
    AnyCodec codec = MakeCodec(entry);
    if (auto* array_to_array = std::get_if<std::unique_ptr<ArrayToArrayCodec>>(&codec)) {
      if (pipeline->array_to_bytes_) {
        throw InvalidArgumentError(
            "zarr.json 'codecs': array -> array codecs must come before the array -> bytes codec");
      }
      ChunkLayout decoded = pipeline->bytes_layout_;
      pipeline->bytes_layout_ = (*array_to_array)->EncodedLayout(decoded);
      pipeline->array_codecs_.push_back((*array_to_array)->ToJson());
      if (!(*array_to_array)->IsIdentity(decoded)) {
        pipeline->array_stages_.push_back({std::move(*array_to_array), std::move(decoded)});
      }
    } else if (auto* array_to_bytes = std::get_if<std::unique_ptr<ArrayToBytesCodec>>(&codec)) {
      if (pipeline->array_to_bytes_ || !pipeline->bytes_to_bytes_.empty()) {
        throw InvalidArgumentError(
            "zarr.json 'codecs' must hold exactly one array -> bytes "
            "codec, before every bytes -> bytes codec");
      }
      (*array_to_bytes)->Prepare(pipeline->bytes_layout_);
      // Told apart once, here: the engine plans around a sharded chain's inner grid.
      pipeline->sharding_ = dynamic_cast<const ShardingCodec*>(array_to_bytes->get());
      pipeline->array_to_bytes_ = std::move(*array_to_bytes);
    } else {
      if (!pipeline->array_to_bytes_) {
        throw InvalidArgumentError("zarr.json 'codecs' must start with an array -> bytes codec");
      }
      pipeline->bytes_to_bytes_.push_back(
          std::move(std::get<std::unique_ptr<BytesToBytesCodec>>(codec)));
    }
  }
  if (!pipeline->array_to_bytes_) {
    throw InvalidArgumentError("zarr.json 'codecs' must hold an array -> bytes codec");
  }
  if (pipeline->sharding_ && !pipeline->bytes_to_bytes_.empty()) {
    throw UnsupportedError(
        "bytes -> bytes codecs after sharding_indexed are not supported: "
        "the shard must stay readable by byte range");
  }
  if (pipeline->IsVariableLength() && pipeline->HasArrayToArrayCodecs()) {
    throw UnsupportedError(
        "array -> array codecs (transpose) on string and bytes arrays are "
        "not supported");
  }
  if (pipeline->sharding_ && pipeline->HasArrayToArrayCodecs()) {
    throw UnsupportedError(
        "a transpose before sharding_indexed is not supported: the engine plans reads on the "
        "shard's own grid (put the transpose among the shard's inner codecs)");
  }
  return pipeline;
}

Buffer CodecPipeline::DecodeStagesDownTo(Buffer encoded, std::size_t stop) const {
  // Intermediate results are bounded so hostile data cannot make us allocate without limit.
  const std::size_t max_intermediate = IsVariableLength()
                                           ? 8 * layout_.NumElements() + kMaxVariableChunkBytes
                                           : 2 * layout_.NumBytes() + (1 << 20);
  for (std::size_t i = bytes_to_bytes_.size(); i-- > stop;) {
    encoded = bytes_to_bytes_[i]->Decode(encoded, max_intermediate);
  }
  return encoded;
}

Buffer CodecPipeline::EncodeStagesFrom(Buffer decoded, std::size_t first) const {
  for (std::size_t i = first; i < bytes_to_bytes_.size(); ++i) {
    decoded = bytes_to_bytes_[i]->Encode(decoded.span());
  }
  return decoded;
}

Buffer CodecPipeline::EncodeArray(std::span<const std::byte> chunk) const {
  if (array_to_bytes_->IsIdentity(bytes_layout_) && !bytes_to_bytes_.empty()) {
    // Skip copying the raw bytes: the first stage reads the caller's chunk directly.
    return EncodeStagesFrom(bytes_to_bytes_[0]->Encode(chunk), 1);
  }
  return EncodeStagesFrom(array_to_bytes_->Encode(chunk, bytes_layout_), 0);
}

void CodecPipeline::DecodeArrayInto(const Buffer& encoded, std::span<std::byte> chunk) const {
  const bool decode_last_into_chunk =
      !bytes_to_bytes_.empty() && array_to_bytes_->IsIdentity(bytes_layout_);
  const Buffer current = DecodeStagesDownTo(encoded, decode_last_into_chunk ? 1 : 0);
  if (decode_last_into_chunk) {
    bytes_to_bytes_[0]->DecodeInto(current, chunk);
  } else {
    array_to_bytes_->DecodeInto(current, chunk, bytes_layout_);
  }
}

Buffer CodecPipeline::Encode(std::span<const std::byte> chunk) const {
  Buffer reordered;
  std::span<const std::byte> current = chunk;
  for (const auto& stage : array_stages_) {
    Buffer encoded = Buffer::Allocate(chunk.size());
    stage.codec->Encode(current, stage.decoded, encoded.mutable_span());
    reordered = std::move(encoded);
    current = reordered.span();
  }
  return EncodeArray(current);
}

void CodecPipeline::DecodeInto(const Buffer& encoded, std::span<std::byte> chunk) const {
  if (array_stages_.empty()) return DecodeArrayInto(encoded, chunk);
  Buffer current = Buffer::Allocate(chunk.size());
  DecodeArrayInto(encoded, current.mutable_span());
  // The last stage first; the first one writes into `chunk`.
  for (std::size_t i = array_stages_.size(); i-- > 1;) {
    Buffer decoded = Buffer::Allocate(chunk.size());
    array_stages_[i].codec->Decode(current.span(), array_stages_[i].decoded,
                                   decoded.mutable_span());
    current = std::move(decoded);
  }
  array_stages_[0].codec->Decode(current.span(), array_stages_[0].decoded, chunk);
}

Buffer CodecPipeline::Decode(const Buffer& encoded) const {
  if (!IsVariableLength()) {
    Buffer chunk = Buffer::Allocate(layout_.NumBytes());
    DecodeInto(encoded, chunk.mutable_span());
    return chunk;
  }
  // No array -> array stage (FromJson refuses them here): the array -> bytes codec's output is
  // the chunk.
  return array_to_bytes_->Decode(DecodeStagesDownTo(encoded, 0), bytes_layout_);
}

std::uint64_t CodecPipeline::MaxEncodedBytes() const {
  std::uint64_t bytes = array_to_bytes_->MaxEncodedBytes(bytes_layout_);
  for (const auto& stage : bytes_to_bytes_) bytes = stage->MaxEncodedBytes(bytes);
  return bytes;
}

std::optional<std::size_t> CodecPipeline::VerbatimTrailerBytes() const {
  if (sharding_ || ReordersElements() || !array_to_bytes_->IsIdentity(bytes_layout_)) {
    return std::nullopt;
  }
  if (bytes_to_bytes_.empty()) return 0;
  if (bytes_to_bytes_.size() == 1 && dynamic_cast<const Crc32cCodec*>(bytes_to_bytes_[0].get())) {
    return 4;
  }
  return std::nullopt;
}

void CodecPipeline::VerifyVerbatim(std::span<const std::byte> chunk,
                                   std::span<const std::byte> trailer) const {
  if (trailer.empty()) return;
  std::uint32_t stored;
  std::memcpy(&stored, trailer.data(), sizeof(stored));
  if (Crc32c(chunk) != stored) {
    throw CorruptChunkError("crc32c checksum mismatch: the chunk is corrupted or truncated");
  }
}

std::array<std::byte, 4> CodecPipeline::VerbatimTrailer(std::span<const std::byte> chunk) const {
  std::array<std::byte, 4> trailer{};
  if (VerbatimTrailerBytes() == 4) {
    const std::uint32_t checksum = Crc32c(chunk);
    std::memcpy(trailer.data(), &checksum, sizeof(checksum));
  }
  return trailer;
}

nlohmann::json CodecPipeline::ToJson() const {
  nlohmann::json codecs = nlohmann::json::array();
  for (const auto& codec : array_codecs_) codecs.push_back(codec);
  codecs.push_back(array_to_bytes_->ToJson());
  for (const auto& codec : bytes_to_bytes_) codecs.push_back(codec->ToJson());
  return codecs;
}

}  // namespace hub::codec
