// The three codec interfaces of a Zarr v3 pipeline: array -> array (transpose), array -> bytes
// (bytes, images, sharding) and bytes -> bytes (compressors, checksums). Each codec is one
// .h/.cc pair registered by name.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <span>
#include <vector>

#include "hub/buffer.h"
#include "hub/dtype.h"

namespace hub::codec {

// The decoded form of a chunk: a C-order block of `shape` elements of `dtype`.
struct ChunkLayout {
  DataType dtype;
  std::vector<std::int64_t> shape;
  // One element: what a chunk that was never stored holds (empty: zero). Sharding uses it for
  // empty inner chunks.
  std::vector<std::byte> fill_value = {};

  std::size_t NumElements() const;
  std::size_t NumBytes() const { return NumElements() * ItemSize(dtype); }
};

// The most bytes a decoded chunk of string or bytes elements may hold (their values, beyond
// their VariableElements): a hostile chunk cannot make a codec produce more. Chunks of such
// elements are one sample to a few MB in practice.
inline constexpr std::uint64_t kMaxVariableChunkBytes = std::uint64_t{512} << 20;

class ArrayToArrayCodec {
 public:
  virtual ~ArrayToArrayCodec() = default;
  // Called once when the pipeline is built for chunks of `decoded`: checks the codec suits them
  // (InvalidArgumentError otherwise) and returns the layout of what it encodes them to.
  virtual ChunkLayout EncodedLayout(const ChunkLayout& decoded) const = 0;
  // True if encoding chunks of `decoded` leaves their bytes as they are: the pipeline then
  // skips the codec.
  virtual bool IsIdentity(const ChunkLayout& decoded) const = 0;
  // Both write exactly decoded.NumBytes() bytes.
  virtual void Encode(std::span<const std::byte> chunk, const ChunkLayout& decoded,
                      std::span<std::byte> encoded) const = 0;
  virtual void Decode(std::span<const std::byte> encoded, const ChunkLayout& decoded,
                      std::span<std::byte> chunk) const = 0;
  virtual nlohmann::json ToJson() const = 0;
};

class ArrayToBytesCodec {
 public:
  virtual ~ArrayToBytesCodec() = default;
  virtual Buffer Encode(std::span<const std::byte> chunk, const ChunkLayout& layout) const = 0;
  // Decodes into `chunk` (exactly layout.NumBytes()); CorruptChunkError on any mismatch.
  virtual void DecodeInto(const Buffer& encoded, std::span<std::byte> chunk,
                          const ChunkLayout& layout) const = 0;
  // Decodes into a buffer of its own, layout.NumBytes() long; for variable-length elements it
  // also owns the bytes they point to (see VlenCodec). The default allocates and DecodeInto's.
  virtual Buffer Decode(const Buffer& encoded, const ChunkLayout& layout) const {
    Buffer chunk = Buffer::Allocate(layout.NumBytes());
    DecodeInto(encoded, chunk.mutable_span(), layout);
    return chunk;
  }
  // True if the encoded form is the chunk's bytes unchanged; the pipeline then lets the
  // next codec decode straight into the destination.
  virtual bool IsIdentity(const ChunkLayout& /*layout*/) const { return false; }
  virtual nlohmann::json ToJson() const = 0;
  // True if decoding gives back other values than were encoded (jpeg): what was written
  // must then not be cached as what a read would return.
  virtual bool IsLossy() const { return false; }
  // Called once when the pipeline is built for chunks of `layout`: checks that the codec can
  // store them (InvalidArgumentError otherwise) and prepares what depends on the layout.
  virtual void Prepare(const ChunkLayout& /*layout*/) {}
  // The most bytes any valid encoding of a chunk of `layout` takes, by any writer: a stored
  // object past it is refused unread. The default is for codecs that store the bytes as they
  // are.
  virtual std::uint64_t MaxEncodedBytes(const ChunkLayout& layout) const {
    return layout.NumBytes();
  }
};

class BytesToBytesCodec {
 public:
  virtual ~BytesToBytesCodec() = default;
  virtual Buffer Encode(std::span<const std::byte> decoded) const = 0;
  // Decodes into `out`; CorruptChunkError unless the result fills `out` exactly.
  virtual void DecodeInto(const Buffer& encoded, std::span<std::byte> out) const = 0;
  // Decodes when the size is not known in advance; refuses to produce over `max_size` bytes.
  virtual Buffer Decode(const Buffer& encoded, std::size_t max_size) const = 0;
  // The most bytes any valid encoding of `decoded` bytes takes, by any writer. The default
  // suits compressors: their worst case (stored or raw blocks) adds well under 1/8 plus
  // headers.
  virtual std::uint64_t MaxEncodedBytes(std::uint64_t decoded) const {
    return decoded + decoded / 8 + (std::uint64_t{64} << 10);
  }
  virtual nlohmann::json ToJson() const = 0;
};

// A codec JSON entry: {"name": ..., "configuration": {...}}, configuration optional.
nlohmann::json CodecJson(std::string_view name, nlohmann::json configuration = nullptr);

// Reads configuration[key] as an integer in [low, high]; InvalidArgumentError otherwise.
int ConfigInt(const nlohmann::json& configuration, const char* codec, const char* key, int low,
              int high, int default_value);

}  // namespace hub::codec
