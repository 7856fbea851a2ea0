// What the cloud stores (built only with HUB_WITH_CLOUD) add to the module beyond
// _core.open_store, which opens them by URL (store_options_bindings.cc).
#include <pybind11/pybind11.h>

#include "bindings.h"
#include "hub/cloud_store.h"

namespace py = pybind11;

namespace hub::python {

void RegisterCloudStores(py::module_& module) {
  module.def("cloud_retry_count", &CloudRetryCount,
             "Transient cloud failures retried so far in this process.");
}

}  // namespace hub::python
