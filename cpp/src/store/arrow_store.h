// ArrowStore: objects in S3 or Google Cloud Storage through Apache Arrow's C++ filesystems
// (aws-sdk-cpp and google-cloud-cpp inside), linked from the pyarrow wheel. Optional: the core
// library builds without it (-DHUB_WITH_ARROW=OFF) for embedders who lack Arrow.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "hub/store.h"

namespace hub {

// How the cloud stores read. Reads go over hub_v1's own HTTP client (one request per read,
// ETags/generations, conditional re-reads) when it can authenticate them: S3 with keys given or
// in AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN), GCS anonymously
// (emulators, public buckets). Otherwise (the AWS SDK's credential chain beyond the
// environment, Google default or service-account credentials) reads go through Arrow: two
// requests where the size is not known, and no caching of decoded chunks.
struct CloudReadOptions {
  // > 0: a read with no answer after this many seconds gets a second, identical request and
  // the first answer wins (hedging against slow requests). 0: off.
  double hedge_after_seconds = 0;
  // A cached chunk or shard index younger than this is used without asking the store whether
  // it changed; 0: every cached read is revalidated by a conditional request.
  double max_staleness_seconds = 0;
};

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
  CloudReadOptions reads;
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
  CloudReadOptions reads;
};

std::shared_ptr<Store> OpenS3Store(const S3StoreOptions& options);
std::shared_ptr<Store> OpenGcsStore(const GcsStoreOptions& options);

// Transient cloud failures retried so far in this process (throttling, 5xx, resets).
std::uint64_t CloudRetryCount();

// Shuts down the AWS SDK; call once at process exit (the Python module does, via atexit).
void FinalizeCloudStores();

}  // namespace hub
