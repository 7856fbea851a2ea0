// Stores and the node tree: opaque store handles, groups, listing, deletion.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "bindings.h"
#include "hub/attributes.h"
#include "hub/node.h"
#include "hub/store.h"
#include "hub/store_url.h"

namespace py = pybind11;

namespace hub::python {
namespace {

const char* KindName(NodeKind kind) {
  switch (kind) {
    case NodeKind::kArray:
      return "array";
    case NodeKind::kGroup:
      return "group";
    default:
      return "missing";
  }
}

py::tuple NodeTuple(const NodeInfo& node) {
  return py::make_tuple(node.path, KindName(node.kind), node.attributes_json);
}

}  // namespace

void RegisterStores(py::module_& module) {
  py::class_<Store, std::shared_ptr<Store>>(module, "Store")
      .def("describe", &Store::Describe)
      .def("__repr__", [](const Store& store) { return "<Store " + store.Describe() + ">"; })
      .def(
          "get",
          [](Store& store, const std::string& key) -> py::object {
            std::optional<Buffer> value;
            {
              py::gil_scoped_release release;
              value = store.Get(key);
            }
            if (!value) return py::none();
            return py::bytes(reinterpret_cast<const char*>(value->data()), value->size());
          },
          py::arg("key"))
      .def(
          "put",
          [](Store& store, const std::string& key, const py::bytes& value) {
            const std::string_view view = value;
            py::gil_scoped_release release;
            store.Put(key, std::as_bytes(std::span(view)));
          },
          py::arg("key"), py::arg("value"))
      .def("delete", &Store::Delete, py::arg("key"), py::call_guard<py::gil_scoped_release>())
      .def("list", &Store::List, py::arg("prefix") = "", py::call_guard<py::gil_scoped_release>())
      .def(
          "list_with_sizes",
          [](Store& store, const std::string& prefix) {
            std::vector<ObjectSize> objects;
            {
              py::gil_scoped_release release;
              objects = store.ListWithSizes(prefix);
            }
            py::list result;
            for (const auto& object : objects) {
              result.append(py::make_tuple(object.key, object.bytes));
            }
            return result;
          },
          py::arg("prefix") = "", "[(key, stored bytes)] under `prefix`, sorted by key.");

  module.def("validate_name", &ValidateKey, py::arg("name"));
  module.def(
      "parse_store_url",
      [](const std::string& url) {
        const StoreLocation location = ParseStoreUrl(url);
        return py::make_tuple(location.scheme, location.path, location.bucket, location.prefix);
      },
      py::arg("url"), "(scheme: file, memory, s3 or gs; local path; bucket; prefix)");
  module.def("read_aws_credentials", &ReadAwsCredentialsFile, py::arg("path"),
             py::arg("profile") = "", py::call_guard<py::gil_scoped_release>(),
             "The fields of an AWS credentials file (INI or JSON), checked to hold keys.");

  module.def(
      "read_node",
      [](Store& store, const std::string& path) {
        NodeInfo node;
        {
          py::gil_scoped_release release;
          node = ReadNode(store, path);
        }
        return NodeTuple(node);
      },
      py::arg("store"), py::arg("path"));
  py::class_<KnownGroups, std::shared_ptr<KnownGroups>>(
      module, "KnownGroups", "Group folders of one store already checked (one per DataHub).")
      .def(py::init<>());
  module.def("create_group", &CreateGroup, py::arg("store"), py::arg("path"),
             py::arg("attributes_json"), py::arg("known_groups") = nullptr,
             py::call_guard<py::gil_scoped_release>());
  module.def("delete_node", &DeleteNode, py::arg("store"), py::arg("path"),
             py::arg("known_groups") = nullptr, py::call_guard<py::gil_scoped_release>());
  module.def("read_attributes", &ReadUserAttributes, py::arg("store"), py::arg("path"),
             py::call_guard<py::gil_scoped_release>());
  module.def("update_attributes", &UpdateUserAttributes, py::arg("store"), py::arg("path"),
             py::arg("changes_json"), py::arg("removed") = std::vector<std::string>{},
             py::call_guard<py::gil_scoped_release>());
  module.def(
      "list_nodes",
      [](Store& store, const std::string& prefix, bool children_only) {
        std::vector<NodeInfo> nodes;
        {
          py::gil_scoped_release release;
          nodes = ListNodes(store, prefix, children_only);
        }
        py::list result;
        for (const auto& node : nodes) result.append(NodeTuple(node));
        return result;
      },
      py::arg("store"), py::arg("prefix"), py::arg("children_only") = false);
}

}  // namespace hub::python
