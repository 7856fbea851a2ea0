// hub::Dataset (hub/dataset.h): the dataset group format and its checks.
#include "hub/dataset.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <utility>
#include <variant>

#include "common/shape_text.h"
#include "format/json_text.h"
#include "hub/errors.h"
#include "hub/log.h"

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

const std::string& PathOf(const ComponentArray& array) {
  return std::visit([](const auto& held) -> const std::string& { return held->path(); }, array);
}

// The length, then the extents every sample has up to the first axis that varies.
std::vector<std::int64_t> LeadingShape(const ComponentArray& array) {
  if (const auto* fixed = std::get_if<std::shared_ptr<Array>>(&array)) return (*fixed)->shape();
  const auto& ragged = std::get<std::shared_ptr<RaggedArray>>(array);
  std::vector<std::int64_t> shape{ragged->length()};
  for (const std::optional<std::int64_t>& extent : ragged->spec().sample_shape) {
    if (!extent) break;
    shape.push_back(*extent);
  }
  return shape;
}

// The shape as an error names it: None for an axis that varies.
std::string ShapeTextOf(const ComponentArray& array) {
  if (const auto* fixed = std::get_if<std::shared_ptr<Array>>(&array)) {
    return ShapeText((*fixed)->shape());
  }
  std::string text;
  for (const std::optional<std::int64_t>& extent :
       std::get<std::shared_ptr<RaggedArray>>(array)->shape()) {
    text += (text.empty() ? "(" : ", ") + (extent ? std::to_string(*extent) : "None");
  }
  return text + ")";
}

// The array or ragged array at `path`: NotFoundError naming it if there is neither.
ComponentArray OpenComponent(const std::shared_ptr<Store>& store, const std::string& path) {
  try {
    return Array::Open(store, path);
  } catch (const NotFoundError&) {
    if (auto ragged = RaggedArray::FromNode(store, ReadNode(*store, path))) return ragged;
    throw;
  }
}

// The shortest first extent, then the longest run of later extents every array shares.
std::vector<std::int64_t> SharedLeadingShape(const std::vector<ComponentArray>& arrays) {
  std::vector<std::int64_t> shared = LeadingShape(arrays.front());
  for (const ComponentArray& array : arrays) {
    const std::vector<std::int64_t> shape = LeadingShape(array);
    shared[0] = std::min(shared[0], shape[0]);
    std::size_t common = 1;
    while (common < shared.size() && common < shape.size() && shared[common] == shape[common]) {
      ++common;
    }
    shared.resize(common);
  }
  return shared;
}

bool SameFirstExtent(const std::vector<ComponentArray>& arrays) {
  const std::int64_t first = LeadingShape(arrays.front())[0];
  return std::all_of(arrays.begin(), arrays.end(),
                     [&](const ComponentArray& array) { return LeadingShape(array)[0] == first; });
}

std::unique_ptr<Appender> AppenderFor(const ComponentArray& array, AppendMode mode) {
  if (const auto* fixed = std::get_if<std::shared_ptr<Array>>(&array)) {
    return std::make_unique<ArrayAppender>(*fixed, mode);
  }
  return std::make_unique<RaggedAppender>(std::get<std::shared_ptr<RaggedArray>>(array), mode);
}

// Writes a component's samples through `appender`, which AppenderFor(array) made.
void WriteComponent(Appender& appender, const ComponentArray& array, const ComponentSamples& entry,
                    std::int64_t count, const std::string& path) {
  const std::string what = "appending to dataset '" + path + "': component '" + entry.name + "'";
  if (std::holds_alternative<std::shared_ptr<Array>>(array)) {
    const auto* values = std::get_if<std::span<const std::byte>>(&entry.samples);
    if (values == nullptr) {
      throw InvalidArgumentError(what + " is a fixed-shape array; it takes a block of values");
    }
    static_cast<ArrayAppender&>(appender).Write(*values, count);
    return;
  }
  const auto* samples = std::get_if<std::span<const SampleInput>>(&entry.samples);
  if (samples == nullptr) {
    throw InvalidArgumentError(what + " is a ragged array; it takes one input per sample");
  }
  if (static_cast<std::int64_t>(samples->size()) != count) {
    throw InvalidArgumentError(what + " has " + std::to_string(samples->size()) + " samples, not " +
                               std::to_string(count));
  }
  static_cast<RaggedAppender&>(appender).Write(*samples);
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
  const nlohmann::json attributes = format::ParseJson(node.attributes_json, "group attributes");
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

void Dataset::CheckSameFirstExtent(const Dataset& dataset) {
  if (SameFirstExtent(dataset.arrays_)) return;
  std::string shapes;
  for (std::size_t k = 0; k < dataset.arrays_.size(); ++k) {
    shapes += (k ? ", " : "") + dataset.components_[k].name + " " + ShapeTextOf(dataset.arrays_[k]);
  }
  throw InvalidArgumentError("the components of dataset '" + dataset.path_ +
                             "' must share their first dimension; got shapes " + shapes);
}

Dataset Dataset::Assemble(std::shared_ptr<Store> store, const std::string& path,
                          std::vector<DatasetComponent> components,
                          std::vector<ComponentArray> opened) {
  ValidateKey(path);
  CheckComponents(path, components);
  if (!opened.empty() && opened.size() != components.size()) {
    throw InvalidArgumentError("dataset '" + path + "': " + std::to_string(opened.size()) +
                               " opened arrays for " + std::to_string(components.size()) +
                               " components");
  }
  Dataset dataset;
  dataset.path_ = path;
  for (std::size_t k = 0; k < components.size(); ++k) {
    if (opened.empty()) {
      dataset.arrays_.push_back(OpenComponent(store, components[k].array_path));
    } else if (std::visit([](const auto& held) { return held != nullptr; }, opened[k]) &&
               PathOf(opened[k]) == components[k].array_path) {
      dataset.arrays_.push_back(std::move(opened[k]));
    } else {
      throw InvalidArgumentError("dataset '" + path + "': the array given for component '" +
                                 components[k].name + "' is not '" + components[k].array_path +
                                 "'");
    }
  }
  dataset.components_ = std::move(components);
  return dataset;
}

Dataset Dataset::Create(std::shared_ptr<Store> store, const std::string& path,
                        std::vector<DatasetComponent> components, OnExists on_exists,
                        KnownGroups* known_groups, std::vector<ComponentArray> opened) {
  Dataset dataset = Assemble(store, path, std::move(components), std::move(opened));
  const NodeInfo existing = ReadNode(*store, path);
  if (existing.kind != NodeKind::kMissing) {
    const auto recorded = DatasetComponentsOf(existing);
    if (on_exists == OnExists::kReopenIfSame && recorded &&
        SameComponents(*recorded, dataset.components_)) {
      return dataset;  // as it is: an interrupted append may have left components longer
    }
    CheckSameFirstExtent(dataset);
    if (on_exists == OnExists::kOverwrite) {
      DeleteNode(*store, path, known_groups);
    } else if (on_exists == OnExists::kReopenIfSame && !recorded &&
               existing.kind == NodeKind::kGroup && !IsRaggedArrayNode(existing)) {
      // A plain group, such as the parent that creating the components made, becomes the
      // dataset: its attributes gain the record and keep the rest.
      nlohmann::json attributes = format::ParseJson(existing.attributes_json, "group attributes");
      attributes["hub_v1"] = AttributesOf(dataset.components_)["hub_v1"];
      CreateGroup(*store, path, attributes.dump(), known_groups);
      return dataset;
    } else {
      throw ContainsNodeError("'" + path + "' already exists in " + store->Describe() +
                              "; open it, or overwrite it to replace it");
    }
  } else {
    CheckSameFirstExtent(dataset);
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
    if (child.kind == NodeKind::kArray || IsRaggedArrayNode(child)) {
      children.push_back({child.path.substr(path.size() + 1), child.path});
    }
  }
  // Arrays that nothing recorded as a dataset must agree (hub_v1's own datasets take the
  // shortest component: see shape()).
  Dataset dataset = Assemble(std::move(store), path, std::move(children));
  CheckSameFirstExtent(dataset);
  return dataset;
}

std::vector<std::int64_t> Dataset::shape() const { return SharedLeadingShape(arrays_); }

const ComponentArray& Dataset::component(const std::string& name) const {
  for (std::size_t k = 0; k < components_.size(); ++k) {
    if (components_[k].name == name) return arrays_[k];
  }
  throw NotFoundError("dataset '" + path_ + "' has no component '" + name + "'");
}

std::shared_ptr<Array> Dataset::array(const std::string& name) const {
  const ComponentArray& found = component(name);
  if (const auto* fixed = std::get_if<std::shared_ptr<Array>>(&found)) return *fixed;
  throw InvalidArgumentError("component '" + name + "' of dataset '" + path_ +
                             "' is a ragged array");
}

std::int64_t Dataset::Extend(std::span<const ComponentSamples> samples, std::int64_t count) {
  DatasetAppender appender(*this);
  appender.Write(samples, count);
  return appender.Commit();
}

DatasetAppender::DatasetAppender(const Dataset& dataset, AppendMode mode)
    : dataset_(dataset), mode_(mode) {
  const auto& components = dataset_.components_;
  for (std::size_t k = 0; k < components.size(); ++k) {
    for (std::size_t j = 0; j < k; ++j) {
      if (components[j].array_path == components[k].array_path) {
        throw InvalidArgumentError("dataset '" + dataset_.path_ + "': components '" +
                                   components[j].name + "' and '" + components[k].name +
                                   "' are one array ('" + components[k].array_path +
                                   "'), which an append would grow twice");
      }
    }
  }
  // Turns are taken in path order, so two datasets sharing arrays never wait on each other.
  std::vector<std::size_t> by_path(components.size());
  for (std::size_t k = 0; k < by_path.size(); ++k) by_path[k] = k;
  std::sort(by_path.begin(), by_path.end(), [&](std::size_t a, std::size_t b) {
    return components[a].array_path < components[b].array_path;
  });
  appenders_.resize(components.size());
  for (const std::size_t k : by_path) appenders_[k] = AppenderFor(dataset_.arrays_[k], mode);
  // The dataset's stored length: samples a component holds past it are overwritten.
  length_ = appenders_.front()->stored_length();
  for (const auto& appender : appenders_) length_ = std::min(length_, appender->stored_length());
  for (const auto& appender : appenders_) appender->Rewind(length_);
}

DatasetAppender::~DatasetAppender() = default;

void DatasetAppender::Write(std::span<const ComponentSamples> samples, std::int64_t count) {
  if (committed_) throw InvalidArgumentError("this appender has already committed");
  const auto& components = dataset_.components_;
  const std::string& path = dataset_.path_;
  std::vector<std::size_t> order(components.size());  // component k's entry in `samples`
  std::set<std::string> named;
  for (const ComponentSamples& entry : samples) {
    if (!named.insert(entry.name).second) {
      throw InvalidArgumentError("appending to dataset '" + path + "' names component '" +
                                 entry.name + "' twice");
    }
  }
  for (std::size_t k = 0; k < components.size(); ++k) {
    const auto found = std::find_if(samples.begin(), samples.end(), [&](const auto& entry) {
      return entry.name == components[k].name;
    });
    if (found == samples.end()) {
      throw InvalidArgumentError("appending to dataset '" + path +
                                 "' needs a value for every component; '" + components[k].name +
                                 "' has none");
    }
    order[k] = static_cast<std::size_t>(found - samples.begin());
  }
  if (named.size() != components.size()) {
    for (const ComponentSamples& entry : samples) dataset_.component(entry.name);  // NotFound
  }
  for (std::size_t k = 0; k < components.size(); ++k) {
    appenders_[k]->Rewind(length_);  // a failed batch's samples are written over
    WriteComponent(*appenders_[k], dataset_.arrays_[k], samples[order[k]], count, path);
  }
  length_ += count;
}

void DatasetAppender::Resume(std::int64_t position) {
  if (committed_) throw InvalidArgumentError("this appender has already committed");
  for (const auto& appender : appenders_) appender->Resume(position);
  length_ = position;
}

std::int64_t DatasetAppender::Commit() {
  if (committed_) throw InvalidArgumentError("this appender has already committed");
  if (mode_ == AppendMode::kStage) {
    throw InvalidArgumentError("an appender that stages samples cannot commit dataset '" +
                               dataset_.path_ + "'");
  }
  std::size_t committed = 0;
  try {
    for (; committed < appenders_.size(); ++committed) appenders_[committed]->Commit();
  } catch (...) {
    for (std::size_t k = 0; k < committed; ++k) {
      try {
        appenders_[k]->Undo();
      } catch (const std::exception& error) {
        Log(LogLevel::kWarning, "dataset '" + dataset_.path_ + "': component '" +
                                    dataset_.components_[k].name +
                                    "' keeps the failed append's samples (" + error.what() +
                                    "); the dataset's length is its shortest component's");
      }
    }
    throw;
  }
  committed_ = true;
  return dataset_.length();
}

void DatasetAppender::Abandon() { appenders_.clear(); }

void Dataset::Refresh() {
  for (const ComponentArray& array : arrays_) {
    std::visit([](const auto& held) { held->Refresh(); }, array);
  }
}

}  // namespace hub
