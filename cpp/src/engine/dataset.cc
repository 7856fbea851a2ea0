// hub::Dataset (hub/dataset.h): the dataset group format and its checks.
#include "hub/dataset.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <utility>

#include "common/shape_text.h"
#include "engine/metadata_io.h"
#include "hub/errors.h"

namespace hub {
namespace {

void CheckComponents(const std::string& path, const std::vector<DatasetComponent>& components) {
  if (components.empty()) {
    throw InvalidArgumentError("dataset '" + path + "' needs at least one component");
  }
  std::set<std::string> names;
  for (const DatasetComponent& component : components) {
    if (component.name.empty()) {
      throw InvalidArgumentError("dataset '" + path + "': component names must be non-empty");
    }
    if (!names.insert(component.name).second) {
      throw InvalidArgumentError("dataset '" + path + "' names component '" + component.name +
                                 "' twice");
    }
    ValidateKey(component.array_path);
  }
}

// The longest shape prefix every array shares.
std::vector<std::int64_t> SharedLeadingShape(const std::vector<std::shared_ptr<Array>>& arrays) {
  std::vector<std::int64_t> shared = arrays.front()->shape();
  for (const auto& array : arrays) {
    const auto& shape = array->shape();
    std::size_t common = 0;
    while (common < shared.size() && common < shape.size() && shared[common] == shape[common]) {
      ++common;
    }
    shared.resize(common);
  }
  return shared;
}

nlohmann::json AttributesOf(const std::vector<DatasetComponent>& components) {
  nlohmann::json paths = nlohmann::json::object();
  nlohmann::json order = nlohmann::json::array();
  for (const DatasetComponent& component : components) {
    paths[component.name] = component.array_path;
    order.push_back(component.name);
  }
  // JSON objects come back with sorted keys: "order" keeps the creation order.
  return {{"hub_v1", {{"components", paths}, {"order", order}}}};
}

bool SameComponents(std::vector<DatasetComponent> a, std::vector<DatasetComponent> b) {
  const auto by_name = [](const DatasetComponent& x, const DatasetComponent& y) {
    return x.name < y.name;
  };
  std::sort(a.begin(), a.end(), by_name);
  std::sort(b.begin(), b.end(), by_name);
  return a == b;
}

}  // namespace

std::optional<std::vector<DatasetComponent>> DatasetComponentsOf(const NodeInfo& node) {
  if (node.kind != NodeKind::kGroup) return std::nullopt;
  const nlohmann::json attributes = engine::ParseJson(node.attributes_json, "group attributes");
  const auto hub = attributes.find("hub_v1");
  if (hub == attributes.end() || !hub->is_object()) return std::nullopt;
  const auto paths = hub->find("components");
  if (paths == hub->end() || !paths->is_object()) return std::nullopt;
  for (const auto& [name, array_path] : paths->items()) {
    if (!array_path.is_string()) return std::nullopt;
  }
  std::vector<std::string> names;
  const auto order = hub->find("order");
  if (order != hub->end() && order->is_array() && order->size() == paths->size() &&
      std::all_of(order->begin(), order->end(), [&](const nlohmann::json& name) {
        return name.is_string() && paths->contains(name.get<std::string>());
      })) {
    for (const auto& name : *order) names.push_back(name.get<std::string>());
  }
  if (std::set<std::string>(names.begin(), names.end()).size() != paths->size()) {
    names.clear();  // no usable order: the sorted names
    for (const auto& [name, array_path] : paths->items()) names.push_back(name);
  }
  std::vector<DatasetComponent> components;
  for (const std::string& name : names) {
    components.push_back({name, (*paths)[name].get<std::string>()});
  }
  return components;
}

Dataset Dataset::Assemble(std::shared_ptr<Store> store, const std::string& path,
                          std::vector<DatasetComponent> components) {
  ValidateKey(path);
  CheckComponents(path, components);
  Dataset dataset;
  dataset.path_ = path;
  for (const DatasetComponent& component : components) {
    dataset.arrays_.push_back(Array::Open(store, component.array_path));
  }
  dataset.components_ = std::move(components);
  dataset.shape_ = SharedLeadingShape(dataset.arrays_);
  if (dataset.shape_.empty()) {
    std::string shapes;
    for (std::size_t k = 0; k < dataset.arrays_.size(); ++k) {
      shapes += (k ? ", " : "") + dataset.components_[k].name + " " +
                ShapeText(dataset.arrays_[k]->shape());
    }
    throw InvalidArgumentError("the components of dataset '" + path +
                               "' must share their first dimension; got shapes " + shapes);
  }
  return dataset;
}

Dataset Dataset::Create(std::shared_ptr<Store> store, const std::string& path,
                        std::vector<DatasetComponent> components, OnExists on_exists,
                        KnownGroups* known_groups) {
  Dataset dataset = Assemble(store, path, std::move(components));
  const NodeInfo existing = ReadNode(*store, path);
  if (existing.kind != NodeKind::kMissing) {
    const auto recorded = DatasetComponentsOf(existing);
    if (on_exists == OnExists::kOverwrite) {
      DeleteNode(*store, path, known_groups);
    } else if (on_exists == OnExists::kReopenIfSame && recorded &&
               SameComponents(*recorded, dataset.components_)) {
      return dataset;
    } else {
      throw ContainsNodeError("'" + path + "' already exists in " + store->Describe() +
                              "; open it, or overwrite it to replace it");
    }
  }
  CreateGroup(*store, path, AttributesOf(dataset.components_).dump(), known_groups);
  return dataset;
}

Dataset Dataset::Open(std::shared_ptr<Store> store, const std::string& path) {
  ValidateKey(path);
  const NodeInfo node = ReadNode(*store, path);
  return FromGroup(std::move(store), node);
}

Dataset Dataset::FromGroup(std::shared_ptr<Store> store, const NodeInfo& node) {
  const std::string& path = node.path;
  if (node.kind != NodeKind::kGroup) {
    throw NotFoundError("no dataset named '" + path + "' in " + store->Describe());
  }
  if (auto components = DatasetComponentsOf(node)) {
    return Assemble(std::move(store), path, std::move(*components));
  }
  std::vector<DatasetComponent> children;  // a plain Zarr group: its child arrays
  for (const NodeInfo& child : ListNodes(*store, path, /*children_only=*/true)) {
    if (child.kind == NodeKind::kArray) {
      children.push_back({child.path.substr(path.size() + 1), child.path});
    }
  }
  return Assemble(std::move(store), path, std::move(children));
}

std::shared_ptr<Array> Dataset::array(const std::string& name) const {
  for (std::size_t k = 0; k < components_.size(); ++k) {
    if (components_[k].name == name) return arrays_[k];
  }
  throw NotFoundError("dataset '" + path_ + "' has no component '" + name + "'");
}

}  // namespace hub
