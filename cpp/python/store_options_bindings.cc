// hub::StoreOptions as the Python class _core.StoreOptions, and _core.open_store(url, options):
// Python's connections (hub.s3, hub.gs, hub.fs, hub.memory, hub.connect) fill the options and
// the engine applies its rules (credentials files, the environment's endpoints, the credential
// chains) and opens the store through its scheme registry, as C++ programs' OpenStore does.
// Secrets pass through here once, into the options; they are write-only (no attribute reads
// them back, the repr shows only which are set) and never appear in an error.
#include <pybind11/pybind11.h>

#include <functional>
#include <map>
#include <string>

#include "bindings.h"
#include "checked_arguments.h"
#include "hub/store_url.h"

namespace py = pybind11;

namespace hub::python {
namespace {

constexpr const char* kClass = "StoreOptions";

// One option: how a Python value sets it.
using Setter = std::function<void(StoreOptions&, const py::handle&)>;

template <typename T>
Setter Field(T StoreOptions::*member, const char* name, const char* wanted) {
  return [member, name, wanted](StoreOptions& options, const py::handle& value) {
    options.*member = CheckedArgument<T>(value, kClass, name, wanted);
  };
}

Setter ReadField(double CloudReadOptions::*member, const char* name) {
  return [member, name](StoreOptions& options, const py::handle& value) {
    options.reads.*member = CheckedArgument<double>(value, kClass, name, "seconds (a number)");
  };
}

const std::map<std::string, Setter>& Setters() {
  static const std::map<std::string, Setter> setters = {
      {"lock_writes", Field(&StoreOptions::lock_writes, "lock_writes", "bool")},
      {"aws_credentials_file",
       Field(&StoreOptions::aws_credentials_file, "aws_credentials_file", "str")},
      {"aws_profile", Field(&StoreOptions::aws_profile, "aws_profile", "str")},
      {"aws_access_key_id", Field(&StoreOptions::aws_access_key_id, "aws_access_key_id", "str")},
      {"aws_secret_access_key",
       Field(&StoreOptions::aws_secret_access_key, "aws_secret_access_key", "str")},
      {"region", Field(&StoreOptions::region, "region", "str")},
      {"create_bucket", Field(&StoreOptions::create_bucket, "create_bucket", "bool")},
      {"gcs_credentials_file",
       Field(&StoreOptions::gcs_credentials_file, "gcs_credentials_file", "str")},
      {"gcs_self_signed_jwt",
       Field(&StoreOptions::gcs_self_signed_jwt, "gcs_self_signed_jwt", "bool")},
      {"project_id", Field(&StoreOptions::project_id, "project_id", "str")},
      {"endpoint", Field(&StoreOptions::endpoint, "endpoint", "str")},
      {"max_attempts", Field(&StoreOptions::max_attempts, "max_attempts", "int")},
      {"requests_in_flight", Field(&StoreOptions::requests_in_flight, "requests_in_flight", "int")},
      {"hedge_after", ReadField(&CloudReadOptions::hedge_after_seconds, "hedge_after")},
      {"max_staleness", ReadField(&CloudReadOptions::max_staleness_seconds, "max_staleness")},
      {"request_timeout", ReadField(&CloudReadOptions::request_timeout_seconds, "request_timeout")},
      {"disk_cache", Field(&StoreOptions::disk_cache, "disk_cache", "str")},
      {"disk_cache_size", Field(&StoreOptions::disk_cache_size, "disk_cache_size", "int (bytes)")},
      {"min_bytes_per_second",
       ReadField(&CloudReadOptions::min_bytes_per_second, "min_bytes_per_second")},
  };
  return setters;
}

void Set(StoreOptions& options, const std::string& name, const py::handle& value) {
  const auto setter = Setters().find(name);
  if (setter == Setters().end()) {
    throw py::type_error(std::string(kClass) + "(): no option '" + name + "'");
  }
  setter->second(options, value);
}

std::string Repr(const StoreOptions& options) {
  const StoreOptions defaults;
  std::string shown;
  const auto add = [&](const std::string& text) { shown += (shown.empty() ? "" : ", ") + text; };
  if (!options.aws_access_key_id.empty()) add("aws keys set");
  if (!options.aws_credentials_file.empty())
    add("aws_credentials_file=" + options.aws_credentials_file);
  if (!options.gcs_credentials_file.empty())
    add("gcs_credentials_file=" + options.gcs_credentials_file);
  if (!options.endpoint.empty()) add("endpoint=" + options.endpoint);
  if (!options.region.empty()) add("region=" + options.region);
  if (!options.disk_cache.empty()) add("disk_cache=" + options.disk_cache);
  if (options.requests_in_flight != defaults.requests_in_flight) {
    add("requests_in_flight=" + std::to_string(options.requests_in_flight));
  }
  return "<StoreOptions" + (shown.empty() ? std::string() : " " + shown) + ">";
}

}  // namespace

void RegisterStoreOptions(py::module_& module) {
  auto options = py::class_<StoreOptions>(
      module, kClass,
      "How a store opens (hub::StoreOptions): credentials (written, never read back), "
      "endpoint, retries, requests in flight and read behaviour.");
  options.def(py::init([](const py::kwargs& given) {
    StoreOptions made;
    for (const auto& [name, value] : given) Set(made, py::str(name), value);
    return made;
  }));
  for (const auto& [name, setter] : Setters()) {
    options.def_property(
        name.c_str(), nullptr,
        [name](StoreOptions& self, const py::handle& value) { Set(self, name, value); });
  }
  options.def("__repr__", &Repr);
  module.def(
      "open_store",
      [](const py::object& url, const StoreOptions& store_options) {
        const auto where = CheckedArgument<std::string>(url, "open_store", "url", "str");
        py::gil_scoped_release release;
        return OpenStore(where, store_options);
      },
      py::arg("url"), py::arg("options") = StoreOptions(),
      "The store at `url` (file://, a path, memory://, s3://, gs://), opened by the engine's "
      "rules for `options`.");
  module.def(
      "open_bucket",
      [](const py::object& scheme, const py::object& bucket, const py::object& prefix,
         const StoreOptions& store_options) {
        StoreLocation location;
        location.scheme = CheckedArgument<std::string>(scheme, "open_bucket", "scheme", "str");
        location.bucket = CheckedArgument<std::string>(bucket, "open_bucket", "bucket", "str");
        location.prefix = CheckedArgument<std::string>(prefix, "open_bucket", "prefix", "str");
        py::gil_scoped_release release;
        return OpenStore(location, store_options);
      },
      py::arg("scheme"), py::arg("bucket"), py::arg("prefix"), py::arg("options"),
      "The store in folder `prefix` of `bucket` (scheme s3 or gs), checked as a URL's parts.");
}

}  // namespace hub::python
