// Maps each hub::Error class to its Python class in hub_v1.errors.
#include <pybind11/pybind11.h>

#include "bindings.h"
#include "hub/errors.h"

namespace py = pybind11;

namespace hub::python {
namespace {

// Python classes looked up once at import; kept alive for the interpreter's lifetime.
struct ErrorClasses {
  PyObject* not_found;
  PyObject* invalid_argument;
  PyObject* contains_node;
  PyObject* out_of_bounds;
  PyObject* corrupt_chunk;
  PyObject* storage;
  PyObject* permission_denied;
  PyObject* precondition_failed;
  PyObject* unsupported;
  PyObject* too_large;
  PyObject* base;
};
ErrorClasses g_classes;

PyObject* ClassFor(const py::module_& errors, const char* name) {
  return py::object(errors.attr(name)).release().ptr();
}

}  // namespace

void RegisterErrors(py::module_& module) {
  const py::module_ errors = py::module_::import("hub_v1.errors");
  g_classes = ErrorClasses{
      ClassFor(errors, "NotFoundError"),
      ClassFor(errors, "InvalidArgumentError"),
      ClassFor(errors, "ContainsNodeError"),
      ClassFor(errors, "OutOfBoundsError"),
      ClassFor(errors, "CorruptChunkError"),
      ClassFor(errors, "StorageError"),
      ClassFor(errors, "PermissionDeniedError"),
      ClassFor(errors, "PreconditionFailedError"),
      ClassFor(errors, "UnsupportedError"),
      ClassFor(errors, "SelectionTooLargeError"),
      ClassFor(errors, "HubError"),
  };
  py::register_exception_translator([](std::exception_ptr pending) {
    try {
      if (pending) std::rethrow_exception(pending);
    } catch (const NotFoundError& e) {
      PyErr_SetString(g_classes.not_found, e.what());
    } catch (const ContainsNodeError& e) {
      PyErr_SetString(g_classes.contains_node, e.what());
    } catch (const InvalidArgumentError& e) {
      PyErr_SetString(g_classes.invalid_argument, e.what());
    } catch (const OutOfBoundsError& e) {
      PyErr_SetString(g_classes.out_of_bounds, e.what());
    } catch (const CorruptChunkError& e) {
      PyErr_SetString(g_classes.corrupt_chunk, e.what());
    } catch (const PermissionDeniedError& e) {
      PyErr_SetString(g_classes.permission_denied, e.what());
    } catch (const PreconditionFailedError& e) {
      PyErr_SetString(g_classes.precondition_failed, e.what());
    } catch (const StorageError& e) {
      PyErr_SetString(g_classes.storage, e.what());
    } catch (const UnsupportedError& e) {
      PyErr_SetString(g_classes.unsupported, e.what());
    } catch (const SelectionTooLargeError& e) {
      PyErr_SetString(g_classes.too_large, e.what());
    } catch (const Error& e) {
      PyErr_SetString(g_classes.base, e.what());
    }
  });
  (void)module;
}

}  // namespace hub::python
