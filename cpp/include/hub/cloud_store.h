// S3 and Google Cloud Storage stores: the hub_v1::cloud library (target hub_cloud, built with
// HUB_WITH_CLOUD), hub_v1's own HTTP client over libcurl and OpenSSL. hub_v1::core builds and
// works without it.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "hub/store.h"
#include "hub/store_url.h"  // CloudReadOptions

namespace hub {

struct S3StoreOptions {
  std::string bucket;
  std::string prefix;         // folder inside the bucket ("" for its root)
  std::string access_key_id;  // empty: the AWS credential chain (docs/storage.md)
  std::string secret_access_key;
  std::string region;
  std::string endpoint;         // "http://127.0.0.1:9000" for MinIO, moto, ...
  int max_attempts = 6;         // attempts per request (retries with backoff)
  int requests_in_flight = 32;  // chunk requests kept in flight by reads and writes
  bool create_bucket = false;   // create the bucket if missing (tests, scratch)
  CloudReadOptions reads;
};

struct GcsStoreOptions {
  std::string bucket;
  std::string prefix;
  std::string service_account_json;  // the key file's contents; empty: the token chain
  std::string endpoint;              // "http://127.0.0.1:4443" for fake-gcs-server
  bool anonymous = false;            // no credentials (emulators)
  // A service-account key signs its own tokens (JWTs for the storage API) instead of
  // exchanging one at its token_uri: no token endpoint needed.
  bool self_signed_jwt = false;
  std::string project_id;       // needed to create buckets
  int max_attempts = 6;         // hub_v1's retries of transient failures
  int requests_in_flight = 32;  // chunk requests kept in flight by reads and writes
  CloudReadOptions reads;
};

std::shared_ptr<Store> OpenS3Store(const S3StoreOptions& options);
std::shared_ptr<Store> OpenGcsStore(const GcsStoreOptions& options);

// Transient cloud failures retried so far in this process (throttling, 5xx, resets).
std::uint64_t CloudRetryCount();

}  // namespace hub
