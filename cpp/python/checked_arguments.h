// Arguments taken as plain Python objects and converted here, so that a wrong type is a
// TypeError naming the argument alone: pybind11's own overload error prints every argument's
// value, secrets included.
#pragma once

#include <pybind11/pybind11.h>

#include <string>
#include <type_traits>

namespace hub::python {

// `value` as a T, or a TypeError that names `function`'s argument `name` and the type wanted,
// never the value.
template <typename T>
T CheckedArgument(const pybind11::handle& value, const char* function, const char* name,
                  const char* wanted) {
  namespace py = pybind11;
  const bool is_bool = py::isinstance<py::bool_>(value);
  bool acceptable = false;
  if constexpr (std::is_same_v<T, std::string>) {
    acceptable = py::isinstance<py::str>(value);
  } else if constexpr (std::is_same_v<T, bool>) {
    acceptable = is_bool;
  } else if constexpr (std::is_integral_v<T>) {
    acceptable = py::isinstance<py::int_>(value) && !is_bool;
  } else {
    acceptable = (py::isinstance<py::float_>(value) || py::isinstance<py::int_>(value)) && !is_bool;
  }
  if (acceptable) {
    try {
      return value.cast<T>();
    } catch (const py::cast_error&) {  // an int past the C++ type's range
    }
  }
  throw py::type_error(std::string(function) + "(): argument '" + name + "' must be " + wanted +
                       ", not " +
                       std::string(py::str(py::type::handle_of(value).attr("__name__"))));
}

}  // namespace hub::python
