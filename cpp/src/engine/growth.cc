// Changing an array's shape (see growth.h).
#include "engine/growth.h"

#include <algorithm>
#include <string>
#include <utility>

#include "common/shape_text.h"
#include "engine/chunk_cache.h"
#include "engine/chunk_io.h"
#include "engine/metadata_io.h"
#include "hub/errors.h"
#include "hub/log.h"
#include "index/region_copy.h"

namespace hub::engine {
namespace {

using detail::ArrayState;

std::string MetadataKey(const ArrayState& array) { return array.path + "/zarr.json"; }

// zarr.json as stored now, and the shape it holds.
struct StoredDocument {
  nlohmann::json document;
  std::vector<std::int64_t> shape;
};

// The array's zarr.json as stored now, checked to still describe `array` but for its shape.
StoredDocument ReadOwnDocument(const ArrayState& array) {
  const std::string key = MetadataKey(array);
  std::optional<nlohmann::json> document = ReadJson(*array.store, key);
  if (!document || !document->is_object() || document->value("node_type", "") != "array") {
    throw NotFoundError("the array '" + array.path + "' is no longer in " +
                        array.store->Describe());
  }
  const format::ArrayMetadata stored = format::ParseArrayMetadata(*document, key);
  const format::ArrayMetadata& own = array.metadata;
  if (stored.dtype != own.dtype || stored.chunk_shape != own.chunk_shape ||
      stored.codecs != own.codecs || stored.fill_value != own.fill_value ||
      stored.v2_chunk_keys != own.v2_chunk_keys || stored.separator != own.separator) {
    throw InvalidArgumentError("the array '" + array.path + "' in " + array.store->Describe() +
                               " was replaced by one with other settings; open it again");
  }
  return {*std::move(document), stored.shape};
}

// Every stored object of the array, with its position on the object grid.
struct StoredObject {
  std::string key;
  std::vector<std::int64_t> position;
};

std::vector<StoredObject> ListObjects(const ArrayState& array) {
  std::vector<StoredObject> objects;
  const std::string folder = array.path + "/";
  for (std::string& key : array.store->List(array.path)) {
    if (!key.starts_with(folder)) continue;
    auto position =
        format::ParseChunkKey(array.metadata, std::string_view(key).substr(folder.size()));
    if (position) objects.push_back({std::move(key), std::move(*position)});
  }
  return objects;
}

// Whether the object at `position` holds no element inside `shape`.
bool WhollyOutside(const ArrayState& array, std::span<const std::int64_t> position,
                   std::span<const std::int64_t> shape) {
  for (std::size_t axis = 0; axis < shape.size(); ++axis) {
    if (position[axis] * array.metadata.chunk_shape[axis] >= shape[axis]) return true;
  }
  return false;
}

// Writes the fill value over the box [begin, end) of `array` (at its own shape).
void FillBox(std::shared_ptr<const ArrayState> array, std::span<const std::int64_t> begin,
             std::span<const std::int64_t> end) {
  Selection box;
  for (std::size_t axis = 0; axis < begin.size(); ++axis) {
    if (begin[axis] >= end[axis]) return;
    box.push_back(Slice{begin[axis], end[axis], 1});
  }
  const detail::RegionPlan plan = detail::PlanRegion(array, box);
  Buffer values = Buffer::Allocate(plan.num_bytes);
  index::FillWithElement(values.mutable_span(), array->metadata.fill_value);
  WriteRegion(*array, plan, values.span());
}

// Deletes a stored object, and tells readers' cache that it changed.
void DeleteObject(const ArrayState& array, const std::string& key) {
  array.store->Delete(key);
  ChunkCache::Instance().NoteWrite(array.cache_prefix + key);
}

void CheckRank(const ArrayState& array, std::span<const std::int64_t> shape) {
  if (shape.size() != array.metadata.shape.size()) {
    throw InvalidArgumentError(
        "the array '" + array.path + "' has " + std::to_string(array.metadata.shape.size()) +
        " dimensions; the new shape " + ShapeText(shape) + " has " + std::to_string(shape.size()));
  }
}

}  // namespace

std::shared_ptr<const ArrayState> WithShape(const ArrayState& array,
                                            std::vector<std::int64_t> shape) {
  CheckRank(array, shape);
  format::ValidateGeometry(shape, array.metadata.chunk_shape, ItemSize(array.metadata.dtype));
  auto changed = std::make_shared<ArrayState>(array);
  changed->metadata.shape = std::move(shape);
  return changed;
}

std::vector<std::int64_t> StoredShape(const ArrayState& array) {
  return ReadOwnDocument(array).shape;
}

Growth::Growth(std::shared_ptr<const ArrayState> array, AppendMode mode) {
  if (mode == AppendMode::kGrow) {
    turn_.emplace(array->cache_prefix + "zarr.json");
    lock_ = array->store->LockKey(MetadataKey(*array), Store::LockWhen::kAlways);
  }
  StoredDocument stored = ReadOwnDocument(*array);  // read under the turn and the lock
  document_ = std::move(stored.document);
  stored_ = WithShape(*array, std::move(stored.shape));
  target_ = stored_;
}

void Growth::WriteSamples(std::int64_t start, std::span<const std::byte> samples,
                          std::int64_t count) {
  const std::int64_t length = target_->metadata.shape[0];  // stored, or grown by this growth
  if (start < 0 || start > length || count < 0) {
    throw OutOfBoundsError("cannot write samples at " + std::to_string(start) + " of '" +
                           stored_->path + "', whose length is " + std::to_string(length));
  }
  std::size_t sample_bytes = ItemSize(stored_->metadata.dtype);
  for (std::size_t axis = 1; axis < stored_shape().size(); ++axis) {
    sample_bytes *= static_cast<std::size_t>(stored_shape()[axis]);
  }
  if (samples.size() != sample_bytes * static_cast<std::size_t>(count)) {
    throw InvalidArgumentError("appending " + std::to_string(count) + " samples of shape " +
                               ShapeText(std::span(stored_shape()).subspan(1)) + " to '" +
                               stored_->path + "' needs " +
                               std::to_string(sample_bytes * static_cast<std::size_t>(count)) +
                               " bytes; got " + std::to_string(samples.size()));
  }
  if (count == 0) return;
  std::vector<std::int64_t> grown = target_->metadata.shape;
  std::int64_t end = start + count;
  if (!turn_) {
    // Staging beside other appenders: samples past this one's own may be theirs. Bounded at
    // the end of the object the write ends in, the write patches that object (keeping every
    // other sample in it) rather than replace it as if nothing lay past the bound.
    const std::int64_t object_rows = stored_->metadata.chunk_shape[0];
    end = (end + object_rows - 1) / object_rows * object_rows;
  }
  grown[0] = std::max(grown[0], end);
  if (grown != target_->metadata.shape) target_ = WithShape(*stored_, grown);
  const detail::RegionPlan plan = detail::PlanRegion(target_, {Slice{start, start + count, 1}});
  WriteRegion(*target_, plan, samples);
}

void Growth::CheckGrows(const char* what) const {
  if (!turn_) {
    throw InvalidArgumentError(std::string("an appender that stages samples cannot ") + what +
                               " '" + stored_->path + "'");
  }
}

void Growth::SetShape(std::vector<std::int64_t> shape) {
  CheckGrows("resize");
  target_ = WithShape(*stored_, std::move(shape));
  const std::vector<std::int64_t>& old_shape = stored_shape();
  const std::vector<std::int64_t>& new_shape = target_->metadata.shape;
  const std::vector<std::int64_t>& object_shape = stored_->metadata.chunk_shape;
  const std::size_t rank = new_shape.size();
  bool grows = false;
  for (std::size_t axis = 0; axis < rank; ++axis) grows |= new_shape[axis] > old_shape[axis];
  if (!grows) return;
  // Objects that reach past the stored bound where the shape grows may hold data from before
  // a shrink or from an interrupted append: it must read as the fill value once exposed.
  for (const StoredObject& object : ListObjects(*stored_)) {
    if (WhollyOutside(*stored_, object.position, old_shape)) {
      DeleteObject(*stored_, object.key);
      continue;
    }
    for (std::size_t axis = 0; axis < rank; ++axis) {
      if (new_shape[axis] <= old_shape[axis]) continue;
      std::vector<std::int64_t> begin(rank);
      std::vector<std::int64_t> end(rank);
      for (std::size_t a = 0; a < rank; ++a) {
        begin[a] = object.position[a] * object_shape[a];
        end[a] = std::min(begin[a] + object_shape[a], new_shape[a]);
      }
      begin[axis] = std::max(begin[axis], old_shape[axis]);
      FillBox(target_, begin, end);
    }
  }
}

void Growth::AdoptStaged(std::int64_t length) {
  std::vector<std::int64_t> shape = target_->metadata.shape;
  if (length < shape[0]) {
    throw InvalidArgumentError("cannot adopt samples up to " + std::to_string(length) + " in '" +
                               stored_->path + "', whose length is already " +
                               std::to_string(shape[0]));
  }
  shape[0] = length;
  target_ = WithShape(*stored_, std::move(shape));
}

std::shared_ptr<const ArrayState> Growth::Commit() {
  CheckGrows("commit");
  if (target_->metadata.shape == stored_shape()) return target_;
  nlohmann::json document = document_;
  document["shape"] = target_->metadata.shape;
  WriteJson(*target_->store, MetadataKey(*target_), document);
  return target_;
}

void Growth::Undo() {
  CheckGrows("undo the growth of");
  if (target_->metadata.shape == stored_shape()) return;
  WriteJson(*stored_->store, MetadataKey(*stored_), document_);
}

void Growth::DeleteOutside() {
  try {
    for (const StoredObject& object : ListObjects(*target_)) {
      if (WhollyOutside(*target_, object.position, target_->metadata.shape)) {
        DeleteObject(*target_, object.key);
      }
    }
  } catch (const std::exception& error) {
    Log(LogLevel::kWarning, "resizing '" + target_->path + "' left objects outside its shape (" +
                                error.what() + "); growing it again clears them");
  }
}

}  // namespace hub::engine
