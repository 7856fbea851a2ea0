// hub::Array: an N-dimensional chunked array stored as Zarr v3 in a Store.
// Select() plans a numpy-style selection once; Read()/Write() move its bytes in parallel.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "hub/appender.h"
#include "hub/buffer.h"
#include "hub/dtype.h"
#include "hub/image_transform.h"
#include "hub/node.h"
#include "hub/selection.h"
#include "hub/store.h"

namespace hub {

struct ArraySpec {
  std::vector<std::int64_t> shape;
  // The unit of compression, checksum and random access. Empty: one image per chunk for jpeg
  // and png; else, where a sample (an item along the first axis) is at least
  // kChunkPerSampleFromBytes and shard_shape is empty, one sample per chunk in shards of
  // DefaultChunkShape(shape, dtype); else DefaultChunkShape(shape, dtype).
  std::vector<std::int64_t> chunk_shape;
  DataType dtype = DataType::kFloat32;
  std::string compress = "default";  // default, gzip, zlib, lz4, zstd, blosc[:options], jpeg, png
  double compresslevel = 0.5;        // 1 = fastest, 0 = smallest; clamped to [0, 1]
  std::optional<int> jpeg_quality;   // compress="jpeg" only: overrides compresslevel's quality
  // The stored object (Zarr v3 sharding_indexed), a multiple of chunk_shape on every axis.
  // Empty: unsharded, except with chunk_shape empty for jpeg and png (DefaultShardShape) and
  // for samples of kChunkPerSampleFromBytes or more (see chunk_shape).
  std::vector<std::int64_t> shard_shape;
};

// Samples from this size on get a chunk each by default (see ArraySpec::chunk_shape).
inline constexpr std::size_t kChunkPerSampleFromBytes = std::size_t{16} << 10;

// A chunk of roughly 1-16 MB, split along the first axis (then the next, for huge items).
std::vector<std::int64_t> DefaultChunkShape(std::span<const std::int64_t> shape, DataType dtype);

// The chunk and shard shapes an ArraySpec leaves to hub_v1 (see ArraySpec): the shapes a
// Create with this spec would use.
struct ChunkingChoice {
  std::vector<std::int64_t> chunk_shape;
  std::vector<std::int64_t> shard_shape;  // empty: unsharded
};
ChunkingChoice ResolveChunking(const ArraySpec& spec);

// Shards for image arrays of one-image chunks: about 16-64 MB stored (256 MB of decoded
// pixels for jpeg, 64 MB for png), along the first axis.
std::vector<std::int64_t> DefaultShardShape(std::span<const std::int64_t> shape,
                                            std::span<const std::int64_t> chunk_shape,
                                            DataType dtype, const std::string& compress);

namespace detail {
struct RegionPlan;
struct ArrayState;
}  // namespace detail
namespace engine {
class Growth;
}  // namespace engine

// A planned selection of one array: the output shape and which chunks it touches. It belongs
// to the array whose Select made it: Read/Write of another array, or of a default-constructed
// Region, is an InvalidArgumentError.
class Region {
 public:
  // The shape of the data the selection reads or writes (integer-indexed axes dropped).
  const std::vector<std::int64_t>& shape() const;
  std::size_t num_bytes() const;

 private:
  friend class Array;
  const detail::RegionPlan& plan() const;  // InvalidArgumentError if not planned
  std::shared_ptr<const detail::RegionPlan> plan_;
};

// The elements of a string or bytes selection (C order), as Array::ReadValues reads them, and
// the storage their bytes live in: each element is valid as long as this object.
class VariableValues {
 public:
  std::size_t size() const { return elements().size(); }
  std::span<const VariableElement> elements() const {
    return {reinterpret_cast<const VariableElement*>(elements_.data()),
            elements_.size() / sizeof(VariableElement)};
  }
  // Element `i`'s bytes (UTF-8 text for a string array).
  std::string_view operator[](std::size_t i) const { return elements()[i].view(); }

 private:
  friend class Array;
  Buffer elements_;
  std::vector<std::shared_ptr<const Buffer>> storage_;
};

// How Array::Create treats what is already there.
struct CreateOptions {
  // kError: a ContainsNodeError; kReopenIfSame: the array there if its shape, chunking,
  // dtype and compression are the ones asked for (else ContainsNodeError); kOverwrite:
  // replace it and its data.
  OnExists on_exists = OnExists::kError;
  KnownGroups* known_groups = nullptr;  // parent groups already checked (see hub/node.h)
};

class Array {
 public:
  // Writes `<path>/zarr.json` (and group files for parent folders): one read to see that
  // nothing is at `path`, one write, and a read (and maybe a write) per parent folder not in
  // options.known_groups. Throws InvalidArgumentError for a bad spec (before touching the
  // store) and ContainsNodeError if something is at `path` (see CreateOptions::on_exists).
  static std::shared_ptr<Array> Create(std::shared_ptr<Store> store, const std::string& path,
                                       const ArraySpec& spec, const CreateOptions& options = {});
  // NotFoundError if there is no array at `path`.
  static std::shared_ptr<Array> Open(std::shared_ptr<Store> store, const std::string& path);

  const std::string& path() const;
  // As of this handle's last open, growth or Refresh.
  std::vector<std::int64_t> shape() const;
  // The codec chunk (the inner chunk of a sharded array).
  std::vector<std::int64_t> chunk_shape() const;
  // The stored object's shape when sharded, else nullopt.
  std::optional<std::vector<std::int64_t>> shard_shape() const;
  DataType dtype() const;
  // The hub_v1 compression name and level, or the codec name for arrays written elsewhere.
  std::string compress() const;
  double compresslevel() const;
  // The stored objects (shards, or chunks when unsharded) and the codec chunks they hold;
  // chunks that were never written (or hold only the fill value, in shards) are not stored.
  struct StoredCounts {
    std::size_t objects = 0;
    std::size_t chunks = 0;
  };
  StoredCounts CountStored() const;
  // The zarr.json document, as text.
  std::string MetadataJson() const;

  // Growth along the first axis (and Resize on any axis). Each holds this array's metadata
  // turn in the process (and, on a store that locks, such as local disk, an flock on
  // zarr.json across processes) and starts from the shape stored now, not this handle's: the
  // samples are written first, beyond the stored length where no reader looks, and zarr.json
  // is rewritten last, so a reader or a crash sees the old shape or the new one with every
  // sample in place. Attributes are kept.

  // Writes `samples` (C order, `count` x shape()[1:], this dtype) after the last sample and
  // commits the longer shape; returns the new length. InvalidArgumentError if the bytes are
  // not `count` samples.
  std::int64_t Extend(std::span<const std::byte> samples, std::int64_t count);
  // Sets the shape (same rank). Growth reads as the fill value: data left beyond the old
  // bound (by an earlier shrink or an interrupted append) is cleared before the new shape is
  // committed. Shrinking commits first, then deletes the objects wholly outside.
  void Resize(std::span<const std::int64_t> shape);
  // Rereads zarr.json, so shape() shows growth made through other handles.
  void Refresh();

  // Plans `selection`; OutOfBoundsError/InvalidArgumentError for bad indices.
  Region Select(const Selection& selection) const;

  // Fills `out` (C order, region.shape(), exactly region.num_bytes()) with the selection. A
  // Region planned before this handle's shape changed is refused (InvalidArgumentError), and
  // so is a string or bytes array (use ReadValues).
  void Read(const Region& region, std::span<std::byte> out) const;
  // The selection of a string or bytes array (InvalidArgumentError for any other dtype).
  VariableValues ReadValues(const Region& region) const;
  // Stores `in` (C order, region.shape(), in this array's dtype) into the selection. For a
  // string or bytes array `in` holds VariableElements (see ElementsOf); a string that is not
  // UTF-8 is an InvalidArgumentError.
  void Write(const Region& region, std::span<const std::byte> in) const;

  // Images `requests[k].index` (first axis) of a uint8 array of images (N, H, W[, C]) holding
  // one image per chunk, each cropped to its box, resized, mirrored and laid out as `output`
  // (see hub/image_transform.h), into out (requests.size() * output.ImageBytes(C) bytes).
  // jpeg images decode only what the box keeps, at a reduced scale where that suffices.
  void ReadImages(std::span<const ImageRequest> requests, const ImageOutput& output,
                  std::span<std::byte> out) const;

 private:
  friend class Dataset;  // grows its components together
  friend class ArrayAppender;
  friend class RaggedArray;  // grows its two arrays together
  friend class RaggedAppender;
  explicit Array(std::shared_ptr<const detail::ArrayState> state);
  std::shared_ptr<const detail::ArrayState> state() const;
  void set_state(std::shared_ptr<const detail::ArrayState> state);
  // The array at `path` if it has `wanted`'s settings; nullptr if no node is there (objects
  // without a zarr.json); ContainsNodeError for a group or an array with other settings.
  static std::shared_ptr<Array> OpenIfSame(std::shared_ptr<Store> store, const std::string& path,
                                           const Array& wanted);
  // region's plan, if this array made it (else InvalidArgumentError).
  const detail::RegionPlan& PlanOf(const Region& region) const;

  const std::string path_;
  mutable std::mutex state_mutex_;  // guards state_, which growth replaces
  std::shared_ptr<const detail::ArrayState> state_;
};

// Appends a stream of samples to an array as one growth (Array::Extend in batches): each
// batch is written as it comes, beyond the stored length, and Commit makes them all visible
// at once (see hub::Appender).
class ArrayAppender final : public Appender {
 public:
  explicit ArrayAppender(std::shared_ptr<Array> array, AppendMode mode = AppendMode::kGrow);
  ~ArrayAppender() override;
  ArrayAppender(const ArrayAppender&) = delete;
  ArrayAppender& operator=(const ArrayAppender&) = delete;

  std::int64_t stored_length() const override;
  std::int64_t length() const override { return length_; }
  // Writes `count` samples (C order, count x shape()[1:], the array's dtype) at length().
  void Write(std::span<const std::byte> samples, std::int64_t count);
  void Rewind(std::int64_t position) override;
  void Resume(std::int64_t position) override;
  std::int64_t Commit() override;
  void Undo() override;
  void Abandon() override;

 private:
  // InvalidArgumentError unless the appender can still write (`what` names the call).
  void CheckOpen(const char* what) const;

  std::shared_ptr<Array> array_;
  std::unique_ptr<engine::Growth> growth_;
  std::int64_t length_ = 0;
  bool committed_ = false;
};

}  // namespace hub
