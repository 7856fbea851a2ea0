// hub::RaggedArray for Python: lists of samples in and out, each sample's numpy array owning
// the engine's buffer, the GIL released while samples are encoded, stored and read.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "bindings.h"
#include "hub/errors.h"
#include "hub/ragged_array.h"

namespace py = pybind11;

namespace hub::python {

SampleInputs::SampleInputs(const py::list& items, DataType dtype) : items_(items) {
  inputs_.reserve(items.size());
  for (const py::handle item : items) {
    if (PyBytes_Check(item.ptr())) {
      const std::string_view file = item.cast<std::string_view>();
      inputs_.push_back({std::as_bytes(std::span(file)), {}, true});
      continue;
    }
    const auto array = py::reinterpret_borrow<py::array>(item);
    values_.emplace_back(array, dtype);
    inputs_.push_back({values_.back().bytes(),
                       std::vector<std::int64_t>(array.shape(), array.shape() + array.ndim()),
                       false});
  }
}

namespace {

py::tuple OptionalShape(const std::vector<std::optional<std::int64_t>>& shape) {
  py::list entries;
  for (const auto& extent : shape) {
    entries.append(extent ? py::object(py::int_(*extent)) : py::object(py::none()));
  }
  return py::tuple(entries);
}

std::shared_ptr<RaggedArray> Create(std::shared_ptr<Store> store, const std::string& path,
                                    const std::vector<std::optional<std::int64_t>>& sample_shape,
                                    const std::string& dtype, const std::string& compress,
                                    double compresslevel, std::optional<int> quality,
                                    std::int64_t samples_per_shard, const std::string& on_exists,
                                    KnownGroups* known_groups) {
  RaggedSpec spec;
  spec.sample_shape = sample_shape;
  spec.dtype = ParseDataType(dtype);
  spec.compress = compress;
  spec.compresslevel = compresslevel;
  spec.jpeg_quality = quality;
  spec.samples_per_shard = samples_per_shard;
  const CreateOptions options{ParseOnExists(on_exists), known_groups};
  py::gil_scoped_release release;
  return RaggedArray::Create(std::move(store), path, spec, options);
}

// (samples, single): a list of ndarrays, and whether the key's first entry was an integer.
py::tuple Read(const RaggedArray& array, const py::tuple& key) {
  const Selection selection = ToSelection(key);
  RaggedArray::ReadResult result;
  {
    py::gil_scoped_release release;
    result = array.Read(selection);
  }
  const py::dtype dtype = NumpyDtype(array.spec().dtype);
  py::list samples(result.samples.size());
  for (std::size_t k = 0; k < result.samples.size(); ++k) {
    Sample& sample = result.samples[k];
    samples[k] = ArrayOwning(std::move(sample.values), dtype, sample.shape);
  }
  return py::make_tuple(samples, result.single);
}

// The shapes of the samples `first_axis` (a one-entry key) picks: (count, rank) int64.
py::array Shapes(const RaggedArray& array, const py::tuple& first_axis) {
  const Selection selection = ToSelection(first_axis);
  if (selection.size() != 1) throw InvalidArgumentError("shapes takes one index, of samples");
  std::vector<std::int64_t> shapes;
  {
    py::gil_scoped_release release;
    shapes = array.Shapes(selection.front());
  }
  const auto rank = static_cast<std::int64_t>(array.spec().sample_shape.size());
  const std::int64_t count = rank == 0 ? 0 : static_cast<std::int64_t>(shapes.size()) / rank;
  py::array_t<std::int64_t> out({count, rank});
  std::copy(shapes.begin(), shapes.end(), out.mutable_data());
  return out;
}

}  // namespace

void RegisterRaggedArrays(py::module_& module) {
  py::class_<RaggedArray, std::shared_ptr<RaggedArray>>(module, "RaggedArray")
      .def_static("create", &Create, py::arg("store"), py::arg("path"), py::arg("sample_shape"),
                  py::arg("dtype"), py::arg("compress"), py::arg("compresslevel"),
                  py::arg("quality") = py::none(), py::arg("samples_per_shard") = 0,
                  py::arg("on_exists") = "error", py::arg("known_groups") = nullptr)
      .def_static("open", &RaggedArray::Open, py::arg("store"), py::arg("path"),
                  py::call_guard<py::gil_scoped_release>())
      .def_static(
          "from_group",
          [](std::shared_ptr<Store> store, const std::string& path,
             const std::string& attributes_json) {
            const NodeInfo group{path, NodeKind::kGroup, attributes_json};
            py::gil_scoped_release release;
            return RaggedArray::FromNode(std::move(store), group);
          },
          py::arg("store"), py::arg("path"), py::arg("attributes_json"),
          "The ragged array of a group node already read (read_node), or None.")
      .def_property_readonly("path", &RaggedArray::path)
      .def_property_readonly("length", &RaggedArray::length)
      .def_property_readonly("shape", [](const RaggedArray& a) { return OptionalShape(a.shape()); })
      .def_property_readonly("dtype",
                             [](const RaggedArray& a) { return NumpyDtype(a.spec().dtype); })
      .def_property_readonly("compress", [](const RaggedArray& a) { return a.spec().compress; })
      .def_property_readonly("compresslevel",
                             [](const RaggedArray& a) { return a.spec().compresslevel; })
      .def_property_readonly("quality", [](const RaggedArray& a) { return a.spec().jpeg_quality; })
      .def_property_readonly("samples_per_shard",
                             [](const RaggedArray& a) { return a.spec().samples_per_shard; })
      .def_property_readonly("samples_array", &RaggedArray::samples_array)
      .def_property_readonly("shapes_array", &RaggedArray::shapes_array)
      .def("read", &Read, py::arg("key"))
      .def("shapes", &Shapes, py::arg("first_axis"))
      .def(
          "extend",
          [](RaggedArray& a, const py::list& samples) {
            const SampleInputs inputs(samples, a.spec().dtype);
            py::gil_scoped_release release;
            return a.Extend(inputs.inputs());
          },
          py::arg("samples"), "Appends the samples (ndarrays, or image files as bytes).")
      .def(
          "write",
          [](RaggedArray& a, std::int64_t index, const py::object& sample) {
            const SampleInputs inputs(py::make_tuple(sample).cast<py::list>(), a.spec().dtype);
            py::gil_scoped_release release;
            a.Write(index, inputs.inputs().front());
          },
          py::arg("index"), py::arg("sample"))
      .def("resize", &RaggedArray::Resize, py::arg("length"),
           py::call_guard<py::gil_scoped_release>())
      .def("refresh", &RaggedArray::Refresh, py::call_guard<py::gil_scoped_release>());

  py::class_<RaggedAppender>(module, "RaggedAppender")
      .def(py::init<std::shared_ptr<RaggedArray>>(), py::arg("array"),
           py::call_guard<py::gil_scoped_release>())
      .def_property_readonly("length", &RaggedAppender::length)
      .def(
          "write",
          [](RaggedAppender& appender, const RaggedArray& array, const py::list& samples) {
            const SampleInputs inputs(samples, array.spec().dtype);
            py::gil_scoped_release release;
            appender.Write(inputs.inputs());
          },
          py::arg("array"), py::arg("samples"))
      .def("commit", &RaggedAppender::Commit, py::call_guard<py::gil_scoped_release>())
      .def("abandon", &RaggedAppender::Abandon, py::call_guard<py::gil_scoped_release>());

  // (format, height, width, channels, bit depth) of a JPEG or PNG file's header.
  module.def(
      "read_image_file_info",
      [](const py::bytes& file) {
        const std::string_view view = file;
        const ImageFileHeader header = ReadImageFileHeader(std::as_bytes(std::span(view)));
        return py::make_tuple(header.format, header.height, header.width, header.channels,
                              header.bit_depth);
      },
      py::arg("file"));
  // [(bytes, (format, height, width, channels, bit depth)) or (None, reason)] per path.
  module.def(
      "read_image_files",
      [](const std::vector<std::string>& paths) {
        std::vector<ImageFileRead> files;
        {
          py::gil_scoped_release release;
          files = ReadImageFiles(paths);
        }
        py::list results;
        for (const ImageFileRead& file : files) {
          if (!file.error.empty()) {
            results.append(py::make_tuple(py::none(), file.error));
            continue;
          }
          const auto& header = file.header;
          const py::bytes data(reinterpret_cast<const char*>(file.bytes.data()), file.bytes.size());
          results.append(
              py::make_tuple(data, py::make_tuple(header.format, header.height, header.width,
                                                  header.channels, header.bit_depth)));
        }
        return results;
      },
      py::arg("paths"),
      "Local image files read whole, their headers checked, on the engine's threads.");
  // (pixels, bit depth): the file's pixels as (H, W, channels), uint8 or uint16.
  module.def(
      "decode_image_file",
      [](const py::bytes& file, int channels) {
        const std::string_view view = file;
        Sample sample;
        int bit_depth = 8;
        {
          py::gil_scoped_release release;
          const auto bytes = std::as_bytes(std::span(view));
          bit_depth = ReadImageFileHeader(bytes).bit_depth;
          sample = DecodeImageFile(bytes, channels);
        }
        const py::dtype dtype(bit_depth == 16 ? "uint16" : "uint8");
        return ArrayOwning(std::move(sample.values), dtype, sample.shape);
      },
      py::arg("file"), py::arg("channels"));
  module.def(
      "is_ragged_array",
      [](const std::string& kind, const std::string& attributes_json) {
        return IsRaggedArrayNode(NodeInfo{"", KindOf(kind), attributes_json});
      },
      py::arg("kind"), py::arg("attributes_json"),
      "True for the node of a ragged array's group (kind and attributes as read_node gives).");
}

}  // namespace hub::python
