// One sample of a ragged array on its way to and from storage: checked against the array's
// spec, encoded as an image file where the array holds them, decoded, and indexed within.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "codec/image_codec.h"
#include "hub/buffer.h"
#include "hub/ragged_array.h"
#include "hub/selection.h"

namespace hub::engine {

// What a ragged array's samples need to be written and read.
class SampleCoder {
 public:
  SampleCoder(std::string path, const RaggedSpec& spec);

  // What goes into the samples array for one sample: its bytes (the caller's own where they
  // can be stored as they are, else `owned`) and its extents along the varying axes.
  struct Stored {
    Buffer owned;
    std::span<const std::byte> bytes;
    std::vector<std::int64_t> ragged_extents;
  };
  // InvalidArgumentError naming sample `number` (of the caller's batch) for a wrong rank, a
  // fixed axis that differs, a byte count that is not the shape's, or an image file that
  // does not parse.
  Stored Encode(const SampleInput& sample, std::int64_t number) const;

  // The sample at `index` (its stored bytes and its row of the shapes array), with `within`
  // applied. CorruptChunkError naming the array and the sample when the bytes disagree with
  // the row; OutOfBoundsError naming it for an index of `within` outside the sample.
  Sample Decode(std::span<const std::byte> bytes, std::span<const std::int64_t> ragged_extents,
                const Selection& within, std::int64_t index) const;

  // The full shape a row of the shapes array gives (CorruptChunkError naming sample `index`
  // for a negative or huge extent).
  std::vector<std::int64_t> FullShape(std::span<const std::int64_t> ragged_extents,
                                      std::int64_t index) const;

 private:
  Stored EncodeImageFile(std::span<const std::byte> file, std::int64_t number) const;
  Stored EncodeValues(const SampleInput& sample, std::int64_t number) const;
  // The chunk layout under which the image codecs see `shape` as one image.
  codec::ChunkLayout ImageLayout(const std::vector<std::int64_t>& shape) const;
  Buffer DecodeImage(std::span<const std::byte> bytes,
                     const std::vector<std::int64_t>& shape) const;
  std::vector<std::int64_t> RaggedExtents(const std::vector<std::int64_t>& shape) const;
  std::size_t ValueBytes(std::span<const std::int64_t> shape) const;

  std::string path_;
  RaggedSpec spec_;
  std::size_t item_size_;
  // The codec that encodes decoded images of a jpeg or png array; null otherwise.
  std::unique_ptr<codec::ImageCodec> image_codec_;
};

}  // namespace hub::engine
