// hub::Array for Python: selections in, numpy arrays out, the GIL released while data moves.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "bindings.h"
#include "hub/array.h"
#include "hub/buffer.h"
#include "hub/chunk_codec.h"
#include "hub/engine_settings.h"
#include "hub/errors.h"
#include "hub/node.h"

namespace py = pybind11;

namespace hub::python {
namespace {

std::optional<std::int64_t> OptionalInt(const py::handle& value) {
  if (value.is_none()) return std::nullopt;
  return value.cast<std::int64_t>();
}

// A new C-contiguous array over a Buffer: aligned so that the engine's reads into it run at
// full speed (numpy puts a large array 16 bytes past a page boundary; see AllocateForReads).
py::array AlignedArray(const py::dtype& dtype, const std::vector<std::int64_t>& shape) {
  std::size_t bytes = static_cast<std::size_t>(dtype.itemsize());
  for (const std::int64_t extent : shape) bytes *= static_cast<std::size_t>(extent);
  return ArrayOwning(Buffer::AllocateForReads(bytes), dtype, shape);
}

// A string or bytes selection as a numpy array of StringDType (str items) or object (bytes).
py::array ReadValues(const Array& array, const Region& region) {
  VariableValues values;
  {
    py::gil_scoped_release release;
    values = array.ReadValues(region);
  }
  const bool text = array.dtype() == DataType::kString;
  py::list items(values.size());
  for (std::size_t i = 0; i < values.size(); ++i) {
    const std::string_view value = values[i];
    PyObject* item =
        text ? PyUnicode_DecodeUTF8(value.data(), static_cast<Py_ssize_t>(value.size()), "strict")
             : PyBytes_FromStringAndSize(value.data(), static_cast<Py_ssize_t>(value.size()));
    if (!item) throw py::error_already_set();
    PyList_SET_ITEM(items.ptr(), static_cast<Py_ssize_t>(i), item);
  }
  const py::object numpy = py::module_::import("numpy");
  py::array flat;
  if (text) {
    flat = numpy.attr("array")(items, py::arg("dtype") = NumpyDtype(DataType::kString));
  } else {
    // np.array would read a list of bytes as fixed-width |S items: fill an object array.
    flat = numpy.attr("empty")(values.size(), py::arg("dtype") = "O");
    flat[py::slice(py::none(), py::none(), py::none())] = items;
  }
  return flat.attr("reshape")(py::tuple(py::cast(region.shape())));
}

py::array Read(const Array& array, const Region& region) {
  if (IsVariableLength(array.dtype())) return ReadValues(array, region);
  py::array out = AlignedArray(NumpyDtype(array.dtype()), region.shape());
  std::span<std::byte> buffer(static_cast<std::byte*>(out.mutable_data()), region.num_bytes());
  {
    py::gil_scoped_release release;
    array.Read(region, buffer);
  }
  return out;
}

// Equal dtypes, whichever Python objects describe them (an unpickled float32 dtype, as Dask
// workers see, is a different object from numpy's own): same type, native byte order.
bool HasDtype(const py::array& value, DataType dtype) {
  const py::dtype actual = value.dtype();
  return actual.normalized_num() == NumpyDtype(dtype).normalized_num() &&
         actual.byteorder() != '>';  // x86 and ARM hosts: little-endian
}

void ReadInto(const Array& array, const Region& region, py::array& out) {
  if (!HasDtype(out, array.dtype()) || !(out.flags() & py::array::c_style) || !out.writeable()) {
    throw InvalidArgumentError("out must be a writeable C-contiguous array of dtype " +
                               std::string(DataTypeName(array.dtype())));
  }
  const std::vector<std::int64_t> shape(out.shape(), out.shape() + out.ndim());
  if (shape != region.shape()) {
    throw InvalidArgumentError("out has the wrong shape for this selection");
  }
  std::span<std::byte> buffer(static_cast<std::byte*>(out.mutable_data()), region.num_bytes());
  py::gil_scoped_release release;
  array.Read(region, buffer);
}

void Write(const Array& array, const Region& region, const py::array& value) {
  const ValueBytes buffer(value, array.dtype());
  py::gil_scoped_release release;
  array.Write(region, buffer.bytes());
}

// An ArraySpec from the binding's arguments (None: let hub_v1 choose).
ArraySpec SpecOf(std::vector<std::int64_t> shape, std::optional<std::vector<std::int64_t>> chunk,
                 std::optional<std::vector<std::int64_t>> shard, const std::string& dtype,
                 const std::string& compress) {
  ArraySpec spec;
  spec.shape = std::move(shape);
  spec.chunk_shape = chunk.value_or(std::vector<std::int64_t>{});
  spec.shard_shape = shard.value_or(std::vector<std::int64_t>{});
  spec.dtype = ParseDataType(dtype);
  spec.compress = compress;
  return spec;
}

std::shared_ptr<Array> Create(std::shared_ptr<Store> store, const std::string& path,
                              std::vector<std::int64_t> shape,
                              std::optional<std::vector<std::int64_t>> chunk,
                              const std::string& dtype, const std::string& compress,
                              double compresslevel, std::optional<int> quality,
                              std::optional<std::vector<std::int64_t>> shard,
                              const std::string& on_exists, KnownGroups* known_groups) {
  ArraySpec spec = SpecOf(std::move(shape), std::move(chunk), std::move(shard), dtype, compress);
  spec.compresslevel = compresslevel;
  spec.jpeg_quality = quality;
  const CreateOptions options{ParseOnExists(on_exists), known_groups};
  py::gil_scoped_release release;
  return Array::Create(std::move(store), path, spec, options);
}

ChunkCodec CodecFor(const std::string& codecs_json, const py::array& chunk) {
  if (!(chunk.flags() & py::array::c_style)) {
    throw InvalidArgumentError("the chunk must be a C-contiguous array");
  }
  const std::string dtype = py::str(chunk.dtype());
  std::vector<std::int64_t> shape(chunk.shape(), chunk.shape() + chunk.ndim());
  return ChunkCodec(codecs_json, ParseDataType(dtype), std::move(shape));
}

// `value`'s bytes; InvalidArgumentError unless it is a C-contiguous array of `dtype`.
std::span<const std::byte> BytesOf(const py::array& value, DataType dtype) {
  if (!HasDtype(value, dtype) || !(value.flags() & py::array::c_style)) {
    throw InvalidArgumentError("the value must be a C-contiguous array of dtype " +
                               std::string(DataTypeName(dtype)));
  }
  return {static_cast<const std::byte*>(value.data()), static_cast<std::size_t>(value.nbytes())};
}

}  // namespace

Selection ToSelection(const py::tuple& key) {
  Selection selection;
  selection.reserve(key.size());
  for (const py::handle entry : key) {
    if (entry.is(py::ellipsis())) {
      selection.emplace_back(Ellipsis{});
    } else if (py::isinstance<py::slice>(entry)) {
      selection.emplace_back(Slice{OptionalInt(entry.attr("start")),
                                   OptionalInt(entry.attr("stop")),
                                   OptionalInt(entry.attr("step"))});
    } else if (py::isinstance<py::array>(entry)) {
      const auto list =
          py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>::ensure(entry);
      if (!list || list.ndim() != 1) {
        throw InvalidArgumentError("an index array must be one-dimensional integers");
      }
      selection.emplace_back(IndexList(list.data(), list.data() + list.size()));
    } else {
      selection.emplace_back(entry.cast<std::int64_t>());
    }
  }
  return selection;
}

py::array ArrayOwning(Buffer values, const py::dtype& dtype,
                      const std::vector<std::int64_t>& shape) {
  auto owned = std::make_unique<Buffer>(std::move(values));
  std::byte* data = owned->data();
  py::capsule owner(owned.release(), [](void* buffer) { delete static_cast<Buffer*>(buffer); });
  return py::array(dtype, shape, data, owner);
}

py::dtype NumpyDtype(DataType type) {
  if (type == DataType::kString) {
    return py::module_::import("numpy.dtypes").attr("StringDType")().cast<py::dtype>();
  }
  if (type == DataType::kBytes) return py::dtype("O");
  return py::dtype(std::string(DataTypeName(type)));
}

ValueBytes::ValueBytes(const py::array& value, DataType dtype) {
  if (!IsVariableLength(dtype)) {
    bytes_ = BytesOf(value, dtype);
    return;
  }
  items_ = value.attr("ravel")().attr("tolist")();
  elements_.resize(items_.size());
  const bool text = dtype == DataType::kString;
  for (std::size_t i = 0; i < elements_.size(); ++i) {
    PyObject* item = PyList_GET_ITEM(items_.ptr(), static_cast<Py_ssize_t>(i));
    const char* data = nullptr;
    Py_ssize_t size = 0;
    if (text && PyUnicode_Check(item)) {
      data = PyUnicode_AsUTF8AndSize(item, &size);  // UnicodeEncodeError for lone surrogates
      if (!data) throw py::error_already_set();
    } else if (!text && PyBytes_Check(item)) {
      PyBytes_AsStringAndSize(item, const_cast<char**>(&data), &size);
    } else {
      throw InvalidArgumentError("item " + std::to_string(i) + " of the value is " +
                                 std::string(Py_TYPE(item)->tp_name) + ", not " +
                                 (text ? "str" : "bytes"));
    }
    elements_[i] =
        VariableElement{reinterpret_cast<const std::byte*>(data), static_cast<std::uint64_t>(size)};
  }
  bytes_ = std::as_bytes(std::span(elements_));
}

void RegisterArrays(py::module_& module) {
  py::class_<Region>(module, "Region").def_property_readonly("shape", [](const Region& region) {
    return py::tuple(py::cast(region.shape()));
  });

  py::class_<Array, std::shared_ptr<Array>>(module, "Array")
      .def_static("create", &Create, py::arg("store"), py::arg("path"), py::arg("shape"),
                  py::arg("chunk"), py::arg("dtype"), py::arg("compress"), py::arg("compresslevel"),
                  py::arg("quality") = py::none(), py::arg("shard") = py::none(),
                  py::arg("on_exists") = "error", py::arg("known_groups") = nullptr)
      .def_static("open", &Array::Open, py::arg("store"), py::arg("path"),
                  py::call_guard<py::gil_scoped_release>())
      .def_property_readonly("path", &Array::path)
      .def_property_readonly("shape", [](const Array& a) { return py::tuple(py::cast(a.shape())); })
      .def_property_readonly("chunk",
                             [](const Array& a) { return py::tuple(py::cast(a.chunk_shape())); })
      .def_property_readonly("shard",
                             [](const Array& a) -> py::object {
                               const auto shard = a.shard_shape();
                               if (!shard) return py::none();
                               return py::tuple(py::cast(*shard));
                             })
      .def_property_readonly("dtype", [](const Array& a) { return NumpyDtype(a.dtype()); })
      .def_property_readonly("compress", &Array::compress)
      .def_property_readonly("compresslevel", &Array::compresslevel)
      .def("metadata_json", &Array::MetadataJson)
      .def(
          "count_stored",
          [](const Array& a) {
            Array::StoredCounts counts;
            {
              py::gil_scoped_release release;
              counts = a.CountStored();
            }
            return py::make_tuple(counts.objects, counts.chunks);
          },
          "(stored objects, stored codec chunks)")
      .def(
          "select", [](const Array& a, const py::tuple& key) { return a.Select(ToSelection(key)); },
          py::arg("key"))
      .def("read", &Read, py::arg("region"))
      .def("read_into", &ReadInto, py::arg("region"), py::arg("out"))
      .def("write", &Write, py::arg("region"), py::arg("value"))
      .def(
          "extend",
          [](Array& a, const py::array& samples, std::int64_t count) {
            const ValueBytes bytes(samples, a.dtype());
            py::gil_scoped_release release;
            return a.Extend(bytes.bytes(), count);
          },
          py::arg("samples"), py::arg("count"), "Appends `count` samples; the new length.")
      .def(
          "resize",
          [](Array& a, const std::vector<std::int64_t>& shape) {
            py::gil_scoped_release release;
            a.Resize(shape);
          },
          py::arg("shape"))
      .def("refresh", &Array::Refresh, py::call_guard<py::gil_scoped_release>());

  py::class_<ArrayAppender>(module, "ArrayAppender")
      .def(py::init<std::shared_ptr<Array>>(), py::arg("array"),
           py::call_guard<py::gil_scoped_release>())
      .def_property_readonly("length", &ArrayAppender::length)
      .def(
          "write",
          [](ArrayAppender& appender, const Array& array, const py::array& samples,
             std::int64_t count) {
            const ValueBytes bytes(samples, array.dtype());
            py::gil_scoped_release release;
            appender.Write(bytes.bytes(), count);
          },
          py::arg("array"), py::arg("samples"), py::arg("count"))
      .def("commit", &ArrayAppender::Commit, py::call_guard<py::gil_scoped_release>())
      .def("abandon", &ArrayAppender::Abandon, py::call_guard<py::gil_scoped_release>());

  // One chunk through a codec list from zarr.json (used by hub_v1's zarr-python codecs).
  module.def(
      "encode_chunk",
      [](const std::string& codecs_json, const py::array& chunk) {
        const ChunkCodec codec = CodecFor(codecs_json, chunk);
        std::span<const std::byte> input(static_cast<const std::byte*>(chunk.data()),
                                         static_cast<std::size_t>(chunk.nbytes()));
        Buffer encoded;
        {
          py::gil_scoped_release release;
          encoded = codec.Encode(input);
        }
        return py::bytes(reinterpret_cast<const char*>(encoded.data()), encoded.size());
      },
      py::arg("codecs_json"), py::arg("chunk"));
  module.def(
      "decode_chunk",
      [](const std::string& codecs_json, const py::bytes& data, const py::dtype& dtype,
         std::vector<std::int64_t> shape) {
        py::array out = AlignedArray(dtype, shape);
        const ChunkCodec codec = CodecFor(codecs_json, out);
        const std::string_view view = data;
        std::span<std::byte> output(static_cast<std::byte*>(out.mutable_data()),
                                    static_cast<std::size_t>(out.nbytes()));
        {
          py::gil_scoped_release release;
          codec.Decode(std::as_bytes(std::span(view)), output);
        }
        return out;
      },
      py::arg("codecs_json"), py::arg("data"), py::arg("dtype"), py::arg("shape"));

  module.def(
      "default_chunk",
      [](std::vector<std::int64_t> shape, const std::string& dtype) {
        return DefaultChunkShape(shape, ParseDataType(dtype));
      },
      py::arg("shape"), py::arg("dtype"));
  // The (chunk, shard) an array created with these settings gets; shard None if unsharded.
  module.def(
      "resolve_chunking",
      [](std::vector<std::int64_t> shape, std::optional<std::vector<std::int64_t>> chunk,
         std::optional<std::vector<std::int64_t>> shard, const std::string& dtype,
         const std::string& compress) {
        const ChunkingChoice choice = ResolveChunking(
            SpecOf(std::move(shape), std::move(chunk), std::move(shard), dtype, compress));
        return py::make_tuple(py::tuple(py::cast(choice.chunk_shape)),
                              choice.shard_shape.empty()
                                  ? py::object(py::none())
                                  : py::object(py::tuple(py::cast(choice.shard_shape))));
      },
      py::arg("shape"), py::arg("chunk"), py::arg("shard"), py::arg("dtype"), py::arg("compress"));
  module.def("cache_budget_bytes", &CacheBudgetBytes);
  module.def("set_cache_budget_bytes", &SetCacheBudgetBytes, py::arg("bytes"));
  module.def("cache_stats", [] {
    const CacheStats stats = GetCacheStats();
    py::dict result;
    result["used_bytes"] = stats.used_bytes;
    result["hits"] = stats.hits;
    result["misses"] = stats.misses;
    return result;
  });
  module.def("thread_count", &ThreadCount);
  module.def("set_thread_count", &SetThreadCount, py::arg("threads"));
}

}  // namespace hub::python
