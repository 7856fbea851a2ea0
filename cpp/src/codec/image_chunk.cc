// The image chunk header (see image_chunk.h).
#include "codec/image_chunk.h"

#include <cstring>
#include <string>

#include "hub/errors.h"

namespace hub::codec {
namespace {

constexpr char kMagic[4] = {'H', 'U', 'B', 'I'};
constexpr std::uint8_t kVersion = 1;
constexpr std::size_t kFixedHeader = 16;

template <typename T>
T LoadLittleEndian(const std::byte* p) {
  T value;
  std::memcpy(&value, p, sizeof(T));  // hosts are little endian (checked in bytes_codec.cc)
  return value;
}

}  // namespace

ImageChunk::ImageChunk(const Buffer& encoded, std::size_t expected_count) : encoded_(encoded) {
  const std::byte* p = encoded.data();
  if (encoded.size() < kFixedHeader || std::memcmp(p, kMagic, 4) != 0) {
    throw CorruptChunkError("not a hub_v1 image chunk (bad magic)");
  }
  if (static_cast<std::uint8_t>(p[4]) != kVersion) {
    throw CorruptChunkError("image chunk version " + std::to_string(static_cast<int>(p[4])) +
                            " is not supported (this build reads version 1)");
  }
  const auto count = LoadLittleEndian<std::uint32_t>(p + 8);
  if (count != expected_count) {
    throw CorruptChunkError("image chunk holds " + std::to_string(count) + " images where " +
                            std::to_string(expected_count) + " were expected");
  }
  const std::size_t table_bytes = (static_cast<std::size_t>(count) + 1) * 8;
  if (encoded.size() - kFixedHeader < table_bytes) {
    throw CorruptChunkError("image chunk header is truncated");
  }
  data_start_ = kFixedHeader + table_bytes;
  const std::uint64_t data_size = encoded.size() - data_start_;
  offsets_.resize(count + 1);
  for (std::size_t i = 0; i <= count; ++i) {
    offsets_[i] = LoadLittleEndian<std::uint64_t>(p + kFixedHeader + 8 * i);
    if ((i == 0 && offsets_[i] != 0) || (i > 0 && offsets_[i] < offsets_[i - 1]) ||
        offsets_[i] > data_size) {
      throw CorruptChunkError("image chunk offsets are inconsistent");
    }
  }
  if (offsets_[count] != data_size) throw CorruptChunkError("image chunk size mismatch");
}

bool ImageChunk::HasHeader(std::span<const std::byte> encoded) {
  return encoded.size() >= sizeof(kMagic) && std::memcmp(encoded.data(), kMagic, 4) == 0;
}

std::span<const std::byte> ImageChunk::Image(std::size_t i) const {
  return encoded_.span().subspan(data_start_ + offsets_[i], offsets_[i + 1] - offsets_[i]);
}

Buffer ImageChunk::Assemble(std::span<const std::span<const std::byte>> images) {
  const std::size_t header = kFixedHeader + (images.size() + 1) * 8;
  std::size_t total = header;
  for (const auto& image : images) total += image.size();
  Buffer chunk = Buffer::Allocate(total);
  std::byte* p = chunk.data();
  std::memset(p, 0, kFixedHeader);
  std::memcpy(p, kMagic, 4);
  p[4] = static_cast<std::byte>(kVersion);
  const auto count = static_cast<std::uint32_t>(images.size());
  std::memcpy(p + 8, &count, 4);
  std::uint64_t offset = 0;
  std::byte* data = p + header;
  for (std::size_t i = 0; i <= images.size(); ++i) {
    std::memcpy(p + kFixedHeader + 8 * i, &offset, 8);
    if (i == images.size()) break;
    if (!images[i].empty()) std::memcpy(data + offset, images[i].data(), images[i].size());
    offset += images[i].size();
  }
  return chunk;
}

}  // namespace hub::codec
