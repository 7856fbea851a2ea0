// The Zarr v3 `sharding_indexed` codec: a shard (the stored object) is a grid of inner chunks,
// each encoded on its own by the inner pipeline, followed (or preceded) by an index of where
// each one lies. The engine reads the index and only the inner chunks a selection touches;
// Encode/DecodeInto handle whole shards for everything else (the zarr-python plugin, fuzzing).
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "codec/codec.h"
#include "codec/shard_index.h"
#include "hub/store.h"

namespace hub::codec {

class CodecPipeline;

class ShardingCodec final : public ArrayToBytesCodec {
 public:
  // configuration: chunk_shape, codecs, index_codecs (bytes, then optionally crc32c),
  // index_location ("end" or "start"). The inner pipeline is built by Prepare.
  static std::unique_ptr<ArrayToBytesCodec> FromConfig(const nlohmann::json& configuration);

  // The index_codecs hub_v1 writes, and the spec's default: bytes (little endian), crc32c.
  static nlohmann::json StandardIndexCodecs();

  // Builds the inner pipeline for the shard `layout`; InvalidArgumentError unless the inner
  // chunk shape divides the shard shape, UnsupportedError for nested sharding.
  void Prepare(const ChunkLayout& layout) override;

  const CodecPipeline& inner() const { return *inner_; }
  const std::vector<std::int64_t>& inner_shape() const { return inner_shape_; }
  // Inner chunks per shard along each axis, and in all.
  const std::vector<std::int64_t>& chunks_per_shard() const { return chunks_per_shard_; }
  std::size_t InnerCount() const { return inner_count_; }

  // The index's encoded size and where it lies in a shard.
  std::size_t IndexBytes() const;
  ByteRange IndexRange() const;
  // Parses and validates an encoded index read from a shard of `shard_bytes` bytes (nullopt
  // if the store did not say): its checksum, and that every entry lies inside the shard's
  // data area, does not overflow, overlap another or exceed what an inner chunk could encode
  // to. CorruptChunkError names the inner chunk at fault; nothing is allocated from an entry
  // before it is checked.
  ShardIndex DecodeIndex(std::span<const std::byte> encoded,
                         std::optional<std::uint64_t> shard_bytes) const;
  // The index read from a whole shard's bytes.
  ShardIndex IndexOfShard(std::span<const std::byte> shard) const;

  // A shard from its encoded inner chunks (an empty span: the chunk is empty, not stored):
  // the parts to store in order, which point into `inner` and into `index_storage`. No parts
  // when every inner chunk is empty (such a shard is not stored at all).
  std::vector<std::span<const std::byte>> Assemble(
      std::span<const std::span<const std::byte>> inner, Buffer& index_storage) const;

  // Inner chunk `i` (C order within the shard) as "(a, b, c)", for messages.
  std::string InnerChunkName(std::size_t i) const;
  // The inner chunk's grid position within the shard.
  std::vector<std::int64_t> InnerPosition(std::size_t i) const;

  Buffer Encode(std::span<const std::byte> shard, const ChunkLayout& layout) const override;
  // Refuses string and bytes shards, whose elements need storage of their own: use Decode.
  void DecodeInto(const Buffer& encoded, std::span<std::byte> shard,
                  const ChunkLayout& layout) const override;
  Buffer Decode(const Buffer& encoded, const ChunkLayout& layout) const override;
  nlohmann::json ToJson() const override;
  // Every inner chunk at its largest, and the index.
  std::uint64_t MaxEncodedBytes(const ChunkLayout& layout) const override;

 private:
  std::uint64_t MaxInnerEncodedBytes() const;
  // Decodes every inner chunk of a whole shard into `shard`; with `inner_chunks`, keeps each
  // decoded inner chunk there (string and bytes elements point into them).
  void DecodeInnerChunks(const Buffer& encoded, std::span<std::byte> shard,
                         const ChunkLayout& layout, std::vector<Buffer>* inner_chunks) const;

  nlohmann::json inner_codecs_;
  std::vector<std::int64_t> inner_shape_;
  std::vector<std::int64_t> chunks_per_shard_;
  std::size_t inner_count_ = 0;
  std::shared_ptr<const CodecPipeline> inner_;
  bool index_checksum_ = true;
  bool index_at_start_ = false;
  std::vector<std::byte> fill_value_;  // the shard layout's; empty inner chunks hold it
};

}  // namespace hub::codec
