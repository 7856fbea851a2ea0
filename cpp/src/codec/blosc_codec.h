// The Zarr v3 `blosc` codec through c-blosc 1 (the frames numcodecs, zarr-python, TensorStore
// and zarrs write): a shuffle of the bytes or bits of each `typesize`-byte element, then one of
// blosc's compressors, block by block.
#pragma once

#include <cstdint>
#include <string>

#include "codec/codec.h"

namespace hub::codec {

class BloscCodec final : public BytesToBytesCodec {
 public:
  enum class Shuffle { kNone, kBytes, kBits };

  struct Settings {
    std::string cname = "lz4";  // blosclz, lz4, lz4hc, snappy, zlib or zstd
    int clevel = 5;             // 0 (no compression) to 9
    Shuffle shuffle = Shuffle::kNone;
    int typesize = 1;   // the element size the shuffle works on, 1 to 255
    int blocksize = 0;  // bytes per block; 0 lets blosc choose
  };

  static std::unique_ptr<BytesToBytesCodec> FromConfig(const nlohmann::json& configuration);
  explicit BloscCodec(Settings settings) : settings_(std::move(settings)) {}

  // The shuffle that suits elements of `item_size` bytes: bytes for multi-byte numbers, none
  // for single bytes (a bit shuffle of pixels costs more time than it saves space).
  static Shuffle ShuffleFor(std::size_t item_size);
  // The spec's name of a shuffle ("noshuffle", "shuffle", "bitshuffle"), and back.
  static std::string_view ShuffleName(Shuffle shuffle);
  static Shuffle ParseShuffle(std::string_view name);
  // InvalidArgumentError unless blosc can write with `cname` (this build's list).
  static void CheckCompressor(const std::string& cname);

  Buffer Encode(std::span<const std::byte> decoded) const override;
  void DecodeInto(const Buffer& encoded, std::span<std::byte> out) const override;
  Buffer Decode(const Buffer& encoded, std::size_t max_size) const override;
  nlohmann::json ToJson() const override;

 private:
  Settings settings_;
};

}  // namespace hub::codec
