// Zarr v3 sharding (see sharding_codec.h).
#include "codec/sharding_codec.h"

#include <algorithm>
#include <numeric>

#include "codec/codec_pipeline.h"
#include "codec/crc32c.h"
#include "codec/variable_elements.h"
#include "hub/errors.h"
#include "index/region_copy.h"

namespace hub::codec {
namespace {

using nlohmann::json;

[[noreturn]] void Invalid(const std::string& what) {
  throw InvalidArgumentError("sharding_indexed: " + what);
}

std::vector<std::int64_t> ParseChunkShape(const json& value) {
  if (!value.is_array() || value.empty()) Invalid("'chunk_shape' must be a list of integers");
  std::vector<std::int64_t> shape;
  for (const auto& item : value) {
    if (!item.is_number_integer() || item.get<std::int64_t>() <= 0) {
      Invalid("'chunk_shape' must hold positive integers, got " + value.dump());
    }
    shape.push_back(item.get<std::int64_t>());
  }
  return shape;
}

// index_codecs must be `bytes` (little endian), optionally followed by `crc32c`: what
// zarr-python and TensorStore write. Returns whether the checksum is there.
bool ParseIndexCodecs(const json& codecs) {
  auto name_of = [](const json& codec) {
    return codec.is_object() && codec.contains("name") && codec["name"].is_string()
               ? codec["name"].get<std::string>()
               : std::string();
  };
  const bool little_bytes =
      codecs.is_array() && !codecs.empty() && name_of(codecs[0]) == "bytes" &&
      (!codecs[0].contains("configuration") || !codecs[0]["configuration"].is_object() ||
       codecs[0]["configuration"].value("endian", json("little")) == "little");
  if (little_bytes && codecs.size() == 1) return false;
  if (little_bytes && codecs.size() == 2 && name_of(codecs[1]) == "crc32c") return true;
  throw UnsupportedError(
      "sharding_indexed: index_codecs other than [bytes (little endian), "
      "crc32c] are not supported, got " +
      codecs.dump());
}

[[noreturn]] void CorruptIndex(const std::string& what) {
  throw CorruptChunkError("shard index: " + what);
}

}  // namespace

std::unique_ptr<ArrayToBytesCodec> ShardingCodec::FromConfig(const json& configuration) {
  if (!configuration.is_object()) Invalid("the configuration must be an object");
  auto codec = std::make_unique<ShardingCodec>();
  codec->inner_shape_ = ParseChunkShape(configuration.value("chunk_shape", json()));
  codec->inner_codecs_ = configuration.value("codecs", json());
  if (!codec->inner_codecs_.is_array() || codec->inner_codecs_.empty()) {
    Invalid("'codecs' must be a non-empty list");
  }
  codec->index_checksum_ =
      ParseIndexCodecs(configuration.value("index_codecs", StandardIndexCodecs()));
  const json location = configuration.value("index_location", json("end"));
  if (location != "end" && location != "start") {
    Invalid("'index_location' must be \"end\" or \"start\", got " + location.dump());
  }
  codec->index_at_start_ = location == "start";
  return codec;
}

json ShardingCodec::StandardIndexCodecs() {
  return json::array({CodecJson("bytes", {{"endian", "little"}}), CodecJson("crc32c")});
}

void ShardingCodec::Prepare(const ChunkLayout& layout) {
  if (inner_shape_.size() != layout.shape.size()) {
    Invalid("the inner chunk_shape has " + std::to_string(inner_shape_.size()) +
            " dimensions but the shard has " + std::to_string(layout.shape.size()));
  }
  chunks_per_shard_.clear();
  inner_count_ = 1;
  for (std::size_t axis = 0; axis < inner_shape_.size(); ++axis) {
    if (layout.shape[axis] % inner_shape_[axis] != 0) {
      Invalid("the shard shape " + json(layout.shape).dump() +
              " is not a multiple of the inner chunk shape " + json(inner_shape_).dump());
    }
    chunks_per_shard_.push_back(layout.shape[axis] / inner_shape_[axis]);
    if (static_cast<std::uint64_t>(chunks_per_shard_.back()) >
        (std::uint64_t{1} << 24) / inner_count_) {
      Invalid("a shard may hold at most 2^24 inner chunks");
    }
    inner_count_ *= static_cast<std::size_t>(chunks_per_shard_.back());
  }
  fill_value_ = layout.fill_value;
  inner_ = CodecPipeline::FromJson(inner_codecs_, {layout.dtype, inner_shape_, layout.fill_value});
  if (inner_->sharding()) throw UnsupportedError("nested sharding_indexed is not supported");
}

std::size_t ShardingCodec::IndexBytes() const {
  return 16 * inner_count_ + (index_checksum_ ? 4 : 0);
}

ByteRange ShardingCodec::IndexRange() const {
  return index_at_start_ ? ByteRange::Bytes(0, IndexBytes()) : ByteRange::Suffix(IndexBytes());
}

std::uint64_t ShardingCodec::MaxInnerEncodedBytes() const { return inner_->MaxEncodedBytes(); }

std::uint64_t ShardingCodec::MaxEncodedBytes(const ChunkLayout& /*layout*/) const {
  return inner_count_ * MaxInnerEncodedBytes() + IndexBytes();
}

ShardIndex ShardingCodec::DecodeIndex(std::span<const std::byte> encoded,
                                      std::optional<std::uint64_t> known_shard_bytes) const {
  const std::size_t index_bytes = IndexBytes();
  const std::uint64_t shard_bytes = known_shard_bytes.value_or(UINT64_MAX);
  if (shard_bytes < index_bytes || encoded.size() != index_bytes) {
    CorruptIndex("the shard holds " +
                 std::to_string(known_shard_bytes ? shard_bytes : encoded.size()) +
                 " bytes, fewer than its " + std::to_string(index_bytes) + "-byte index");
  }
  const std::size_t entry_bytes = 16 * inner_count_;
  if (index_checksum_) {
    std::uint32_t stored;
    std::memcpy(&stored, encoded.data() + entry_bytes, 4);
    if (Crc32c(encoded.first(entry_bytes)) != stored) {
      CorruptIndex("crc32c checksum mismatch: the index is corrupted or truncated");
    }
  }
  ShardIndex index(Buffer::CopyOf(encoded.first(entry_bytes)));
  // The data area: everything but the index.
  const std::uint64_t data_start = index_at_start_ ? index_bytes : 0;
  const std::uint64_t data_end = index_at_start_ ? shard_bytes : shard_bytes - index_bytes;
  const std::uint64_t max_inner = MaxInnerEncodedBytes();
  std::vector<std::pair<std::uint64_t, std::size_t>> by_offset;  // (offset, inner chunk)
  for (std::size_t i = 0; i < inner_count_; ++i) {
    if (index.IsEmpty(i)) continue;
    const std::uint64_t offset = index.offset(i);
    const std::uint64_t nbytes = index.nbytes(i);
    auto bad = [&](const std::string& what) {
      CorruptIndex(
          "inner chunk " + InnerChunkName(i) + " " + what + " (offset " + std::to_string(offset) +
          ", " + std::to_string(nbytes) + " bytes" +
          (known_shard_bytes ? ", shard of " + std::to_string(shard_bytes) + " bytes)" : ")"));
    };
    if (nbytes == 0) bad("is stored with length 0");
    if (nbytes > max_inner) bad("is longer than the inner chunk could ever encode to");
    if (offset > UINT64_MAX - nbytes) bad("overflows");
    if (offset < data_start || offset + nbytes > data_end) bad("lies outside the shard's data");
    by_offset.emplace_back(offset, i);
  }
  std::sort(by_offset.begin(), by_offset.end());
  for (std::size_t k = 1; k < by_offset.size(); ++k) {
    const auto [offset, i] = by_offset[k];
    const auto [previous_offset, previous] = by_offset[k - 1];
    if (previous_offset + index.nbytes(previous) > offset) {
      CorruptIndex("inner chunks " + InnerChunkName(previous) + " and " + InnerChunkName(i) +
                   " overlap");
    }
  }
  return index;
}

ShardIndex ShardingCodec::IndexOfShard(std::span<const std::byte> shard) const {
  const std::size_t index_bytes = IndexBytes();
  if (shard.size() < index_bytes) return DecodeIndex({}, shard.size());
  const auto encoded = index_at_start_ ? shard.first(index_bytes) : shard.last(index_bytes);
  return DecodeIndex(encoded, shard.size());
}

std::vector<std::span<const std::byte>> ShardingCodec::Assemble(
    std::span<const std::span<const std::byte>> inner, Buffer& index_storage) const {
  ShardIndex index(inner_count_);
  std::uint64_t offset = index_at_start_ ? IndexBytes() : 0;
  std::vector<std::span<const std::byte>> parts;
  if (index_at_start_) parts.emplace_back();  // the index, once it is known
  for (std::size_t i = 0; i < inner_count_; ++i) {
    if (inner[i].empty()) continue;
    index.Set(i, offset, inner[i].size());
    offset += inner[i].size();
    parts.push_back(inner[i]);
  }
  if (index.AllEmpty()) return {};
  index_storage = Buffer::Allocate(IndexBytes());
  std::memcpy(index_storage.data(), index.entries().data(), index.entries().size());
  if (index_checksum_) {
    const std::uint32_t checksum = Crc32c(index.entries().span());
    std::memcpy(index_storage.data() + index.entries().size(), &checksum, 4);
  }
  if (index_at_start_) {
    parts[0] = index_storage.span();
  } else {
    parts.push_back(index_storage.span());
  }
  return parts;
}

std::vector<std::int64_t> ShardingCodec::InnerPosition(std::size_t i) const {
  std::vector<std::int64_t> position(chunks_per_shard_.size());
  for (std::size_t axis = position.size(); axis-- > 0;) {
    const auto extent = static_cast<std::size_t>(chunks_per_shard_[axis]);
    position[axis] = static_cast<std::int64_t>(i % extent);
    i /= extent;
  }
  return position;
}

std::string ShardingCodec::InnerChunkName(std::size_t i) const {
  std::string name = "(";
  const auto position = InnerPosition(i);
  for (std::size_t axis = 0; axis < position.size(); ++axis) {
    name += (axis ? ", " : "") + std::to_string(position[axis]);
  }
  return name + ")";
}

Buffer ShardingCodec::Encode(std::span<const std::byte> shard, const ChunkLayout& layout) const {
  const std::size_t item_size = ItemSize(layout.dtype);
  Buffer scratch = Buffer::Allocate(inner_->layout().NumBytes());
  std::vector<Buffer> encoded(inner_count_);
  std::vector<std::span<const std::byte>> views(inner_count_);
  std::vector<std::int64_t> origin(inner_shape_.size());
  for (std::size_t i = 0; i < inner_count_; ++i) {
    const auto position = InnerPosition(i);
    for (std::size_t axis = 0; axis < origin.size(); ++axis) {
      origin[axis] = position[axis] * inner_shape_[axis];
    }
    index::CopyBlock(index::CopyDirection::kOutputToChunk, scratch.data(),
                     const_cast<std::byte*>(shard.data()), inner_shape_, layout.shape, origin,
                     item_size);
    if (index::HoldsOnlyElement(scratch.span(), fill_value_)) continue;
    encoded[i] = inner_->Encode(scratch.span());
    views[i] = encoded[i].span();
  }
  Buffer index_storage;
  const auto parts = Assemble(views, index_storage);
  std::size_t total = 0;
  for (const auto& part : parts) total += part.size();
  Buffer out = Buffer::Allocate(total);
  std::size_t at = 0;
  for (const auto& part : parts) {
    std::memcpy(out.data() + at, part.data(), part.size());
    at += part.size();
  }
  return out;  // empty for an all-empty shard, which callers do not store
}

void ShardingCodec::DecodeInto(const Buffer& encoded, std::span<std::byte> shard,
                               const ChunkLayout& layout) const {
  if (IsVariableLength(layout.dtype)) {
    throw InvalidArgumentError(
        "shards of variable-length elements decode into storage of "
        "their own: use Decode");
  }
  DecodeInnerChunks(encoded, shard, layout, nullptr);
}

Buffer ShardingCodec::Decode(const Buffer& encoded, const ChunkLayout& layout) const {
  if (!IsVariableLength(layout.dtype)) return ArrayToBytesCodec::Decode(encoded, layout);
  Buffer elements = Buffer::Allocate(layout.NumBytes());
  std::vector<Buffer> inner_chunks;
  DecodeInnerChunks(encoded, elements.mutable_span(), layout, &inner_chunks);
  return CopyElements(AsElements(elements.span()));
}

void ShardingCodec::DecodeInnerChunks(const Buffer& encoded, std::span<std::byte> shard,
                                      const ChunkLayout& layout,
                                      std::vector<Buffer>* inner_chunks) const {
  const ShardIndex index = IndexOfShard(encoded.span());
  const std::size_t item_size = ItemSize(layout.dtype);
  Buffer fill = Buffer::Allocate(inner_->layout().NumBytes());
  index::FillWithElement(fill.mutable_span(), fill_value_);
  std::vector<std::int64_t> origin(inner_shape_.size());
  for (std::size_t i = 0; i < inner_count_; ++i) {
    const auto position = InnerPosition(i);
    for (std::size_t axis = 0; axis < origin.size(); ++axis) {
      origin[axis] = position[axis] * inner_shape_[axis];
    }
    Buffer decoded = fill;  // empty inner chunks hold the fill value
    if (!index.IsEmpty(i)) {
      try {
        decoded = inner_->Decode(encoded.Slice(index.offset(i), index.nbytes(i)));
      } catch (const CorruptChunkError& error) {
        throw CorruptChunkError("inner chunk " + InnerChunkName(i) + ": " + error.what());
      }
    }
    index::CopyBlock(index::CopyDirection::kChunkToOutput, decoded.data(), shard.data(),
                     inner_shape_, layout.shape, origin, item_size);
    if (inner_chunks) inner_chunks->push_back(std::move(decoded));
  }
}

json ShardingCodec::ToJson() const {
  json index_codecs = StandardIndexCodecs();
  if (!index_checksum_) index_codecs.erase(1);
  return {{"name", "sharding_indexed"},
          {"configuration",
           {{"chunk_shape", inner_shape_},
            {"codecs", inner_->ToJson()},
            {"index_codecs", index_codecs},
            {"index_location", index_at_start_ ? "start" : "end"}}}};
}

}  // namespace hub::codec
