// hub_v1._core: the pybind11 face of the engine. Bindings convert, release the GIL and
// delegate; policy lives in C++ (cpp/src) or in plain Python (python/hub_v1).
#include "bindings.h"

PYBIND11_MODULE(_core, module) {
  module.doc() = "hub_v1's C++ engine. Use the hub_v1 package, not this module.";
  module.attr("__version__") = HUB_VERSION;  // pyproject.toml's, through CMake
  hub::python::RegisterErrors(module);
  hub::python::RegisterStores(module);
  hub::python::RegisterStoreOptions(module);
  hub::python::RegisterArrays(module);
  hub::python::RegisterRaggedArrays(module);
  hub::python::RegisterDatasets(module);
  hub::python::RegisterLogging(module);
  hub::python::RegisterImageTransforms(module);
#ifdef HUB_WITH_CLOUD
  hub::python::RegisterCloudStores(module);
#endif
}
