// ArrowStore: objects in S3 or Google Cloud Storage through Apache Arrow's C++ filesystems
// (aws-sdk-cpp and google-cloud-cpp inside), linked from the pyarrow wheel. Optional: the core
// library builds without it (-DHUB_WITH_ARROW=OFF) for embedders who lack Arrow.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "hub/store.h"

namespace hub {

struct S3StoreOptions {
  std::string bucket;
  std::string prefix;                  // folder inside the bucket ("" for its root)
  std::string access_key_id;           // empty: the standard AWS credential chain
  std::string secret_access_key;
  std::string region;
  std::string endpoint;                // "http://127.0.0.1:9000" for MinIO, moto, ...
  int max_attempts = 6;                // attempts per request (retries with backoff)
  int requests_in_flight = 32;         // chunk requests kept in flight by reads and writes
  bool create_bucket = false;          // create the bucket if missing (tests, scratch)
};

struct GcsStoreOptions {
  std::string bucket;
  std::string prefix;
  std::string service_account_json;    // the key file's contents; empty: default credentials
  std::string endpoint;                // "http://127.0.0.1:4443" for fake-gcs-server
  bool anonymous = false;              // no credentials (emulators)
  std::string project_id;              // needed to create buckets
  double retry_limit_seconds = 30;     // google-cloud-cpp's own retries, per call
  int max_attempts = 6;                // hub_v1's retries of transient failures
  int requests_in_flight = 32;         // chunk requests kept in flight by reads and writes
};

std::shared_ptr<Store> OpenS3Store(const S3StoreOptions& options);
std::shared_ptr<Store> OpenGcsStore(const GcsStoreOptions& options);

// Transient cloud failures retried so far in this process (throttling, 5xx, resets).
std::uint64_t CloudRetryCount();

// Shuts down the AWS SDK; call once at process exit (the Python module does, via atexit).
void FinalizeCloudStores();

}  // namespace hub
