// hub::Dataset for Python: create and open datasets, the GIL released while the
// store is read or written.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <deque>
#include <string>
#include <utility>
#include <vector>

#include "bindings.h"
#include "hub/dataset.h"
#include "hub/errors.h"

namespace py = pybind11;

namespace hub::python {
namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;

std::vector<DatasetComponent> ComponentsOf(const Pairs& pairs) {
  std::vector<DatasetComponent> components;
  for (const auto& [name, array_path] : pairs) components.push_back({name, array_path});
  return components;
}

Pairs PairsOf(const std::vector<DatasetComponent>& components) {
  Pairs pairs;
  for (const auto& component : components) pairs.emplace_back(component.name, component.array_path);
  return pairs;
}

using Values = std::vector<std::pair<std::string, py::object>>;

// Samples for Dataset::Extend and DatasetAppender::Write as the engine takes them, viewing the
// Python objects: an ndarray for a fixed-shape component, a list of samples for a ragged one.
// Built and destroyed with the GIL held.
class ComponentValues {
 public:
  ComponentValues(const Dataset& dataset, const Values& values) {
    for (const auto& [name, value] : values) {
      const ComponentArray& array = dataset.component(name);
      if (const auto* fixed = std::get_if<std::shared_ptr<Array>>(&array)) {
        if (!py::isinstance<py::array>(value)) {
          throw InvalidArgumentError("the samples of component '" + name + "' must be an ndarray");
        }
        bytes_.emplace_back(py::reinterpret_borrow<py::array>(value), (*fixed)->dtype());
        samples_.push_back({name, bytes_.back().bytes()});
      } else {
        const auto& ragged = std::get<std::shared_ptr<RaggedArray>>(array);
        inputs_.emplace_back(value.cast<py::list>(), ragged->spec().dtype);
        samples_.push_back({name, inputs_.back().inputs()});
      }
    }
  }
  std::span<const ComponentSamples> samples() const { return samples_; }

 private:
  std::deque<ValueBytes> bytes_;  // stable addresses: samples_ view them
  std::deque<SampleInputs> inputs_;
  std::vector<ComponentSamples> samples_;
};

}  // namespace

NodeKind KindOf(const std::string& kind) {
  if (kind == "array") return NodeKind::kArray;
  if (kind == "group") return NodeKind::kGroup;
  return NodeKind::kMissing;
}

OnExists ParseOnExists(const std::string& policy) {
  if (policy == "error") return OnExists::kError;
  if (policy == "reopen") return OnExists::kReopenIfSame;
  if (policy == "overwrite") return OnExists::kOverwrite;
  throw InvalidArgumentError("on_exists must be 'error', 'reopen' or 'overwrite', not '" + policy +
                             "'");
}

void RegisterDatasets(py::module_& module) {
  py::class_<Dataset>(module, "Dataset")
      .def_static(
          "create",
          [](std::shared_ptr<Store> store, const std::string& path, const Pairs& components,
             const std::string& on_exists, KnownGroups* known_groups,
             std::vector<ComponentArray> arrays) {
            const OnExists policy = ParseOnExists(on_exists);
            py::gil_scoped_release release;
            return Dataset::Create(std::move(store), path, ComponentsOf(components), policy,
                                   known_groups, std::move(arrays));
          },
          py::arg("store"), py::arg("path"), py::arg("components"), py::arg("on_exists") = "error",
          py::arg("known_groups") = nullptr, py::arg("arrays") = std::vector<ComponentArray>{},
          "`arrays`: the components' engine arrays, shared by the dataset (growth shows in both).")
      .def_static(
          "open",
          [](std::shared_ptr<Store> store, const std::string& path) {
            py::gil_scoped_release release;
            return Dataset::Open(std::move(store), path);
          },
          py::arg("store"), py::arg("path"))
      .def_static(
          "from_group",
          [](std::shared_ptr<Store> store, const std::string& path,
             const std::string& attributes_json) {
            const NodeInfo group{path, NodeKind::kGroup, attributes_json};
            py::gil_scoped_release release;
            return Dataset::FromGroup(std::move(store), group);
          },
          py::arg("store"), py::arg("path"), py::arg("attributes_json"),
          "The dataset of a group node already read (read_node), without reading it again.")
      .def_property_readonly("path", &Dataset::path)
      .def_property_readonly("shape",
                             [](const Dataset& d) { return py::tuple(py::cast(d.shape())); })
      .def_property_readonly("components", [](const Dataset& d) { return PairsOf(d.components()); })
      .def("component", &Dataset::component, py::arg("name"),
           "The component's Array or RaggedArray.")
      .def(
          "extend",
          [](Dataset& d, const Values& values, std::int64_t count) {
            const ComponentValues samples(d, values);
            py::gil_scoped_release release;
            return d.Extend(samples.samples(), count);
          },
          py::arg("values"), py::arg("count"),
          "Appends `count` samples to every component ([(name, samples)]: an ndarray for a "
          "fixed-shape component, a list of samples for a ragged one); the new length.")
      .def("refresh", &Dataset::Refresh, py::call_guard<py::gil_scoped_release>());

  py::class_<DatasetAppender>(module, "DatasetAppender")
      .def(py::init([](const Dataset& dataset, bool stage) {
             py::gil_scoped_release release;  // waits for the components' turns
             return std::make_unique<DatasetAppender>(
                 dataset, stage ? AppendMode::kStage : AppendMode::kGrow);
           }),
           py::arg("dataset"), py::arg("stage") = false,
           "stage=True holds no turn and cannot commit: it stages samples beyond the stored "
           "length beside other processes' (each in its own objects) for a committing "
           "appender that resumes past them.")
      .def_property_readonly("length", &DatasetAppender::length)
      .def(
          "write",
          [](DatasetAppender& appender, const Dataset& dataset, const Values& values,
             std::int64_t count) {
            const ComponentValues samples(dataset, values);
            py::gil_scoped_release release;
            appender.Write(samples.samples(), count);
          },
          py::arg("dataset"), py::arg("values"), py::arg("count"),
          "Writes `count` samples of every component, as Dataset.extend takes them.")
      .def("resume", &DatasetAppender::Resume, py::arg("position"),
           py::call_guard<py::gil_scoped_release>())
      .def("commit", &DatasetAppender::Commit, py::call_guard<py::gil_scoped_release>())
      .def("abandon", &DatasetAppender::Abandon, py::call_guard<py::gil_scoped_release>());

  module.def(
      "dataset_components",
      [](const std::string& kind, const std::string& attributes_json) -> py::object {
        const auto components = DatasetComponentsOf(NodeInfo{"", KindOf(kind), attributes_json});
        if (!components) return py::none();
        return py::cast(PairsOf(*components));
      },
      py::arg("kind"), py::arg("attributes_json"),
      "[(name, array path)] in creation order for a hub_v1 dataset group, else None.");
}

}  // namespace hub::python
