// Registration functions of the _core extension's parts; each lives in its own file.
#pragma once

#include <pybind11/pybind11.h>

namespace hub::python {

void RegisterErrors(pybind11::module_& module);
void RegisterStores(pybind11::module_& module);
void RegisterArrays(pybind11::module_& module);
void RegisterLogging(pybind11::module_& module);
void RegisterImageTransforms(pybind11::module_& module);
void RegisterCloudStores(pybind11::module_& module);  // only with HUB_WITH_ARROW

}  // namespace hub::python
