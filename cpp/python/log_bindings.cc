// Routes the engine's diagnostic messages (hub/log.h) to a Python callable; hub_v1 passes one
// that logs to the `hub_v1` logger.
#include <pybind11/functional.h>
#include <pybind11/pybind11.h>

#include <exception>
#include <functional>
#include <string>

#include "bindings.h"
#include "hub/log.h"

namespace py = pybind11;

namespace hub::python {

void RegisterLogging(py::module_& module) {
  module.def(
      "set_log_sink",
      [](std::function<void(int, const std::string&)> sink) {
        if (!sink) {
          SetLogSink(nullptr);
          return;
        }
        // pybind11's wrapper takes the GIL for each call (messages come from engine threads).
        SetLogSink([sink = std::move(sink)](LogLevel level, const std::string& message) {
          try {
            sink(static_cast<int>(level), message);
          } catch (const std::exception&) {
            // A failing log handler must not fail the read or write that logged.
          }
        });
      },
      py::arg("sink"),
      "Calls sink(level, message) for each engine message (levels as in `logging`); None "
      "removes it.");
}

}  // namespace hub::python
