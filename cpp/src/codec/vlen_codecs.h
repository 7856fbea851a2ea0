// The Zarr v3 `vlen-utf8` and `vlen-bytes` codecs: a chunk of string or bytes elements as a
// little-endian u32 element count, then for each element (C order) its u32 byte length and
// its bytes. zarr-python and numcodecs write the same layout.
#pragma once

#include "codec/codec.h"

namespace hub::codec {

class VlenCodec final : public ArrayToBytesCodec {
 public:
  enum class Kind { kUtf8, kBytes };

  static std::unique_ptr<ArrayToBytesCodec> Utf8FromConfig(const nlohmann::json& configuration);
  static std::unique_ptr<ArrayToBytesCodec> BytesFromConfig(const nlohmann::json& configuration);
  explicit VlenCodec(Kind kind) : kind_(kind) {}

  // Elements whose bytes are not UTF-8 (kUtf8), or longer than a u32 counts, are an
  // InvalidArgumentError naming the element.
  Buffer Encode(std::span<const std::byte> chunk, const ChunkLayout& layout) const override;
  // The elements point into the returned buffer's own storage, after them. A count that is
  // not the chunk's, a length past the end, bytes left over or text that is not UTF-8 is a
  // CorruptChunkError naming the element, found before anything is allocated from it.
  Buffer Decode(const Buffer& encoded, const ChunkLayout& layout) const override;
  // Refused (InvalidArgumentError): variable-length elements need storage of their own.
  void DecodeInto(const Buffer& encoded, std::span<std::byte> chunk,
                  const ChunkLayout& layout) const override;
  void Prepare(const ChunkLayout& layout) override;
  std::uint64_t MaxEncodedBytes(const ChunkLayout& layout) const override;
  nlohmann::json ToJson() const override;

 private:
  Kind kind_;
};

// True if `text` is well-formed UTF-8 (no overlong forms, no surrogates, nothing past
// U+10FFFF), as Python's decoder requires.
bool IsUtf8(std::string_view text);

}  // namespace hub::codec
