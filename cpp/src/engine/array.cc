// hub::Array: creating, opening, planning and moving data (see hub/array.h).
#include "hub/array.h"

#include <unistd.h>

#include <atomic>
#include <cmath>

#include "codec/compression_presets.h"
#include "common/shape_text.h"
#include "engine/array_state.h"
#include "engine/chunk_cache.h"
#include "engine/chunk_io.h"
#include "engine/growth.h"
#include "engine/image_reads.h"
#include "engine/metadata_io.h"
#include "engine/shard_io.h"
#include "engine/thread_pool.h"
#include "hub/errors.h"
#include "hub/node.h"
#include "index/region_copy.h"

namespace hub {
namespace {

using nlohmann::json;

// The first extent default chunking assumes for an array created with length 0.
constexpr std::int64_t kGrowingArrayLength = std::int64_t{1} << 40;

// hub_v1's own settings live in attributes.hub_v1; arrays written elsewhere get a name
// derived from their codecs.
void ReadCompressionAttributes(detail::ArrayState& state) {
  const json hub = state.metadata.attributes.value("hub_v1", json::object());
  if (hub.is_object() && hub.value("compress", json()).is_string()) {
    state.compress = hub["compress"].get<std::string>();
    const json level = hub.value("compresslevel", json());
    state.compresslevel = level.is_number() ? level.get<double>() : 0.5;
    return;
  }
  state.compress = "default";
  const json codecs = state.sharding ? state.sharding->inner().ToJson() : state.metadata.codecs;
  for (const auto& codec : codecs) {
    const std::string name = codec.value("name", "");
    if (name != "bytes" && name != "crc32c") state.compress = name;
  }
}

std::shared_ptr<const detail::ArrayState> MakeState(std::shared_ptr<Store> store,
                                                    const std::string& path,
                                                    format::ArrayMetadata metadata) {
  auto state = std::make_shared<detail::ArrayState>();
  state->store = std::move(store);
  state->path = path;
  state->metadata = std::move(metadata);
  const auto& m = state->metadata;
  state->pipeline =
      codec::CodecPipeline::FromJson(m.codecs, {m.dtype, m.chunk_shape, m.fill_value});
  state->sharding = state->pipeline->sharding();
  state->chunk_pipeline = state->sharding ? &state->sharding->inner() : state->pipeline.get();
  state->chunk_shape = state->chunk_pipeline->layout().shape;
  state->chunks_per_object = state->sharding ? state->sharding->chunks_per_shard()
                                             : std::vector<std::int64_t>(m.chunk_shape.size(), 1);
  state->chunk_strides = index::CStrides(state->chunk_shape, ItemSize(m.dtype));
  state->chunk_bytes = state->chunk_pipeline->layout().NumBytes();
  state->cache_prefix = detail::CachePrefix(*state->store, path);
  state->max_object_bytes = state->pipeline->MaxEncodedBytes();
  ReadCompressionAttributes(*state);
  static std::atomic<std::uint64_t> handles{0};
  state->handle_id = ++handles;
  return state;
}

// The machine's memory in bytes (0 if unknown): no selection's result can be bigger.
std::uint64_t PhysicalMemoryBytes() {
  const long pages = sysconf(_SC_PHYS_PAGES);
  const long page_size = sysconf(_SC_PAGE_SIZE);
  return pages > 0 && page_size > 0
             ? static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(page_size)
             : 0;
}

// Refuses, in time independent of its size, a selection whose result could not be held in
// memory or whose plan would pass index::kMostPlannedPieces: planning grows with the chunks a
// selection touches, so it must be bounded before it starts.
void CheckPlannable(const std::string& path, const index::NormalizedSelection& selection,
                    const detail::ArrayState& array) {
  std::uint64_t result_bytes = ItemSize(array.metadata.dtype);
  bool overflows = false;
  for (const auto& dim : selection.dims) {
    overflows =
        overflows ||
        __builtin_mul_overflow(result_bytes, static_cast<std::uint64_t>(dim.count), &result_bytes);
  }
  const std::uint64_t memory = PhysicalMemoryBytes();
  if (overflows || (memory > 0 && result_bytes > memory)) {
    throw SelectionTooLargeError("the selection of '" + path + "' is " +
                                 (overflows ? std::string("more than 2^64 bytes")
                                            : std::to_string(result_bytes) + " bytes") +
                                 ", more than this machine's memory (" + std::to_string(memory) +
                                 " bytes); read it in parts");
  }
  const std::uint64_t pieces =
      index::PiecesToPlan(selection, array.chunk_shape, array.metadata.shape);
  if (pieces > index::kMostPlannedPieces) {
    throw SelectionTooLargeError(
        "the selection of '" + path + "' touches up to " + std::to_string(pieces) +
        " chunk positions along its axes, more than the " +
        std::to_string(index::kMostPlannedPieces) +
        " a read or write plans at once; read it in parts, or use bigger chunks");
  }
}

}  // namespace

std::string detail::CachePrefix(const Store& store, const std::string& path) {
  return store.Describe() + "|" + path + "/";
}

std::vector<std::int64_t> DefaultChunkShape(std::span<const std::int64_t> shape, DataType dtype) {
  constexpr double kTargetBytes = 8.0 * (1 << 20);
  constexpr double kMaxBytes = 16.0 * (1 << 20);
  std::vector<std::int64_t> chunk(shape.begin(), shape.end());
  for (auto& extent : chunk) extent = std::max<std::int64_t>(extent, 1);
  auto bytes_from = [&](std::size_t axis) {
    double bytes = static_cast<double>(ItemSize(dtype));
    for (std::size_t i = axis; i < chunk.size(); ++i) bytes *= static_cast<double>(chunk[i]);
    return bytes;
  };
  for (std::size_t axis = 0; axis < chunk.size() && bytes_from(0) > kMaxBytes; ++axis) {
    const double per_item = bytes_from(axis + 1);
    chunk[axis] = std::max<std::int64_t>(1, static_cast<std::int64_t>(kTargetBytes / per_item));
  }
  return chunk;
}

namespace {

// Whether an array's samples (its items along the first axis) are big enough to be a chunk
// each, and the default chunk holds several: a random sample is then read alone, rather than
// with the ~8 MB around it, for 0.3% more stored bytes (per-sample compression and index).
bool SamplesAreWorthAChunkEach(const ArraySpec& spec, std::span<const std::int64_t> chunk) {
  if (spec.shape.size() < 2 || chunk[0] <= 1) return false;
  std::size_t sample_bytes = ItemSize(spec.dtype);
  for (std::size_t axis = 1; axis < spec.shape.size(); ++axis) {
    sample_bytes *= static_cast<std::size_t>(std::max<std::int64_t>(spec.shape[axis], 1));
  }
  return sample_bytes >= kChunkPerSampleFromBytes;
}

}  // namespace

ChunkingChoice ResolveChunking(const ArraySpec& spec) {
  const bool images = spec.compress == "jpeg" || spec.compress == "png";
  // An array created empty is made to grow: its chunks are sized as for a long array, not
  // clamped to the length it starts at.
  ArraySpec sized = spec;
  if (!sized.shape.empty() && sized.shape[0] == 0) sized.shape[0] = kGrowingArrayLength;
  ChunkingChoice choice;
  if (!spec.chunk_shape.empty()) {
    choice.chunk_shape = spec.chunk_shape;
    choice.shard_shape = spec.shard_shape;
  } else if (images && sized.shape.size() >= 2) {
    // Training reads images one at a time: one image per chunk, shards sized for the store.
    const std::size_t image_axes = sized.shape.size() >= 4 ? 3 : 2;
    choice.chunk_shape.assign(sized.shape.size(), 1);
    for (std::size_t axis = sized.shape.size() - image_axes; axis < sized.shape.size(); ++axis) {
      choice.chunk_shape[axis] = std::max<std::int64_t>(sized.shape[axis], 1);
    }
    choice.shard_shape =
        spec.shard_shape.empty()
            ? DefaultShardShape(sized.shape, choice.chunk_shape, spec.dtype, spec.compress)
            : spec.shard_shape;
  } else {
    choice.chunk_shape = DefaultChunkShape(sized.shape, spec.dtype);
    choice.shard_shape = spec.shard_shape;
    if (choice.shard_shape.empty() && SamplesAreWorthAChunkEach(sized, choice.chunk_shape)) {
      // The default chunk becomes the shard, of one-sample chunks: each sample is one ranged
      // read, while a full read still reads big objects.
      choice.shard_shape = choice.chunk_shape;
      choice.chunk_shape[0] = 1;
    }
  }
  format::ValidateGeometry(spec.shape, choice.chunk_shape, ItemSize(spec.dtype));
  if (choice.shard_shape.empty()) return choice;
  format::ValidateGeometry(spec.shape, choice.shard_shape, ItemSize(spec.dtype));
  for (std::size_t axis = 0; axis < choice.shard_shape.size(); ++axis) {
    if (choice.shard_shape[axis] % choice.chunk_shape[axis] != 0) {
      throw InvalidArgumentError("shard " + nlohmann::json(choice.shard_shape).dump() +
                                 " must be a multiple of chunk " +
                                 nlohmann::json(choice.chunk_shape).dump() + " on every axis");
    }
  }
  return choice;
}

std::vector<std::int64_t> DefaultShardShape(std::span<const std::int64_t> shape,
                                            std::span<const std::int64_t> chunk_shape,
                                            DataType dtype, const std::string& compress) {
  // Objects of roughly 16-64 MB as stored: JPEG keeps about a tenth of the pixels' bytes and
  // PNG about half, so a shard holds 256 MB (jpeg) or 64 MB (png) of decoded images, and
  // never more chunks along the first axis than the array has.
  const double decoded_target = compress == "jpeg" ? 256.0 * (1 << 20) : 64.0 * (1 << 20);
  double chunk_bytes = static_cast<double>(ItemSize(dtype));
  for (std::int64_t extent : chunk_shape) chunk_bytes *= static_cast<double>(extent);
  const auto chunks_in_shard =
      std::max<std::int64_t>(1, static_cast<std::int64_t>(decoded_target / chunk_bytes));
  const std::int64_t chunks_on_axis = (shape[0] + chunk_shape[0] - 1) / chunk_shape[0];
  std::vector<std::int64_t> shard(chunk_shape.begin(), chunk_shape.end());
  shard[0] = chunk_shape[0] * std::min(chunks_in_shard, chunks_on_axis);
  return shard;
}

const detail::RegionPlan& Region::plan() const {
  if (plan_ == nullptr) {
    throw InvalidArgumentError("this Region was not planned by Array::Select");
  }
  return *plan_;
}

const std::vector<std::int64_t>& Region::shape() const { return plan().output_shape; }
std::size_t Region::num_bytes() const { return plan().num_bytes; }

Array::Array(std::shared_ptr<const detail::ArrayState> state)
    : path_(state->path), state_(std::move(state)) {}

std::shared_ptr<const detail::ArrayState> Array::state() const {
  const std::lock_guard lock(state_mutex_);
  return state_;
}

void Array::set_state(std::shared_ptr<const detail::ArrayState> state) {
  const std::lock_guard lock(state_mutex_);
  // A state differs from this handle's only in its shape: an unchanged shape keeps the
  // state, and so the Regions planned with it.
  if (state->metadata.shape != state_->metadata.shape) state_ = std::move(state);
}

const detail::RegionPlan& Array::PlanOf(const Region& region) const {
  const detail::RegionPlan& plan = region.plan();
  const auto current = state();
  if (plan.array == current) return plan;
  if (plan.array->handle_id == current->handle_id) {
    throw InvalidArgumentError("this Region of '" + plan.array->path +
                               "' was planned before the array's shape changed; plan it again");
  }
  throw InvalidArgumentError("this Region was planned by another array ('" + plan.array->path +
                             "'); plan it with this array's Select");
}

std::shared_ptr<Array> Array::Create(std::shared_ptr<Store> store, const std::string& path,
                                     const ArraySpec& spec, const CreateOptions& options) {
  ValidateKey(path);
  format::ArrayMetadata metadata;
  metadata.dtype = spec.dtype;
  metadata.shape = spec.shape;
  const ChunkingChoice chunking = ResolveChunking(spec);
  const double level = codec::ClampCompressLevel(spec.compresslevel);
  metadata.codecs =
      codec::CodecsForCompression(spec.compress, level, spec.dtype, spec.jpeg_quality);
  if (chunking.shard_shape.empty()) {
    metadata.chunk_shape = chunking.chunk_shape;
  } else {
    // The stored object is the shard; the codec chain shards it into the chunks.
    metadata.chunk_shape = chunking.shard_shape;
    metadata.codecs = codec::ShardedCodecs(std::move(metadata.codecs), chunking.chunk_shape);
  }
  metadata.fill_value.assign(ItemSize(spec.dtype), std::byte{0});
  metadata.attributes = {{"hub_v1", {{"compress", spec.compress}, {"compresslevel", level}}}};
  std::shared_ptr<Array> array(new Array(MakeState(store, path, metadata)));  // checks codecs

  try {
    ClearForNewNode(*store, path, options.known_groups, options.on_exists == OnExists::kOverwrite);
  } catch (const ContainsNodeError&) {
    if (options.on_exists != OnExists::kReopenIfSame) throw;
    if (auto same = OpenIfSame(store, path, *array)) return same;
    throw;
  }
  EnsureParentGroups(*store, path, options.known_groups);
  engine::ChunkCache::Instance().EraseWithPrefix(detail::CachePrefix(*store, path));
  engine::WriteJson(*store, path + "/zarr.json", format::ToJson(metadata));
  return array;
}

namespace {

// "shape (10,), int32, chunk (10,), default 0.5": what reopening compares.
std::string SettingsText(const Array& array) {
  std::string text = "shape " + ShapeText(array.shape()) + ", " +
                     std::string(DataTypeName(array.dtype())) + ", chunk " +
                     ShapeText(array.chunk_shape());
  if (const auto shard = array.shard_shape()) text += ", shard " + ShapeText(*shard);
  return text + ", " + array.compress() + " " + std::to_string(array.compresslevel());
}

}  // namespace

std::shared_ptr<Array> Array::OpenIfSame(std::shared_ptr<Store> store, const std::string& path,
                                         const Array& wanted) {
  const NodeInfo node = ReadNode(*store, path);
  if (node.kind == NodeKind::kMissing) return nullptr;  // leftover objects: nothing to reopen
  if (node.kind == NodeKind::kGroup) {
    throw ContainsNodeError("'" + path + "' already exists in " + store->Describe() +
                            " as a group or dataset; open it, or overwrite it to replace it");
  }
  auto found = Open(store, path);
  const bool same = found->shape() == wanted.shape() &&
                    found->chunk_shape() == wanted.chunk_shape() &&
                    found->shard_shape() == wanted.shard_shape() &&
                    found->dtype() == wanted.dtype() && found->compress() == wanted.compress() &&
                    std::abs(found->compresslevel() - wanted.compresslevel()) < 1e-9;
  if (same) return found;
  throw ContainsNodeError("'" + path + "' already exists in " + store->Describe() +
                          " with other settings (" + SettingsText(*found) +
                          "); open it, or overwrite it to replace it and its data");
}

std::shared_ptr<Array> Array::Open(std::shared_ptr<Store> store, const std::string& path) {
  ValidateKey(path);
  const std::string key = path + "/zarr.json";
  const auto document = engine::ReadJson(*store, key);
  if (!document || document->value("node_type", json()) != "array") {
    throw NotFoundError("no array named '" + path + "' in " + store->Describe());
  }
  return std::shared_ptr<Array>(
      new Array(MakeState(store, path, format::ParseArrayMetadata(*document, key))));
}

const std::string& Array::path() const { return path_; }
std::vector<std::int64_t> Array::shape() const { return state()->metadata.shape; }
std::vector<std::int64_t> Array::chunk_shape() const { return state()->chunk_shape; }
std::optional<std::vector<std::int64_t>> Array::shard_shape() const {
  const auto array = state();
  if (!array->sharding) return std::nullopt;
  return array->metadata.chunk_shape;
}
DataType Array::dtype() const { return state()->metadata.dtype; }
std::string Array::compress() const { return state()->compress; }
double Array::compresslevel() const { return state()->compresslevel; }
Array::StoredCounts Array::CountStored() const {
  StoredCounts counts;
  const auto array = state();
  const std::string metadata_key = array->path + "/zarr.json";
  const std::string chunk_folder = array->path + "/" + (array->metadata.v2_chunk_keys ? "" : "c");
  std::vector<std::string> keys;
  for (auto& key : array->store->List(array->path)) {
    if (key != metadata_key && key.starts_with(chunk_folder)) keys.push_back(std::move(key));
  }
  counts.objects = keys.size();
  if (!array->sharding) {
    counts.chunks = counts.objects;
    return counts;
  }
  std::vector<std::size_t> per_shard(keys.size());
  engine::ParallelFor(
      keys.size(),
      [&](std::size_t k) { per_shard[k] = engine::CountStoredInnerChunks(*array, keys[k]); },
      array->store->Features().preferred_concurrency);
  for (const std::size_t count : per_shard) counts.chunks += count;
  return counts;
}

std::string Array::MetadataJson() const { return format::ToJson(state()->metadata).dump(); }

detail::RegionPlan detail::PlanRegion(std::shared_ptr<const ArrayState> array,
                                      const Selection& selection) {
  RegionPlan plan;
  plan.array = std::move(array);
  const ArrayState& state = *plan.array;
  plan.selection = index::Normalize(selection, state.metadata.shape);
  CheckPlannable(state.path, plan.selection, state);
  plan.chunks = index::ChunkPlan(plan.selection, state.chunk_shape, state.metadata.shape);
  plan.objects = index::ObjectPlan(plan.chunks, state.chunks_per_object);
  plan.output_shape = plan.selection.OutputShape();
  const std::size_t item_size = ItemSize(state.metadata.dtype);
  plan.output_strides = index::OutputStrides(plan.selection, item_size);
  plan.num_bytes = static_cast<std::size_t>(plan.selection.NumElements()) * item_size;
  return plan;
}

Region Array::Select(const Selection& selection) const {
  Region region;
  region.plan_ = std::make_shared<detail::RegionPlan>(detail::PlanRegion(state(), selection));
  return region;
}

std::int64_t Array::Extend(std::span<const std::byte> samples, std::int64_t count) {
  engine::Growth growth(state());
  growth.WriteSamples(growth.stored_shape()[0], samples, count);
  set_state(growth.Commit());
  return shape()[0];
}

void Array::Resize(std::span<const std::int64_t> shape) {
  engine::Growth growth(state());
  growth.SetShape({shape.begin(), shape.end()});
  set_state(growth.Commit());
  growth.DeleteOutside();
}

ArrayAppender::ArrayAppender(std::shared_ptr<Array> array, AppendMode mode)
    : array_(std::move(array)), growth_(std::make_unique<engine::Growth>(array_->state(), mode)) {
  length_ = growth_->stored_shape()[0];
}

ArrayAppender::~ArrayAppender() = default;

std::int64_t ArrayAppender::stored_length() const {
  CheckOpen("stored_length");
  return growth_->stored_shape()[0];
}

void ArrayAppender::CheckOpen(const char* what) const {
  if (growth_ == nullptr) {
    throw InvalidArgumentError(std::string("ArrayAppender::") + what + " after Abandon");
  }
}

void ArrayAppender::Write(std::span<const std::byte> samples, std::int64_t count) {
  CheckOpen("Write");
  if (committed_) throw InvalidArgumentError("this appender has already committed");
  growth_->WriteSamples(length_, samples, count);
  length_ += count;
}

void ArrayAppender::Rewind(std::int64_t position) {
  CheckOpen("Rewind");
  if (committed_ || position < 0 || position > length_) {
    throw InvalidArgumentError("cannot rewind the append to '" + array_->path() + "' to " +
                               std::to_string(position) + (committed_ ? " after Commit" : ""));
  }
  length_ = position;
}

void ArrayAppender::Resume(std::int64_t position) {
  CheckOpen("Resume");
  if (committed_ || position < length_) {
    throw InvalidArgumentError("cannot resume the append to '" + array_->path() + "' at " +
                               std::to_string(position) + (committed_ ? " after Commit" : ""));
  }
  if (position > growth_->shape()[0]) growth_->AdoptStaged(position);
  length_ = position;
}

std::int64_t ArrayAppender::Commit() {
  CheckOpen("Commit");
  if (committed_) throw InvalidArgumentError("this appender has already committed");
  array_->set_state(growth_->Commit());
  committed_ = true;
  return growth_->shape()[0];
}

void ArrayAppender::Undo() {
  CheckOpen("Undo");
  if (!committed_) throw InvalidArgumentError("Undo needs a Commit to undo");
  growth_->Undo();
  array_->set_state(engine::WithShape(*array_->state(), growth_->stored_shape()));
}

void ArrayAppender::Abandon() { growth_.reset(); }

void Array::Refresh() {
  const auto current = state();
  set_state(engine::WithShape(*current, engine::StoredShape(*current)));
}

void Array::Read(const Region& region, std::span<std::byte> out) const {
  const detail::RegionPlan& plan = PlanOf(region);
  if (out.size() != plan.num_bytes) {
    throw InvalidArgumentError("the output buffer holds " + std::to_string(out.size()) +
                               " bytes; the selection needs " + std::to_string(plan.num_bytes));
  }
  if (IsVariableLength(plan.array->metadata.dtype)) {
    throw InvalidArgumentError("array '" + path_ + "' holds " +
                               std::string(DataTypeName(plan.array->metadata.dtype)) +
                               " elements: read them with ReadValues");
  }
  engine::ReadOutput output(out, /*keeps_chunks=*/false);
  engine::ReadRegion(*plan.array, plan, output);
}

VariableValues Array::ReadValues(const Region& region) const {
  const detail::RegionPlan& plan = PlanOf(region);
  if (!IsVariableLength(plan.array->metadata.dtype)) {
    throw InvalidArgumentError("array '" + path_ + "' holds " +
                               std::string(DataTypeName(plan.array->metadata.dtype)) +
                               " elements, not strings or bytes: read them with Read");
  }
  VariableValues values;
  values.elements_ = Buffer::Allocate(plan.num_bytes);
  engine::ReadOutput output(values.elements_.mutable_span(), /*keeps_chunks=*/true);
  engine::ReadRegion(*plan.array, plan, output);
  values.storage_ = output.TakeKept();
  return values;
}

void Array::ReadImages(std::span<const ImageRequest> requests, const ImageOutput& output,
                       std::span<std::byte> out) const {
  engine::ReadImages(*state(), requests, output, out);
}

void Array::Write(const Region& region, std::span<const std::byte> in) const {
  const detail::RegionPlan& plan = PlanOf(region);
  if (in.size() != plan.num_bytes) {
    throw InvalidArgumentError("the value holds " + std::to_string(in.size()) +
                               " bytes; the selection needs " + std::to_string(plan.num_bytes));
  }
  engine::WriteRegion(*plan.array, plan, in);
}

}  // namespace hub
