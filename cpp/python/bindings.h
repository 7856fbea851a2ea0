// Registration functions of the _core extension's parts; each lives in its own file.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <span>
#include <string>

#include "hub/dtype.h"
#include "hub/node.h"

namespace hub::python {

void RegisterErrors(pybind11::module_& module);
void RegisterStores(pybind11::module_& module);
void RegisterArrays(pybind11::module_& module);
void RegisterDatasets(pybind11::module_& module);
void RegisterLogging(pybind11::module_& module);
void RegisterImageTransforms(pybind11::module_& module);
void RegisterCloudStores(pybind11::module_& module);  // only with HUB_WITH_ARROW

// "error", "reopen" or "overwrite" (InvalidArgumentError for anything else).
OnExists ParseOnExists(const std::string& policy);

// `value`'s bytes; InvalidArgumentError unless it is a C-contiguous array of `dtype`.
std::span<const std::byte> BytesOf(const pybind11::array& value, DataType dtype);

}  // namespace hub::python
