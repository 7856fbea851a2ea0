// Registration functions of the _core extension's parts; each lives in its own file.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <deque>
#include <span>
#include <string>
#include <vector>

#include "hub/buffer.h"
#include "hub/dtype.h"
#include "hub/node.h"
#include "hub/ragged_array.h"
#include "hub/selection.h"

namespace hub::python {

void RegisterErrors(pybind11::module_& module);
void RegisterStores(pybind11::module_& module);
void RegisterStoreOptions(pybind11::module_& module);
void RegisterArrays(pybind11::module_& module);
void RegisterRaggedArrays(pybind11::module_& module);
void RegisterDatasets(pybind11::module_& module);
void RegisterLogging(pybind11::module_& module);
void RegisterImageTransforms(pybind11::module_& module);
void RegisterCloudStores(pybind11::module_& module);  // only with HUB_WITH_CLOUD

// "error", "reopen" or "overwrite" (InvalidArgumentError for anything else).
OnExists ParseOnExists(const std::string& policy);

// The NodeKind of read_node's and list_nodes' kind names ("array", "group", else missing).
NodeKind KindOf(const std::string& kind);

// A key as hub_v1 normalises it (an int, slice, Ellipsis or 1-d int64 ndarray per entry).
Selection ToSelection(const pybind11::tuple& key);

// A C-contiguous numpy array of `shape` over `values`, which it keeps alive (no copy).
pybind11::array ArrayOwning(Buffer values, const pybind11::dtype& dtype,
                            const std::vector<std::int64_t>& shape);

// numpy's dtype for `type`: StringDType() for string arrays, object for bytes arrays.
pybind11::dtype NumpyDtype(DataType type);

// A value to write as the engine takes it: the array's bytes (a C-contiguous array of the
// dtype, else InvalidArgumentError), or for a string or bytes array VariableElements viewing
// its items' bytes. Built and destroyed with the GIL held; the engine may use bytes() without
// it.
class ValueBytes {
 public:
  // `value` holds str items for a string array, bytes items for a bytes array (C order);
  // InvalidArgumentError names the first item of another type.
  ValueBytes(const pybind11::array& value, DataType dtype);
  std::span<const std::byte> bytes() const { return bytes_; }

 private:
  pybind11::list items_;  // keeps the items whose bytes the elements view
  std::vector<VariableElement> elements_;
  std::span<const std::byte> bytes_;
};

// Samples for a ragged array as the engine takes them, viewing the Python objects (kept alive
// here): a `bytes` item is an image file; any other item is a C-contiguous ndarray of the
// array's dtype. Built and destroyed with the GIL held.
class SampleInputs {
 public:
  SampleInputs(const pybind11::list& items, DataType dtype);
  std::span<const SampleInput> inputs() const { return inputs_; }

 private:
  pybind11::list items_;
  std::deque<ValueBytes> values_;  // stable addresses: inputs_ view them
  std::vector<SampleInput> inputs_;
};

}  // namespace hub::python
