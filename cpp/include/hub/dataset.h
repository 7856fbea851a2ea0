// hub::Dataset: arrays of one store that share their leading shape, under one name; each a
// fixed-shape Array or a RaggedArray. Stored as a Zarr v3 group whose attributes.hub_v1 is
// {"components": {name: array path}, "order": [names in creation order]}; the component arrays
// stay where they are.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "hub/appender.h"
#include "hub/array.h"
#include "hub/node.h"
#include "hub/ragged_array.h"
#include "hub/store.h"

namespace hub {

struct DatasetComponent {
  std::string name;
  std::string array_path;  // from the store's root

  bool operator==(const DatasetComponent&) const = default;
};

// A component's array: fixed-shape, or ragged (samples of any extent along some axes).
using ComponentArray = std::variant<std::shared_ptr<Array>, std::shared_ptr<RaggedArray>>;

// Samples for one component of Dataset::Extend: for a fixed-shape array, count samples in C
// order and its dtype; for a ragged array, one SampleInput per sample.
struct ComponentSamples {
  std::string name;
  std::variant<std::span<const std::byte>, std::span<const SampleInput>> samples;
};

class Dataset {
 public:
  // Records `components` (at least one; names non-empty and distinct; each an array or a
  // ragged array of `store`) as the dataset `path`: one read to see what is at `path` and one group
  // write. InvalidArgumentError for bad components or arrays that share no leading extent,
  // NotFoundError for a component path with no array.
  // `opened`: the components' arrays already open (empty, or one per component in order, each
  // of that component's path): the dataset shares these handles, so growth through either
  // shows in both.
  static Dataset Create(std::shared_ptr<Store> store, const std::string& path,
                        std::vector<DatasetComponent> components,
                        OnExists on_exists = OnExists::kError, KnownGroups* known_groups = nullptr,
                        std::vector<ComponentArray> opened = {});
  // The dataset at `path`: a hub_v1 dataset group, or a plain Zarr group, whose child arrays
  // (and ragged arrays) become the components. NotFoundError if no group is there.
  static Dataset Open(std::shared_ptr<Store> store, const std::string& path);
  // The same for a group node already read (ReadNode), without reading it again.
  static Dataset FromGroup(std::shared_ptr<Store> store, const NodeInfo& group);
  // The dataset these components make, opened and checked, without reading or writing a
  // group at `path` (a dataset that travelled to another process as its description).
  static Dataset Assemble(std::shared_ptr<Store> store, const std::string& path,
                          std::vector<DatasetComponent> components,
                          std::vector<ComponentArray> opened = {});

  const std::string& path() const { return path_; }
  // The length is the shortest component's: a component may hold samples past it, left by
  // an append that was interrupted between components (the next append overwrites them).
  // The other entries are the leading extents every component shares (a ragged component's
  // axes up to its first varying one).
  // Computed from the component arrays' handles, so growth through any of them shows.
  std::vector<std::int64_t> shape() const;
  std::int64_t length() const { return shape().front(); }
  // In creation order.
  const std::vector<DatasetComponent>& components() const { return components_; }
  // The component `name`'s array; NotFoundError if there is none.
  const ComponentArray& component(const std::string& name) const;
  // The same for a fixed-shape component: InvalidArgumentError for a ragged one.
  std::shared_ptr<Array> array(const std::string& name) const;

  // Appends `count` samples to every component (each named once in `samples`) at the
  // dataset's length as stored now, then commits each component's new length: one
  // DatasetAppender batch. If a check, a write or a commit fails, the components committed so
  // far get their old length back, so the dataset keeps its old length. Returns the new
  // length.
  std::int64_t Extend(std::span<const ComponentSamples> samples, std::int64_t count);
  // Rereads every component's shape (growth made through other handles).
  void Refresh();

 private:
  friend class DatasetAppender;
  Dataset() = default;
  // InvalidArgumentError naming the shapes unless every component has the same length.
  static void CheckSameFirstExtent(const Dataset& dataset);

  std::string path_;
  std::vector<DatasetComponent> components_;
  std::vector<ComponentArray> arrays_;  // components_[k]'s array
};

// Appends a stream of batches to every component of a dataset, each component by its own
// Appender, and commits them together: Dataset::Extend is one batch of it. With kGrow, holds
// every component's turn (taken in path order) from construction until Abandon or
// destruction; without Commit, every component keeps its length. With kStage it holds nothing
// and only stages samples for a kGrow appender to commit (see hub::AppendMode). Batches go at
// the dataset's stored length (the shortest component's), over samples a longer component
// holds past it.
class DatasetAppender {
 public:
  explicit DatasetAppender(const Dataset& dataset, AppendMode mode = AppendMode::kGrow);
  ~DatasetAppender();
  DatasetAppender(const DatasetAppender&) = delete;
  DatasetAppender& operator=(const DatasetAppender&) = delete;

  // Where the next batch goes.
  std::int64_t length() const { return length_; }
  // Writes `count` samples of every component (each named once) at length(). A batch that
  // fails part-way is written over by the next.
  void Write(std::span<const ComponentSamples> samples, std::int64_t count);
  // Every component's Appender::Resume: the samples up to `position`, staged by an earlier
  // appender whose process died before its Commit, are taken as written.
  void Resume(std::int64_t position);
  // Commits every component's length; if one fails, those committed before it get their old
  // length back. Returns the dataset's new length.
  std::int64_t Commit();
  // Gives up the turns now; without Commit, nothing is committed.
  void Abandon();

 private:
  Dataset dataset_;
  std::vector<std::unique_ptr<Appender>> appenders_;  // component k's
  const AppendMode mode_;
  std::int64_t length_ = 0;
  bool committed_ = false;
};

// The components a hub_v1 dataset group records (in creation order), or nullopt for any
// other node: what listing a store needs to tell datasets from plain groups.
std::optional<std::vector<DatasetComponent>> DatasetComponentsOf(const NodeInfo& node);

}  // namespace hub
