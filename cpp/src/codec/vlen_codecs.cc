// vlen-utf8 and vlen-bytes (see vlen_codecs.h).
#include "codec/vlen_codecs.h"

#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "codec/variable_elements.h"
#include "hub/errors.h"

namespace hub::codec {
namespace {

constexpr std::size_t kLengthBytes = 4;

std::uint32_t LoadU32(const std::byte* at) {
  std::uint32_t value;
  std::memcpy(&value, at, sizeof(value));
  return value;  // the host is little endian, as the format (bytes_codec.cc checks)
}

void StoreU32(std::byte* at, std::uint32_t value) { std::memcpy(at, &value, sizeof(value)); }

// The length of the UTF-8 sequence `text` starts with, or 0 if it is not well formed.
std::size_t SequenceLength(std::string_view text) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  const auto continuation = [&](std::size_t i) {
    return i < text.size() && (byte(i) & 0xC0) == 0x80;
  };
  const unsigned char lead = byte(0);
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) return continuation(1) ? 2 : 0;
  if (lead >= 0xE0 && lead <= 0xEF) {
    if (!continuation(1) || !continuation(2)) return 0;
    if (lead == 0xE0 && byte(1) < 0xA0) return 0;   // overlong
    if (lead == 0xED && byte(1) >= 0xA0) return 0;  // a surrogate
    return 3;
  }
  if (lead >= 0xF0 && lead <= 0xF4) {
    if (!continuation(1) || !continuation(2) || !continuation(3)) return 0;
    if (lead == 0xF0 && byte(1) < 0x90) return 0;   // overlong
    if (lead == 0xF4 && byte(1) >= 0x90) return 0;  // past U+10FFFF
    return 4;
  }
  return 0;
}

}  // namespace

bool IsUtf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    // ASCII, the common case, eight bytes at a time.
    if (i + 8 <= text.size()) {
      std::uint64_t word;
      std::memcpy(&word, text.data() + i, sizeof(word));
      if ((word & 0x8080808080808080ULL) == 0) {
        i += 8;
        continue;
      }
    }
    const std::size_t length = SequenceLength(text.substr(i));
    if (length == 0) return false;
    i += length;
  }
  return true;
}

std::unique_ptr<ArrayToBytesCodec> VlenCodec::Utf8FromConfig(const nlohmann::json&) {
  return std::make_unique<VlenCodec>(Kind::kUtf8);
}

std::unique_ptr<ArrayToBytesCodec> VlenCodec::BytesFromConfig(const nlohmann::json&) {
  return std::make_unique<VlenCodec>(Kind::kBytes);
}

void VlenCodec::Prepare(const ChunkLayout& layout) {
  const DataType wanted = kind_ == Kind::kUtf8 ? DataType::kString : DataType::kBytes;
  if (layout.dtype != wanted) {
    throw InvalidArgumentError("codec '" + ToJson()["name"].get<std::string>() + "' stores " +
                               std::string(DataTypeName(wanted)) + " arrays, not " +
                               std::string(DataTypeName(layout.dtype)));
  }
}

Buffer VlenCodec::Encode(std::span<const std::byte> chunk, const ChunkLayout&) const {
  const std::span<const VariableElement> elements = AsElements(chunk);
  if (elements.size() > std::numeric_limits<std::uint32_t>::max()) {
    throw InvalidArgumentError("a chunk holds more elements than vlen codecs count (2^32 - 1)");
  }
  std::uint64_t total = kLengthBytes;
  for (std::size_t i = 0; i < elements.size(); ++i) {
    const VariableElement& element = elements[i];
    if (element.size > std::numeric_limits<std::uint32_t>::max()) {
      throw InvalidArgumentError("element " + std::to_string(i) + " of a chunk holds " +
                                 std::to_string(element.size) +
                                 " bytes: vlen codecs store at most 2^32 - 1 per element");
    }
    if (kind_ == Kind::kUtf8 && !IsUtf8(element.view())) {
      throw InvalidArgumentError("element " + std::to_string(i) +
                                 " of a chunk of a string array is not UTF-8");
    }
    total += kLengthBytes + element.size;
  }
  Buffer encoded = Buffer::Allocate(total);
  std::byte* at = encoded.data();
  StoreU32(at, static_cast<std::uint32_t>(elements.size()));
  at += kLengthBytes;
  for (const VariableElement& element : elements) {
    StoreU32(at, static_cast<std::uint32_t>(element.size));
    at += kLengthBytes;
    if (element.size > 0) std::memcpy(at, element.data, element.size);
    at += element.size;
  }
  return encoded;
}

Buffer VlenCodec::Decode(const Buffer& encoded, const ChunkLayout& layout) const {
  const std::span<const std::byte> bytes = encoded.span();
  const std::size_t count = layout.NumElements();
  if (bytes.size() < kLengthBytes) {
    throw CorruptChunkError("the chunk holds " + std::to_string(bytes.size()) +
                            " bytes, too few for its element count");
  }
  if (LoadU32(bytes.data()) != count) {
    throw CorruptChunkError("the chunk says it holds " + std::to_string(LoadU32(bytes.data())) +
                            " elements where " + std::to_string(count) + " were expected");
  }
  // Every length checked against the bytes that are there (nothing is allocated from one),
  // each element a view into `encoded`; then the chunk gets storage of its own.
  std::vector<VariableElement> views;
  views.reserve(count);
  std::size_t at = kLengthBytes;
  for (std::size_t i = 0; i < count; ++i) {
    if (bytes.size() - at < kLengthBytes) {
      throw CorruptChunkError("the chunk ends before the length of element " + std::to_string(i));
    }
    const std::uint32_t length = LoadU32(bytes.data() + at);
    at += kLengthBytes;
    if (bytes.size() - at < length) {
      throw CorruptChunkError("element " + std::to_string(i) + " claims " + std::to_string(length) +
                              " bytes, past the end of the chunk");
    }
    const VariableElement view{bytes.data() + at, length};
    if (kind_ == Kind::kUtf8 && !IsUtf8(view.view())) {
      throw CorruptChunkError("element " + std::to_string(i) + " is not UTF-8 text");
    }
    views.push_back(view);
    at += length;
  }
  if (at != bytes.size()) {
    throw CorruptChunkError(std::to_string(bytes.size() - at) +
                            " bytes follow the chunk's last element");
  }
  return CopyElements(views);
}

void VlenCodec::DecodeInto(const Buffer&, std::span<std::byte>, const ChunkLayout&) const {
  throw InvalidArgumentError(
      "chunks of variable-length elements decode into storage of their "
      "own: use Decode");
}

std::uint64_t VlenCodec::MaxEncodedBytes(const ChunkLayout& layout) const {
  return kLengthBytes + layout.NumElements() * kLengthBytes + kMaxVariableChunkBytes;
}

nlohmann::json VlenCodec::ToJson() const {
  return CodecJson(kind_ == Kind::kUtf8 ? "vlen-utf8" : "vlen-bytes", nlohmann::json::object());
}

}  // namespace hub::codec
