// hub::Dataset: arrays of one store that share their leading shape, under one name. Stored as
// a Zarr v3 group whose attributes.hub_v1 is {"components": {name: array path}, "order":
// [names in creation order]}; the component arrays stay where they are.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "hub/array.h"
#include "hub/node.h"
#include "hub/store.h"

namespace hub {

struct DatasetComponent {
  std::string name;
  std::string array_path;  // from the store's root

  bool operator==(const DatasetComponent&) const = default;
};

class Dataset {
 public:
  // Records `components` (at least one; names non-empty and distinct; each an array of
  // `store`) as the dataset `path`: one read to see what is at `path` and one group write.
  // InvalidArgumentError for bad components or arrays that share no leading extent,
  // NotFoundError for a component path with no array.
  static Dataset Create(std::shared_ptr<Store> store, const std::string& path,
                        std::vector<DatasetComponent> components,
                        OnExists on_exists = OnExists::kError, KnownGroups* known_groups = nullptr);
  // The dataset at `path`: a hub_v1 dataset group, or a plain Zarr group, whose child arrays
  // become the components. NotFoundError if no group is there.
  static Dataset Open(std::shared_ptr<Store> store, const std::string& path);
  // The same for a group node already read (ReadNode), without reading it again.
  static Dataset FromGroup(std::shared_ptr<Store> store, const NodeInfo& group);
  // The dataset these components make, opened and checked, without reading or writing a
  // group at `path` (a dataset that travelled to another process as its description).
  static Dataset Assemble(std::shared_ptr<Store> store, const std::string& path,
                          std::vector<DatasetComponent> components);

  const std::string& path() const { return path_; }
  // The longest leading shape every component shares; its first entry is the length.
  const std::vector<std::int64_t>& shape() const { return shape_; }
  std::int64_t length() const { return shape_.front(); }
  // In creation order.
  const std::vector<DatasetComponent>& components() const { return components_; }
  // The component `name`'s array; NotFoundError if there is none.
  std::shared_ptr<Array> array(const std::string& name) const;

 private:
  Dataset() = default;

  std::string path_;
  std::vector<DatasetComponent> components_;
  std::vector<std::shared_ptr<Array>> arrays_;  // components_[k]'s array
  std::vector<std::int64_t> shape_;
};

// The components a hub_v1 dataset group records (in creation order), or nullopt for any
// other node: what listing a store needs to tell datasets from plain groups.
std::optional<std::vector<DatasetComponent>> DatasetComponentsOf(const NodeInfo& node);

}  // namespace hub
