// One ragged sample to and from storage (see ragged_samples.h).
#include "engine/ragged_samples.h"

#include <cstring>

#include "codec/compression_presets.h"
#include "codec/image_files.h"
#include "codec/jpeg_codec.h"
#include "codec/png_codec.h"
#include "common/shape_text.h"
#include "engine/ragged_spec.h"
#include "hub/errors.h"
#include "index/chunk_plan.h"
#include "index/normalized_selection.h"
#include "index/region_copy.h"

namespace hub::engine {
namespace {

// Extents past this are refused before any size is computed from them (a hostile shapes row).
constexpr std::int64_t kMostExtent = std::int64_t{1} << 40;

std::unique_ptr<codec::ImageCodec> MakeImageCodec(const RaggedSpec& spec) {
  if (!HoldsImageFiles(spec)) return nullptr;
  const nlohmann::json codecs = codec::CodecsForCompression(
      spec.compress, codec::ClampCompressLevel(spec.compresslevel), spec.dtype, spec.jpeg_quality);
  const nlohmann::json& configuration = codecs.at(0).at("configuration");
  if (spec.compress == "jpeg") {
    return std::make_unique<codec::JpegCodec>(configuration.at("quality").get<int>());
  }
  return std::make_unique<codec::PngCodec>(configuration.at("level").get<int>());
}

// Copies the part of a C-order block of `shape` that `selection` picks into `out`.
void CopySelection(const index::NormalizedSelection& selection, std::span<const std::int64_t> shape,
                   std::size_t item_size, const std::byte* block, std::byte* out) {
  const index::ChunkPlan plan(selection, shape, shape);
  if (plan.NumChunks() == 0) return;
  std::vector<const index::AxisPiece*> pieces;
  plan.PiecesOf(0, pieces);
  const std::vector<std::int64_t> strides = index::CStrides(shape, item_size);
  const std::vector<std::int64_t> output_strides = index::OutputStrides(selection, item_size);
  const index::CopyGeometry geometry{pieces, shape, strides, output_strides, item_size};
  // kChunkToOutput only reads the block.
  index::CopyRegion(index::CopyDirection::kChunkToOutput, const_cast<std::byte*>(block), out,
                    geometry);
}

bool HasZeroExtent(std::span<const std::int64_t> shape) {
  for (std::int64_t extent : shape) {
    if (extent == 0) return true;
  }
  return false;
}

}  // namespace

SampleCoder::SampleCoder(std::string path, const RaggedSpec& spec)
    : path_(std::move(path)),
      spec_(spec),
      item_size_(ItemSize(spec.dtype)),
      image_codec_(MakeImageCodec(spec)) {}

std::size_t SampleCoder::ValueBytes(std::span<const std::int64_t> shape) const {
  std::size_t bytes = item_size_;
  for (std::int64_t extent : shape) bytes *= static_cast<std::size_t>(extent);
  return bytes;
}

std::vector<std::int64_t> SampleCoder::RaggedExtents(const std::vector<std::int64_t>& shape) const {
  std::vector<std::int64_t> extents;
  for (std::size_t axis = 0; axis < shape.size(); ++axis) {
    if (!spec_.sample_shape[axis]) extents.push_back(shape[axis]);
  }
  return extents;
}

std::vector<std::int64_t> SampleCoder::FullShape(std::span<const std::int64_t> ragged_extents,
                                                 std::int64_t index) const {
  std::vector<std::int64_t> shape;
  std::size_t next = 0;
  // The product is checked as it grows, so no size computed from a hostile row overflows.
  std::int64_t elements = 1;
  for (const auto& fixed : spec_.sample_shape) {
    const std::int64_t extent = fixed ? *fixed : ragged_extents[next++];
    if (extent < 0 || extent > kMostExtent || (extent > 0 && elements > kMostExtent / extent)) {
      throw CorruptChunkError("ragged array '" + path_ + "', sample " + std::to_string(index) +
                              ": its recorded shape holds extent " + std::to_string(extent) +
                              ", which no sample has");
    }
    elements *= extent;
    shape.push_back(extent);
  }
  return shape;
}

SampleCoder::Stored SampleCoder::Encode(const SampleInput& sample, std::int64_t number) const {
  try {
    return sample.image_file ? EncodeImageFile(sample.data, number) : EncodeValues(sample, number);
  } catch (const CorruptChunkError& error) {  // an image file that does not parse
    throw InvalidArgumentError("sample " + std::to_string(number) + " for '" + path_ +
                               "' is not a valid image: " + error.what());
  }
}

SampleCoder::Stored SampleCoder::EncodeValues(const SampleInput& sample,
                                              std::int64_t number) const {
  const std::string what = "sample " + std::to_string(number) + " for '" + path_ + "'";
  const std::size_t rank = spec_.sample_shape.size();
  if (sample.shape.size() != rank) {
    throw InvalidArgumentError(what + " has shape " + ShapeText(sample.shape) + "; samples have " +
                               std::to_string(rank) + " dimensions");
  }
  for (std::size_t axis = 0; axis < rank; ++axis) {
    const auto& fixed = spec_.sample_shape[axis];
    if (sample.shape[axis] < 0 || (fixed && *fixed != sample.shape[axis])) {
      throw InvalidArgumentError(what + " has shape " + ShapeText(sample.shape) + ": axis " +
                                 std::to_string(axis + 1) + " is " +
                                 std::to_string(fixed.value_or(0)) + " for every sample");
    }
  }
  if (sample.data.size() != ValueBytes(sample.shape)) {
    throw InvalidArgumentError(what + " of shape " + ShapeText(sample.shape) + " needs " +
                               std::to_string(ValueBytes(sample.shape)) + " bytes, got " +
                               std::to_string(sample.data.size()));
  }
  Stored stored;
  stored.ragged_extents = RaggedExtents(sample.shape);
  if (!image_codec_ || HasZeroExtent(sample.shape)) {
    stored.bytes = sample.data;  // an empty image is stored as no bytes
    return stored;
  }
  const codec::ChunkLayout layout = ImageLayout(sample.shape);
  image_codec_->CheckLayout(layout);
  stored.owned = image_codec_->EncodeImage(sample.data, codec::ImageGeometry::Of(layout));
  stored.bytes = stored.owned.span();
  return stored;
}

SampleCoder::Stored SampleCoder::EncodeImageFile(std::span<const std::byte> file,
                                                 std::int64_t number) const {
  const codec::ImageFileInfo info = codec::ReadImageFileInfo(file);
  const std::size_t rank = spec_.sample_shape.size();
  const std::string what = "sample " + std::to_string(number) + " for '" + path_ + "'";
  if (rank != 2 && rank != 3) {
    throw InvalidArgumentError(what + " is an image file; samples of this array are " +
                               std::to_string(rank) + "-dimensional, not images");
  }
  const int channels = ImageChannels(spec_);
  if (channels < 1 || channels > 4) {
    throw InvalidArgumentError(what +
                               " is an image file; samples of this array do not have 1 to "
                               "4 channels on a fixed last axis");
  }
  const bool sixteen_bit = spec_.dtype == DataType::kUint16;
  if (spec_.dtype != DataType::kUint8 && !sixteen_bit) {
    throw InvalidArgumentError(what +
                               " is an image file; it goes into uint8 or uint16 arrays, "
                               "not " +
                               std::string(DataTypeName(spec_.dtype)));
  }
  if ((info.bit_depth == 16) != sixteen_bit) {
    throw InvalidArgumentError(what + " is a " + std::to_string(info.bit_depth) +
                               "-bit image; this array holds " +
                               std::string(DataTypeName(spec_.dtype)));
  }
  std::vector<std::int64_t> shape = {info.height, info.width};
  if (rank == 3) shape.push_back(channels);
  for (std::size_t axis = 0; axis < 2; ++axis) {
    const auto& fixed = spec_.sample_shape[axis];
    if (fixed && *fixed != shape[axis]) {
      throw InvalidArgumentError(what + " is an image of shape " + ShapeText(shape) + ": axis " +
                                 std::to_string(axis + 1) + " is " + std::to_string(*fixed) +
                                 " for every sample");
    }
  }
  Stored stored;
  stored.ragged_extents = RaggedExtents(shape);
  const bool same_format = spec_.compress == codec::ImageFileFormatName(info.format);
  // A JPEG of any colour space is kept and decodes to the array's channels; a PNG only with
  // the array's own channels (its alpha or grey would otherwise have to be decided on read).
  if (same_format && (info.format == codec::ImageFileFormat::kJpeg || info.channels == channels)) {
    stored.bytes = file;
    return stored;
  }
  Buffer pixels = Buffer::Allocate(ValueBytes(shape));
  codec::DecodeImageFile(file, info, channels, pixels.mutable_span());
  if (image_codec_) {
    stored.owned =
        image_codec_->EncodeImage(pixels.span(), codec::ImageGeometry::Of(ImageLayout(shape)));
  } else {
    stored.owned = std::move(pixels);
  }
  stored.bytes = stored.owned.span();
  return stored;
}

codec::ChunkLayout SampleCoder::ImageLayout(const std::vector<std::int64_t>& shape) const {
  // The image codecs read a rank-3 chunk as grey images one after another: an (H, W, C)
  // sample is one colour image, a chunk of one.
  if (shape.size() == 3) return {spec_.dtype, {1, shape[0], shape[1], shape[2]}};
  return {spec_.dtype, shape};
}

Buffer SampleCoder::DecodeImage(std::span<const std::byte> bytes,
                                const std::vector<std::int64_t>& shape) const {
  if (HasZeroExtent(shape)) {
    if (!bytes.empty()) {
      throw CorruptChunkError(std::to_string(bytes.size()) + " bytes for an empty image");
    }
    return Buffer::AllocateForReads(0);
  }
  const codec::ImageFileInfo info = codec::ReadImageFileInfo(bytes);
  const int channels = ImageChannels(spec_);
  if (info.height != shape[0] || info.width != shape[1] ||
      (info.bit_depth == 16) != (spec_.dtype == DataType::kUint16)) {
    throw CorruptChunkError("the stored image is " + std::to_string(info.height) + " x " +
                            std::to_string(info.width) + ", " + std::to_string(info.bit_depth) +
                            "-bit, where its recorded shape is " + ShapeText(shape));
  }
  // Allocated only once the file's own header agrees with the recorded shape.
  Buffer pixels = Buffer::AllocateForReads(ValueBytes(shape));
  codec::DecodeImageFile(bytes, info, channels, pixels.mutable_span());
  return pixels;
}

Sample SampleCoder::Decode(std::span<const std::byte> bytes,
                           std::span<const std::int64_t> ragged_extents, const Selection& within,
                           std::int64_t index) const {
  const std::string what = "ragged array '" + path_ + "', sample " + std::to_string(index);
  std::vector<std::int64_t> shape = FullShape(ragged_extents, index);
  Buffer image;
  const std::byte* values = bytes.data();
  try {
    if (image_codec_) {
      image = DecodeImage(bytes, shape);
      values = image.data();
    } else if (bytes.size() != ValueBytes(shape)) {
      throw CorruptChunkError("its values take " + std::to_string(bytes.size()) +
                              " bytes where its recorded shape " + ShapeText(shape) + " needs " +
                              std::to_string(ValueBytes(shape)));
    }
  } catch (const CorruptChunkError& error) {
    throw CorruptChunkError(what + ": " + error.what());
  }
  if (within.empty() && image_codec_) return {std::move(shape), std::move(image)};
  index::NormalizedSelection selection;
  try {
    selection = index::Normalize(within, shape);
  } catch (const OutOfBoundsError& error) {
    throw OutOfBoundsError(what + " of shape " + ShapeText(shape) + ": " + error.what());
  }
  Sample sample;
  sample.shape = selection.OutputShape();
  sample.values = Buffer::AllocateForReads(ValueBytes(sample.shape));
  if (within.empty()) {
    if (!bytes.empty()) std::memcpy(sample.values.data(), values, bytes.size());
  } else {
    CopySelection(selection, shape, item_size_, values, sample.values.data());
  }
  return sample;
}

}  // namespace hub::engine
