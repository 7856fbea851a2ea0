// hub::RaggedArray: a samples array and a shapes array grown together (see ragged_array.h).
#include "hub/ragged_array.h"

#include <algorithm>
#include <utility>

#include "codec/compression_presets.h"
#include "codec/image_files.h"
#include "engine/growth.h"
#include "engine/ragged_samples.h"
#include "engine/ragged_spec.h"
#include "engine/thread_pool.h"
#include "format/json_text.h"
#include "hub/attributes.h"
#include "hub/errors.h"
#include "index/normalized_selection.h"

namespace hub {
namespace {

// Rows of the shapes array per inner chunk and per shard. Reading one sample's row decodes
// its inner chunk (24 KB of int64 for three varying axes): 16,384-row chunks made a random
// read of a raw sample 1.34x a fixed array's with the cache off (bench_ragged.py), and
// growth rewrites only the last shard.
constexpr std::int64_t kShapeRowsPerChunk = 1024;
constexpr std::int64_t kShapeRowsPerShard = 65536;

std::string ChildPath(const std::string& path, const char* name) { return path + "/" + name; }

ArraySpec SamplesArraySpec(const RaggedSpec& spec) {
  ArraySpec samples;
  samples.shape = {0};
  samples.chunk_shape = {1};
  samples.shard_shape = {engine::SamplesPerShard(spec)};
  samples.dtype = DataType::kBytes;
  // Image files are compressed already: only a checksum is added.
  samples.compress = engine::HoldsImageFiles(spec) ? "default" : spec.compress;
  samples.compresslevel = spec.compresslevel;
  return samples;
}

ArraySpec ShapesArraySpec(const RaggedSpec& spec) {
  const auto columns = static_cast<std::int64_t>(engine::RaggedAxisCount(spec));
  ArraySpec shapes;
  shapes.shape = {0, columns};
  shapes.chunk_shape = {kShapeRowsPerChunk, columns};
  shapes.shard_shape = {kShapeRowsPerShard, columns};
  shapes.dtype = DataType::kInt64;
  shapes.compress = "zstd";
  return shapes;
}

// The spec as Create stores it: level clamped, samples per shard resolved.
RaggedSpec Resolved(RaggedSpec spec) {
  spec.compresslevel = codec::ClampCompressLevel(spec.compresslevel);
  spec.samples_per_shard = engine::SamplesPerShard(spec);
  return spec;
}

bool SameSpec(const RaggedSpec& a, const RaggedSpec& b) {
  return engine::RaggedSpecJson(a) == engine::RaggedSpecJson(b);
}

// `selection` split into the entry that picks samples and what applies within each sample.
// A leading `...` that stands for axes within the samples stays with them.
std::pair<DimIndex, Selection> SplitSelection(const Selection& selection, std::size_t rank) {
  if (selection.empty()) return {Slice{}, {}};
  if (std::holds_alternative<Ellipsis>(selection.front())) {
    const std::size_t indexed = selection.size() - 1;
    if (indexed <= rank - 1) return {Slice{}, selection};  // `...` covers the sample axis
    return {selection[1], Selection(selection.begin() + 2, selection.end())};
  }
  return {selection.front(), Selection(selection.begin() + 1, selection.end())};
}

void CheckChildren(const std::string& path, const RaggedSpec& spec, const Array& samples,
                   const Array& shapes) {
  const auto columns = static_cast<std::int64_t>(engine::RaggedAxisCount(spec));
  if (samples.dtype() != DataType::kBytes || samples.shape().size() != 1 ||
      shapes.dtype() != DataType::kInt64 || shapes.shape().size() != 2 ||
      shapes.shape()[1] != columns) {
    throw CorruptChunkError("ragged array '" + path +
                            "': its samples array must be 1-dimensional bytes and its shapes "
                            "array int64 with " +
                            std::to_string(columns) + " columns");
  }
}

}  // namespace

RaggedArray::RaggedArray(std::string path, RaggedSpec spec, std::shared_ptr<Array> samples,
                         std::shared_ptr<Array> shapes)
    : path_(std::move(path)),
      spec_(std::move(spec)),
      samples_(std::move(samples)),
      shapes_(std::move(shapes)),
      coder_(std::make_shared<engine::SampleCoder>(path_, spec_)) {}

namespace {

// Whether `node` is what a create killed before its last step leaves: a group with no
// attributes holding nothing but a ragged array's children.
bool UnfinishedCreate(Store& store, const NodeInfo& node) {
  if (node.kind != NodeKind::kGroup ||
      !format::ParseJson(node.attributes_json, "group attributes").empty()) {
    return false;
  }
  for (const NodeInfo& child : ListNodes(store, node.path, /*children_only=*/true)) {
    const std::string name = child.path.substr(node.path.size() + 1);
    if (name != engine::kRaggedSamplesName && name != engine::kRaggedShapesName) return false;
  }
  return true;
}

}  // namespace

std::shared_ptr<RaggedArray> RaggedArray::Create(std::shared_ptr<Store> store,
                                                 const std::string& path, const RaggedSpec& spec,
                                                 const CreateOptions& options) {
  ValidateKey(path);
  engine::ValidateRaggedSpec(spec, path);
  const RaggedSpec resolved = Resolved(spec);
  // Every setting is checked before the store is touched: the sample coder builds the image
  // codec, and the children's codecs are resolved as their Create will.
  const engine::SampleCoder coder(path, resolved);
  codec::CodecsForCompression(SamplesArraySpec(resolved).compress, resolved.compresslevel,
                              DataType::kBytes);

  const NodeInfo existing = ReadNode(*store, path);
  const bool unfinished = UnfinishedCreate(*store, existing);
  if (existing.kind != NodeKind::kMissing && options.on_exists == OnExists::kReopenIfSame &&
      !unfinished) {
    std::shared_ptr<RaggedArray> found = FromNode(store, existing);
    if (found && SameSpec(found->spec(), resolved)) return found;
    throw ContainsNodeError("'" + path + "' already exists in " + store->Describe() +
                            " with other settings; open it, or pass overwrite to replace it");
  }
  ClearForNewNode(*store, path, options.known_groups,
                  unfinished || options.on_exists == OnExists::kOverwrite);
  // The children first and the group's record last: a create killed midway leaves a plain
  // group that the next create replaces, never a ragged array that does not open.
  const CreateOptions children{OnExists::kError, options.known_groups};
  auto samples = Array::Create(store, ChildPath(path, engine::kRaggedSamplesName),
                               SamplesArraySpec(resolved), children);
  auto shapes = Array::Create(store, ChildPath(path, engine::kRaggedShapesName),
                              ShapesArraySpec(resolved), children);
  CreateGroup(*store, path,
              nlohmann::json{{kHubAttributesKey, engine::RaggedSpecJson(resolved)}}.dump(),
              options.known_groups);
  return std::shared_ptr<RaggedArray>(
      new RaggedArray(path, resolved, std::move(samples), std::move(shapes)));
}

std::shared_ptr<RaggedArray> RaggedArray::Open(std::shared_ptr<Store> store,
                                               const std::string& path) {
  ValidateKey(path);
  std::shared_ptr<RaggedArray> array = FromNode(store, ReadNode(*store, path));
  if (!array) {
    throw NotFoundError("no ragged array named '" + path + "' in " + store->Describe());
  }
  return array;
}

std::shared_ptr<RaggedArray> RaggedArray::FromNode(std::shared_ptr<Store> store,
                                                   const NodeInfo& node) {
  if (node.kind != NodeKind::kGroup) return nullptr;
  const std::optional<RaggedSpec> spec = engine::RaggedSpecOf(
      format::ParseJson(node.attributes_json, "the attributes of '" + node.path + "'"), node.path);
  if (!spec) return nullptr;
  // The shapes array first: it is grown last, so the samples array read after it is at least
  // as long.
  auto shapes = Array::Open(store, ChildPath(node.path, engine::kRaggedShapesName));
  auto samples = Array::Open(store, ChildPath(node.path, engine::kRaggedSamplesName));
  CheckChildren(node.path, *spec, *samples, *shapes);
  return std::shared_ptr<RaggedArray>(
      new RaggedArray(node.path, *spec, std::move(samples), std::move(shapes)));
}

std::int64_t RaggedArray::length() const { return shapes_->shape()[0]; }

std::vector<std::optional<std::int64_t>> RaggedArray::shape() const {
  std::vector<std::optional<std::int64_t>> shape = {length()};
  shape.insert(shape.end(), spec_.sample_shape.begin(), spec_.sample_shape.end());
  return shape;
}

std::vector<std::int64_t> RaggedArray::Pick(const DimIndex& first_axis, bool* single) const {
  const index::NormalizedSelection picked = index::Normalize({first_axis}, {{length()}});
  const index::DimSelection& samples = picked.dims.front();
  *single = samples.dropped();
  std::vector<std::int64_t> coordinates(static_cast<std::size_t>(samples.count));
  for (std::int64_t k = 0; k < samples.count; ++k) {
    coordinates[static_cast<std::size_t>(k)] = samples.Coordinate(k);
  }
  return coordinates;
}

std::vector<std::int64_t> RaggedArray::ReadRows(
    const std::vector<std::int64_t>& coordinates) const {
  const std::size_t columns = engine::RaggedAxisCount(spec_);
  std::vector<std::int64_t> rows(coordinates.size() * columns);
  if (coordinates.empty()) return rows;
  const Region region = shapes_->Select({IndexList(coordinates), Slice{}});
  shapes_->Read(region, std::as_writable_bytes(std::span(rows)));
  return rows;
}

std::vector<std::int64_t> RaggedArray::Shapes(const DimIndex& first_axis) const {
  bool single = false;
  const std::vector<std::int64_t> coordinates = Pick(first_axis, &single);
  const std::vector<std::int64_t> rows = ReadRows(coordinates);
  const std::size_t columns = engine::RaggedAxisCount(spec_);
  std::vector<std::int64_t> shapes;
  shapes.reserve(coordinates.size() * spec_.sample_shape.size());
  for (std::size_t k = 0; k < coordinates.size(); ++k) {
    const auto shape =
        coder_->FullShape(std::span(rows).subspan(k * columns, columns), coordinates[k]);
    shapes.insert(shapes.end(), shape.begin(), shape.end());
  }
  return shapes;
}

RaggedArray::ReadResult RaggedArray::Read(const Selection& selection) const {
  // Not a structured binding: clang 14 cannot capture one in the lambda below.
  const std::pair<DimIndex, Selection> split =
      SplitSelection(selection, spec_.sample_shape.size() + 1);
  const DimIndex& first_axis = split.first;
  const Selection& within = split.second;
  ReadResult result;
  const std::vector<std::int64_t> coordinates = Pick(first_axis, &result.single);
  result.samples.resize(coordinates.size());
  if (coordinates.empty()) return result;
  const std::vector<std::int64_t> rows = ReadRows(coordinates);
  const VariableValues values = samples_->ReadValues(samples_->Select({IndexList(coordinates)}));
  const std::size_t columns = engine::RaggedAxisCount(spec_);
  const auto decode = [&](std::size_t k) {
    result.samples[k] =
        coder_->Decode(values.elements()[k].span(), std::span(rows).subspan(k * columns, columns),
                       within, coordinates[k]);
  };
  if (engine::HoldsImageFiles(spec_)) {
    engine::ParallelFor(coordinates.size(), decode);  // decoding outweighs handing it over
  } else {
    std::size_t bytes = 0;
    for (const VariableElement& element : values.elements()) bytes += element.size;
    engine::ParallelForBytes(coordinates.size(), bytes, decode);
  }
  return result;
}

std::int64_t RaggedArray::Extend(std::span<const SampleInput> samples) {
  RaggedAppender appender(shared_from_this());
  appender.Write(samples);
  return appender.Commit();
}

void RaggedArray::Write(std::int64_t index, const SampleInput& sample) {
  engine::Growth shapes_growth(shapes_->state());  // the array's turn
  const std::int64_t stored_length = shapes_growth.stored_shape()[0];
  const std::int64_t position = index < 0 ? index + stored_length : index;
  if (position < 0 || position >= stored_length) {
    throw OutOfBoundsError("index " + std::to_string(index) +
                           " is out of bounds for ragged array '" + path_ + "' of length " +
                           std::to_string(stored_length));
  }
  const engine::SampleCoder::Stored stored = coder_->Encode(sample, 0);
  engine::Growth samples_growth(samples_->state());
  const VariableElement element{stored.bytes.data(), stored.bytes.size()};
  samples_growth.WriteSamples(position, std::as_bytes(std::span(&element, 1)), 1);
  shapes_growth.WriteSamples(position, std::as_bytes(std::span(stored.ragged_extents)), 1);
}

void RaggedArray::Resize(std::int64_t length) {
  if (length < 0) {
    throw InvalidArgumentError("ragged array '" + path_ + "' cannot have length " +
                               std::to_string(length));
  }
  const auto columns = static_cast<std::int64_t>(engine::RaggedAxisCount(spec_));
  engine::Growth shapes_growth(shapes_->state());
  engine::Growth samples_growth(samples_->state());
  const std::int64_t old_length = shapes_growth.stored_shape()[0];
  const std::int64_t samples_length = samples_growth.stored_shape()[0];
  if (length >= old_length) {
    // Samples an interrupted append left past the old length become empty ones, as the
    // new rows of the shapes array say they are.
    const std::int64_t leftovers = std::min(samples_length, length) - old_length;
    if (leftovers > 0) {
      const std::vector<VariableElement> empty(static_cast<std::size_t>(leftovers));
      samples_growth.WriteSamples(old_length, std::as_bytes(std::span(empty)), leftovers);
    }
    samples_growth.SetShape({length});
    shapes_growth.SetShape({length, columns});
    samples_->set_state(samples_growth.Commit());
    shapes_->set_state(shapes_growth.Commit());
  } else {
    shapes_growth.SetShape({length, columns});
    shapes_->set_state(shapes_growth.Commit());
    samples_growth.SetShape({length});
    samples_->set_state(samples_growth.Commit());
    shapes_growth.DeleteOutside();
  }
  if (samples_length > length) samples_growth.DeleteOutside();
}

void RaggedArray::Refresh() {
  shapes_->Refresh();  // first, as FromNode does
  samples_->Refresh();
}

RaggedAppender::RaggedAppender(std::shared_ptr<RaggedArray> array, AppendMode mode)
    : array_(std::move(array)),
      shapes_growth_(std::make_unique<engine::Growth>(array_->shapes_->state(), mode)),
      samples_growth_(std::make_unique<engine::Growth>(array_->samples_->state(), mode)),
      mode_(mode) {
  length_ = shapes_growth_->stored_shape()[0];
  if (samples_growth_->stored_shape()[0] < length_) {
    // An Undo that failed half-way: the samples array must be as long before samples go on.
    if (mode == AppendMode::kStage)
      samples_growth_->AdoptStaged(length_);
    else
      samples_growth_->SetShape({length_});
  }
}

RaggedAppender::~RaggedAppender() = default;

void RaggedAppender::CheckOpen(const char* what) const {
  if (shapes_growth_ == nullptr) {
    throw InvalidArgumentError(std::string("RaggedAppender::") + what + " after Abandon");
  }
}

std::int64_t RaggedAppender::stored_length() const {
  CheckOpen("stored_length");
  return shapes_growth_->stored_shape()[0];
}

void RaggedAppender::Write(std::span<const SampleInput> samples) {
  CheckOpen("Write");
  if (committed_) throw InvalidArgumentError("this appender has already committed");
  const auto count = static_cast<std::int64_t>(samples.size());
  if (count == 0) return;
  const engine::SampleCoder& coder = *array_->coder_;
  std::vector<engine::SampleCoder::Stored> stored(samples.size());
  engine::ParallelFor(samples.size(), [&](std::size_t k) {
    stored[k] = coder.Encode(samples[k], written_ + static_cast<std::int64_t>(k));
  });
  std::vector<VariableElement> elements;
  std::vector<std::int64_t> rows;
  elements.reserve(stored.size());
  for (const engine::SampleCoder::Stored& sample : stored) {
    elements.push_back({sample.bytes.data(), sample.bytes.size()});
    rows.insert(rows.end(), sample.ragged_extents.begin(), sample.ragged_extents.end());
  }
  // Values before their shape rows, as everywhere: a row never describes bytes not there.
  samples_growth_->WriteSamples(length_, std::as_bytes(std::span(elements)), count);
  shapes_growth_->WriteSamples(length_, std::as_bytes(std::span(rows)), count);
  length_ += count;
  written_ += count;
}

void RaggedAppender::Rewind(std::int64_t position) {
  CheckOpen("Rewind");
  if (committed_ || position < 0 || position > length_) {
    throw InvalidArgumentError("cannot rewind the append to '" + array_->path() + "' to " +
                               std::to_string(position) + (committed_ ? " after Commit" : ""));
  }
  length_ = position;
}

void RaggedAppender::Resume(std::int64_t position) {
  CheckOpen("Resume");
  if (committed_ || position < length_) {
    throw InvalidArgumentError("cannot resume the append to '" + array_->path() + "' at " +
                               std::to_string(position) + (committed_ ? " after Commit" : ""));
  }
  if (position > samples_growth_->shape()[0]) samples_growth_->AdoptStaged(position);
  if (position > shapes_growth_->shape()[0]) shapes_growth_->AdoptStaged(position);
  length_ = position;
}

std::int64_t RaggedAppender::Commit() {
  CheckOpen("Commit");
  if (committed_) throw InvalidArgumentError("this appender has already committed");
  if (mode_ == AppendMode::kStage) {
    throw InvalidArgumentError("an appender that stages samples cannot commit '" + array_->path() +
                               "'");
  }
  const std::int64_t length = shapes_growth_->shape()[0];
  // Samples an interrupted append left past the new length are cut off.
  if (samples_growth_->shape()[0] > length) samples_growth_->SetShape({length});
  array_->samples_->set_state(samples_growth_->Commit());
  array_->shapes_->set_state(shapes_growth_->Commit());  // the new length shows from here
  committed_ = true;
  return length;
}

void RaggedAppender::Undo() {
  CheckOpen("Undo");
  if (!committed_) throw InvalidArgumentError("Undo needs a Commit to undo");
  // The shapes array first: the length goes back before any sample it counted goes.
  shapes_growth_->Undo();
  array_->shapes_->set_state(
      engine::WithShape(*array_->shapes_->state(), shapes_growth_->stored_shape()));
  samples_growth_->Undo();
  array_->samples_->set_state(
      engine::WithShape(*array_->samples_->state(), samples_growth_->stored_shape()));
}

void RaggedAppender::Abandon() {
  samples_growth_.reset();
  shapes_growth_.reset();
}

ImageFileHeader ReadImageFileHeader(std::span<const std::byte> file) {
  const codec::ImageFileInfo info = codec::ReadImageFileInfo(file);
  return {codec::ImageFileFormatName(info.format), info.height, info.width, info.channels,
          info.bit_depth};
}

Sample DecodeImageFile(std::span<const std::byte> file, int channels) {
  if (channels < 1 || channels > 4) {
    throw InvalidArgumentError("images decode to 1 to 4 channels, not " + std::to_string(channels));
  }
  const codec::ImageFileInfo info = codec::ReadImageFileInfo(file);
  Sample sample;
  sample.shape = {info.height, info.width, channels};
  const std::size_t bytes = static_cast<std::size_t>(info.height) * info.width * channels *
                            static_cast<std::size_t>(info.bit_depth / 8);
  sample.values = Buffer::AllocateForReads(bytes);
  codec::DecodeImageFile(file, info, channels, sample.values.mutable_span());
  return sample;
}

bool IsRaggedArrayNode(const NodeInfo& node) {
  if (node.kind != NodeKind::kGroup) return false;
  // A discarded parse (not an exception): listing a store must not fail on one bad group.
  return engine::DescribesRaggedArray(nlohmann::json::parse(node.attributes_json, nullptr, false));
}

}  // namespace hub
