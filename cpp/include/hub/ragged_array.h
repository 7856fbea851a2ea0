// hub::RaggedArray: samples whose extents differ along some axes (images of any size, a
// variable number of boxes), stored as standard Zarr v3 arrays that any reader opens:
//
//   <path>/zarr.json          a group; attributes.hub_v1.ragged describes the array
//   <path>/samples/zarr.json  a sharded `bytes` array (vlen-bytes), one sample per inner chunk:
//                             its C-order little-endian values, or its JPEG / PNG file
//   <path>/shapes/zarr.json   an int64 array (length, ragged axes): each sample's extents
//                             along the axes that vary; the other axes are the same for all
//
// The shapes array's length is the array's length: it is grown last, so a reader or a crash
// sees every sample of that length in place. Reading sample i costs one ranged read of its
// shard (and of the shapes chunk holding row i, cached as any chunk is).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "hub/appender.h"
#include "hub/array.h"
#include "hub/buffer.h"
#include "hub/dtype.h"
#include "hub/image_transform.h"
#include "hub/node.h"
#include "hub/selection.h"
#include "hub/store.h"

namespace hub {

namespace engine {
class Growth;
class SampleCoder;
}  // namespace engine

struct RaggedSpec {
  // The extents of one sample; nullopt marks an axis that varies (at least one does).
  std::vector<std::optional<std::int64_t>> sample_shape;
  DataType dtype = DataType::kUint8;
  // default, gzip, zlib, lz4, zstd, blosc[:options] (each sample's values compressed as a
  // chunk), jpeg or png (each sample is an image file: (H, W) grey or (H, W, C), uint8 for
  // jpeg with C 1 or 3, uint8 or uint16 for png with C 1-4).
  std::string compress = "default";
  double compresslevel = 0.5;
  std::optional<int> jpeg_quality;
  // Samples per stored object (shard); 0 picks about 32 MB of samples at a guessed size.
  std::int64_t samples_per_shard = 0;
};

// One sample to store: its values (C order, the array's dtype) with their shape, or an image
// file's bytes (a JPEG or PNG, as read from disk), whose shape its header gives. An image file
// goes into a jpeg or png array of its own format byte for byte; otherwise it is decoded (and
// encoded again where the array is of the other image format).
struct SampleInput {
  std::span<const std::byte> data;
  std::vector<std::int64_t> shape;  // of the values; ignored for an image file
  bool image_file = false;
};

// A sample as read: its shape and its values (C order, the array's dtype), owned.
struct Sample {
  std::vector<std::int64_t> shape;
  Buffer values;
};

class RaggedArray : public std::enable_shared_from_this<RaggedArray> {
 public:
  // Writes the group and its two arrays' zarr.json. InvalidArgumentError for a bad spec (no
  // varying axis, a bad codec for the dtype or shape), ContainsNodeError as Array::Create
  // (kReopenIfSame reopens a ragged array of the same spec).
  static std::shared_ptr<RaggedArray> Create(std::shared_ptr<Store> store, const std::string& path,
                                             const RaggedSpec& spec,
                                             const CreateOptions& options = {});
  // NotFoundError if no ragged array is at `path`.
  static std::shared_ptr<RaggedArray> Open(std::shared_ptr<Store> store, const std::string& path);
  // The ragged array a group node read by ReadNode describes, or nullptr for any other node.
  static std::shared_ptr<RaggedArray> FromNode(std::shared_ptr<Store> store, const NodeInfo& node);

  const std::string& path() const { return path_; }
  const RaggedSpec& spec() const { return spec_; }
  // As of this handle's last open, growth or Refresh.
  std::int64_t length() const;
  // The shape with the sample axis: length(), then spec().sample_shape.
  std::vector<std::optional<std::int64_t>> shape() const;
  // The sample array and the shapes array (see the file comment).
  std::shared_ptr<Array> samples_array() const { return samples_; }
  std::shared_ptr<Array> shapes_array() const { return shapes_; }

  // The full shapes (sample_shape with the varying axes filled in) of the samples `first_axis`
  // picks, flattened: count x sample_shape.size() values. `first_axis` indexes the samples as
  // numpy indexes a first axis. No sample is read.
  std::vector<std::int64_t> Shapes(const DimIndex& first_axis) const;

  // The samples `selection[0]` picks, each with the rest of `selection` applied within it
  // (numpy semantics against that sample's own shape). `single` is set when selection[0] is
  // an integer. CorruptChunkError naming the array and the sample when a sample's bytes
  // disagree with its recorded shape; OutOfBoundsError naming the sample for an index outside
  // it.
  struct ReadResult {
    std::vector<Sample> samples;
    bool single = false;
  };
  ReadResult Read(const Selection& selection) const;

  // Images `requests[k].index` of an array of uint8 images ((None, None[, C]) or fixed
  // extents, C 1 to 4), each cropped to its box (within that image's own size, which
  // Shapes() gives), resized, mirrored and laid out as `output` (hub/image_transform.h), into
  // out (requests.size() * output.ImageBytes(C) bytes). A JPEG file of the array's channels
  // decodes only what its box keeps, at a reduced scale where that suffices; other samples
  // decode whole. InvalidArgumentError for another array or a box outside its image,
  // OutOfBoundsError for an index outside the array, CorruptChunkError naming the sample.
  void ReadImages(std::span<const ImageRequest> requests, const ImageOutput& output,
                  std::span<std::byte> out) const;

  // Appends `samples` as one growth (see RaggedAppender); returns the new length.
  // InvalidArgumentError naming the sample for a wrong rank or a fixed axis that differs.
  std::int64_t Extend(std::span<const SampleInput> samples);
  // Replaces sample `index` (negative counts from the end) with `sample`, of any shape the
  // spec allows. Its shape row is written after its values: a writer that dies between the
  // two leaves that one sample reading as a CorruptChunkError where the sizes differ.
  void Write(std::int64_t index, const SampleInput& sample);
  // Sets the length. New samples are empty (0 along each varying axis); shrinking drops the
  // samples past the new length.
  void Resize(std::int64_t length);
  // Rereads both arrays' shapes (growth made through other handles).
  void Refresh();

 private:
  friend class RaggedAppender;
  RaggedArray(std::string path, RaggedSpec spec, std::shared_ptr<Array> samples,
              std::shared_ptr<Array> shapes);
  // The samples `first_axis` picks, as coordinates; `single` if it is an integer.
  std::vector<std::int64_t> Pick(const DimIndex& first_axis, bool* single) const;
  // Rows of the shapes array (count x its columns).
  std::vector<std::int64_t> ReadRows(const std::vector<std::int64_t>& coordinates) const;

  const std::string path_;
  const RaggedSpec spec_;
  const std::shared_ptr<Array> samples_;
  const std::shared_ptr<Array> shapes_;
  const std::shared_ptr<const engine::SampleCoder> coder_;
};

// Appends a stream of samples to a ragged array as one growth (see hub::Appender): each Write
// stores its samples beyond the stored length, and Commit makes them visible at once (the
// samples array grown first, the shapes array, whose length is the array's, last). The turn
// is the shapes array's.
class RaggedAppender final : public Appender {
 public:
  explicit RaggedAppender(std::shared_ptr<RaggedArray> array, AppendMode mode = AppendMode::kGrow);
  ~RaggedAppender() override;
  RaggedAppender(const RaggedAppender&) = delete;
  RaggedAppender& operator=(const RaggedAppender&) = delete;

  std::int64_t stored_length() const override;
  std::int64_t length() const override { return length_; }
  // Encodes `samples` (in parallel) and writes them at length().
  void Write(std::span<const SampleInput> samples);
  void Rewind(std::int64_t position) override;
  void Resume(std::int64_t position) override;
  std::int64_t Commit() override;
  void Undo() override;
  void Abandon() override;

 private:
  // InvalidArgumentError unless the appender can still write (`what` names the call).
  void CheckOpen(const char* what) const;

  std::shared_ptr<RaggedArray> array_;
  std::unique_ptr<engine::Growth> shapes_growth_;  // taken first: the array's turn
  std::unique_ptr<engine::Growth> samples_growth_;
  const AppendMode mode_;
  std::int64_t length_ = 0;
  std::int64_t written_ = 0;  // samples written by this appender, for errors naming one
  bool committed_ = false;
};

// What a JPEG or PNG file's header says, read without decoding a pixel: what a SampleInput
// with image_file set is checked against.
struct ImageFileHeader {
  std::string format;  // "jpeg" or "png"
  int height = 0;
  int width = 0;
  int channels = 0;  // as stored: jpeg 1, 3 or 4 (CMYK); png 1 to 4
  int bit_depth = 8;
};
// CorruptChunkError for bytes that are not a JPEG or PNG hub_v1 decodes (palette and low-depth
// PNGs are refused).
ImageFileHeader ReadImageFileHeader(std::span<const std::byte> file);

// A local image file as ReadImageFiles read it: its bytes and header, or why not.
struct ImageFileRead {
  Buffer bytes;
  ImageFileHeader header;
  std::string error;  // empty when it read: else the reason (the path is the caller's)
};
// The files at `paths` (local, whole) read and their headers checked on the engine's threads,
// in order: what bringing a folder of images in spends its time on. A file that does not read,
// or is not a JPEG or PNG hub_v1 decodes, has `error` set; no exception is thrown for one.
std::vector<ImageFileRead> ReadImageFiles(std::span<const std::string> paths);

// The pixels of a JPEG or PNG file as (height, width, channels), uint8 (or native-endian
// uint16 for a 16-bit PNG), converted to `channels` (1 to 4) as Pillow's convert() does.
// CorruptChunkError for a file that does not decode; InvalidArgumentError for other channels.
Sample DecodeImageFile(std::span<const std::byte> file, int channels);

// True if `node` (from ReadNode or ListNodes) is a ragged array's group.
bool IsRaggedArrayNode(const NodeInfo& node);

}  // namespace hub
