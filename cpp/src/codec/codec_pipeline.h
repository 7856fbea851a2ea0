// A Zarr v3 codec chain (array -> array codecs, one array -> bytes codec, then bytes -> bytes
// codecs) built from a zarr.json `codecs` list. Decoding writes straight into the destination
// where it can.
#pragma once

#include <array>
#include <memory>
#include <optional>
#include <vector>

#include "codec/codec.h"

namespace hub::codec {

class CodecPipeline {
 public:
  // Throws UnsupportedError for codecs this build lacks, InvalidArgumentError for bad config.
  static std::shared_ptr<const CodecPipeline> FromJson(const nlohmann::json& codecs,
                                                       ChunkLayout layout);

  Buffer Encode(std::span<const std::byte> chunk) const;
  // Decodes into `chunk` (exactly layout().NumBytes() long); CorruptChunkError on bad data.
  // Refused for string and bytes chunks (IsVariableLength()), whose elements point into
  // storage of their own: those decode with Decode.
  void DecodeInto(const Buffer& encoded, std::span<std::byte> chunk) const;
  // Decodes into a new buffer of layout().NumBytes(), which for string and bytes chunks also
  // keeps the bytes their elements point to.
  Buffer Decode(const Buffer& encoded) const;
  // True for string and bytes chunks (see hub/dtype.h).
  bool IsVariableLength() const { return hub::IsVariableLength(layout_.dtype); }
  nlohmann::json ToJson() const;
  const ChunkLayout& layout() const { return layout_; }

  // What a chunk is to the engine, decided once when the chain is built:
  // - sharded (sharding() is set): a grid of inner chunks and an index, read piecewise;
  // - of fixed encoded size (VerbatimTrailerBytes() is set): the chunk's own bytes and an
  //   optional checksum, read straight into place;
  // - otherwise of variable size: decoded whole.
  // The sharding codec when chunks are shards (the pipeline's array -> bytes codec), else null.
  const class ShardingCodec* sharding() const { return sharding_; }
  // The most bytes a stored chunk of this pipeline can validly hold (see
  // ArrayToBytesCodec::MaxEncodedBytes): reads of anything longer are refused unread.
  std::uint64_t MaxEncodedBytes() const;
  // True if a decoded chunk may differ from the chunk that was encoded (jpeg).
  bool IsLossy() const { return array_to_bytes_->IsLossy(); }
  // True if an array -> array stage moves elements (a transpose that is not the identity): the
  // array -> bytes codec then sees another layout than the chunk's, and region decoders, which
  // start from its output, do not apply.
  bool ReordersElements() const { return !array_stages_.empty(); }
  // True if the chain has array -> array codecs at all, even ones that move no element (a
  // transpose of length-1 axes still changes the shape the array -> bytes codec sees).
  bool HasArrayToArrayCodecs() const { return !array_codecs_.empty(); }
  // The array -> bytes codec, and what it encoded: `encoded` with every bytes -> bytes stage
  // (compression, checksum) undone. Region decoders start from there.
  const ArrayToBytesCodec& array_to_bytes() const { return *array_to_bytes_; }
  Buffer UndoBytesStages(const Buffer& encoded) const { return DecodeStagesDownTo(encoded, 0); }

  // When chunks are stored verbatim (the chunk's own bytes, then an optional crc32c), the
  // number of trailing checksum bytes (0 or 4); nullopt for every other pipeline. The engine
  // then reads such chunks straight into place and checks them with VerifyVerbatim.
  std::optional<std::size_t> VerbatimTrailerBytes() const;
  // CorruptChunkError unless `trailer` is the crc32c of `chunk`.
  void VerifyVerbatim(std::span<const std::byte> chunk, std::span<const std::byte> trailer) const;
  // The trailer to store after a verbatim chunk (its first VerbatimTrailerBytes() bytes).
  std::array<std::byte, 4> VerbatimTrailer(std::span<const std::byte> chunk) const;

 private:
  // Undoes the bytes -> bytes stages with index >= `stop`, the last one first.
  Buffer DecodeStagesDownTo(Buffer encoded, std::size_t stop) const;
  // Applies bytes -> bytes stages from index `first` on.
  Buffer EncodeStagesFrom(Buffer decoded, std::size_t first) const;
  // Encodes / decodes what the array -> bytes codec sees, laid out as bytes_layout_.
  Buffer EncodeArray(std::span<const std::byte> chunk) const;
  void DecodeArrayInto(const Buffer& encoded, std::span<std::byte> chunk) const;

  // An array -> array codec that moves elements, with the layout it takes in.
  struct ArrayStage {
    std::unique_ptr<ArrayToArrayCodec> codec;
    ChunkLayout decoded;
  };

  ChunkLayout layout_;
  ChunkLayout bytes_layout_;                       // what the array -> bytes codec encodes
  std::vector<nlohmann::json> array_codecs_;       // every array -> array codec, for ToJson
  std::vector<ArrayStage> array_stages_;           // the ones that move elements, in encoding order
  const class ShardingCodec* sharding_ = nullptr;  // array_to_bytes_, when it shards
  std::unique_ptr<ArrayToBytesCodec> array_to_bytes_;
  std::vector<std::unique_ptr<BytesToBytesCodec>> bytes_to_bytes_;  // in encoding order
};

}  // namespace hub::codec
