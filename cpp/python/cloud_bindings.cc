// S3 and Google Cloud Storage stores (built only with HUB_WITH_ARROW). Secrets pass through
// here once, into the stores' options; nothing here stores, prints or returns them.
#include <pybind11/pybind11.h>

#include "bindings.h"
#include "hub/cloud_store.h"

namespace py = pybind11;

namespace hub::python {

void RegisterCloudStores(py::module_& module) {
  module.def(
      "s3_store",
      [](const std::string& bucket, const std::string& prefix, const std::string& access_key_id,
         const std::string& secret_access_key, const std::string& region,
         const std::string& endpoint, int max_attempts, int requests_in_flight, bool create_bucket,
         double hedge_after, double max_staleness) {
        S3StoreOptions options{bucket,       prefix,   access_key_id, secret_access_key,
                               region,       endpoint, max_attempts,  requests_in_flight,
                               create_bucket};
        options.reads.hedge_after_seconds = hedge_after;
        options.reads.max_staleness_seconds = max_staleness;
        py::gil_scoped_release release;
        return OpenS3Store(options);
      },
      py::arg("bucket"), py::arg("prefix") = "", py::arg("access_key_id") = "",
      py::arg("secret_access_key") = "", py::arg("region") = "", py::arg("endpoint") = "",
      py::arg("max_attempts") = 6, py::arg("requests_in_flight") = 32,
      py::arg("create_bucket") = false, py::arg("hedge_after") = 0.0,
      py::arg("max_staleness") = 0.0);
  module.def(
      "gcs_store",
      [](const std::string& bucket, const std::string& prefix,
         const std::string& service_account_json, const std::string& endpoint, bool anonymous,
         const std::string& project_id, int max_attempts, int requests_in_flight,
         double hedge_after, double max_staleness) {
        GcsStoreOptions options;
        options.bucket = bucket;
        options.prefix = prefix;
        options.service_account_json = service_account_json;
        options.endpoint = endpoint;
        options.anonymous = anonymous;
        options.project_id = project_id;
        options.max_attempts = max_attempts;
        options.requests_in_flight = requests_in_flight;
        options.reads.hedge_after_seconds = hedge_after;
        options.reads.max_staleness_seconds = max_staleness;
        py::gil_scoped_release release;
        return OpenGcsStore(options);
      },
      py::arg("bucket"), py::arg("prefix") = "", py::arg("service_account_json") = "",
      py::arg("endpoint") = "", py::arg("anonymous") = false, py::arg("project_id") = "",
      py::arg("max_attempts") = 6, py::arg("requests_in_flight") = 32, py::arg("hedge_after") = 0.0,
      py::arg("max_staleness") = 0.0);
  module.def("cloud_retry_count", &CloudRetryCount);
}

}  // namespace hub::python
