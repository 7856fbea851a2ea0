// S3 and Google Cloud Storage stores (built only with HUB_WITH_CLOUD). Secrets pass through
// here once, into the stores' options; nothing here stores, prints or returns them.
//
// Every argument is taken as a plain Python object and converted here, so that a wrong type is
// a TypeError naming the argument alone: pybind11's own overload error would print every
// argument's value, secrets included.
#include <pybind11/pybind11.h>

#include "bindings.h"
#include "hub/cloud_store.h"

namespace py = pybind11;

namespace hub::python {
namespace {

// `value` as a T, or a TypeError that names `function`'s argument `name` and the type wanted,
// never the value.
template <typename T>
T Argument(const py::handle& value, const char* function, const char* name, const char* wanted) {
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

#define HUB_ARGUMENT(function, name, type, wanted) Argument<type>(name, function, #name, wanted)

CloudReadOptions ReadOptionsOf(const char* function, const py::object& hedge_after,
                               const py::object& max_staleness, const py::object& request_timeout,
                               const py::object& min_bytes_per_second) {
  CloudReadOptions reads;
  reads.hedge_after_seconds = HUB_ARGUMENT(function, hedge_after, double, "seconds (a number)");
  reads.max_staleness_seconds = HUB_ARGUMENT(function, max_staleness, double, "seconds");
  reads.request_timeout_seconds = HUB_ARGUMENT(function, request_timeout, double, "seconds");
  reads.min_bytes_per_second = HUB_ARGUMENT(function, min_bytes_per_second, double, "a number");
  return reads;
}

}  // namespace

void RegisterCloudStores(py::module_& module) {
  module.def(
      "s3_store",
      [](const py::object& bucket, const py::object& prefix, const py::object& access_key_id,
         const py::object& secret_access_key, const py::object& region, const py::object& endpoint,
         const py::object& max_attempts, const py::object& requests_in_flight,
         const py::object& create_bucket, const py::object& hedge_after,
         const py::object& max_staleness, const py::object& request_timeout,
         const py::object& min_bytes_per_second) {
        constexpr const char* kFunction = "s3_store";
        S3StoreOptions options;
        options.bucket = HUB_ARGUMENT(kFunction, bucket, std::string, "str");
        options.prefix = HUB_ARGUMENT(kFunction, prefix, std::string, "str");
        options.access_key_id = HUB_ARGUMENT(kFunction, access_key_id, std::string, "str");
        options.secret_access_key = HUB_ARGUMENT(kFunction, secret_access_key, std::string, "str");
        options.region = HUB_ARGUMENT(kFunction, region, std::string, "str");
        options.endpoint = HUB_ARGUMENT(kFunction, endpoint, std::string, "str");
        options.max_attempts = HUB_ARGUMENT(kFunction, max_attempts, int, "int");
        options.requests_in_flight = HUB_ARGUMENT(kFunction, requests_in_flight, int, "int");
        options.create_bucket = HUB_ARGUMENT(kFunction, create_bucket, bool, "bool");
        options.reads = ReadOptionsOf(kFunction, hedge_after, max_staleness, request_timeout,
                                      min_bytes_per_second);
        py::gil_scoped_release release;
        return OpenS3Store(options);
      },
      py::arg("bucket"), py::arg("prefix") = "", py::arg("access_key_id") = "",
      py::arg("secret_access_key") = "", py::arg("region") = "", py::arg("endpoint") = "",
      py::arg("max_attempts") = 6, py::arg("requests_in_flight") = 32,
      py::arg("create_bucket") = false, py::arg("hedge_after") = 0.0,
      py::arg("max_staleness") = 0.0, py::arg("request_timeout") = 30.0,
      py::arg("min_bytes_per_second") = 262144.0);
  module.def(
      "gcs_store",
      [](const py::object& bucket, const py::object& prefix, const py::object& service_account_json,
         const py::object& endpoint, const py::object& anonymous, const py::object& project_id,
         const py::object& max_attempts, const py::object& requests_in_flight,
         const py::object& hedge_after, const py::object& max_staleness,
         const py::object& request_timeout, const py::object& min_bytes_per_second) {
        constexpr const char* kFunction = "gcs_store";
        GcsStoreOptions options;
        options.bucket = HUB_ARGUMENT(kFunction, bucket, std::string, "str");
        options.prefix = HUB_ARGUMENT(kFunction, prefix, std::string, "str");
        options.service_account_json =
            HUB_ARGUMENT(kFunction, service_account_json, std::string, "str");
        options.endpoint = HUB_ARGUMENT(kFunction, endpoint, std::string, "str");
        options.anonymous = HUB_ARGUMENT(kFunction, anonymous, bool, "bool");
        options.project_id = HUB_ARGUMENT(kFunction, project_id, std::string, "str");
        options.max_attempts = HUB_ARGUMENT(kFunction, max_attempts, int, "int");
        options.requests_in_flight = HUB_ARGUMENT(kFunction, requests_in_flight, int, "int");
        options.reads = ReadOptionsOf(kFunction, hedge_after, max_staleness, request_timeout,
                                      min_bytes_per_second);
        py::gil_scoped_release release;
        return OpenGcsStore(options);
      },
      py::arg("bucket"), py::arg("prefix") = "", py::arg("service_account_json") = "",
      py::arg("endpoint") = "", py::arg("anonymous") = false, py::arg("project_id") = "",
      py::arg("max_attempts") = 6, py::arg("requests_in_flight") = 32, py::arg("hedge_after") = 0.0,
      py::arg("max_staleness") = 0.0, py::arg("request_timeout") = 30.0,
      py::arg("min_bytes_per_second") = 262144.0);
  module.def("cloud_retry_count", &CloudRetryCount);
}

}  // namespace hub::python
