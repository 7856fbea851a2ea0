// hub::ChunkCodec (hub/chunk_codec.h): the codec pipeline of one chunk, from codecs JSON.
#include "hub/chunk_codec.h"

#include <string>

#include "codec/codec_pipeline.h"
#include "format/json_text.h"
#include "hub/errors.h"

namespace hub {

ChunkCodec::ChunkCodec(const std::string& codecs_json, DataType dtype,
                       std::vector<std::int64_t> shape) {
  const auto codecs = format::ParseJson(codecs_json, "the codecs");
  pipeline_ = codec::CodecPipeline::FromJson(codecs, {dtype, std::move(shape)});
}

std::size_t ChunkCodec::chunk_bytes() const { return pipeline_->layout().NumBytes(); }

Buffer ChunkCodec::Encode(std::span<const std::byte> chunk) const {
  if (chunk.size() != chunk_bytes()) {
    throw InvalidArgumentError("the chunk holds " + std::to_string(chunk.size()) +
                               " bytes; its shape and dtype need " + std::to_string(chunk_bytes()));
  }
  return pipeline_->Encode(chunk);
}

void ChunkCodec::Decode(std::span<const std::byte> encoded, std::span<std::byte> out) const {
  if (out.size() != chunk_bytes()) {
    throw InvalidArgumentError("the output holds " + std::to_string(out.size()) +
                               " bytes; the chunk needs " + std::to_string(chunk_bytes()));
  }
  pipeline_->DecodeInto(Buffer::CopyOf(encoded), out);
}

}  // namespace hub
