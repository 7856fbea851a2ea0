// Stores by URL, as hub.connect(url) opens them in Python, with the same credential rules:
// a path or file:///path (a local folder), memory:// (a new in-memory store),
// s3://bucket/prefix and gs://bucket/prefix (with hub_v1::cloud), and the schemes a program
// registers (RegisterStoreScheme). One registry maps each scheme to what opens it.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "hub/store.h"

namespace hub {

// Where a URL points.
struct StoreLocation {
  std::string scheme = "file";  // "file", "memory", "s3", "gs" ("gcs" too), or a registered one
  std::string path;             // "file": the folder
  std::string bucket;           // the others but "memory": scheme://bucket/prefix
  std::string prefix;           // the folder inside the bucket, without leading or trailing /
};

// InvalidArgumentError for a scheme neither built in nor registered, a bucket name its cloud
// refuses, or a prefix that is not a valid key ("..", empty segments, control characters).
StoreLocation ParseStoreUrl(const std::string& url);

// How the cloud stores read: one request per read over hub_v1's own HTTP client, which reports
// ETags/generations so that cached reads are revalidated by conditional requests.
struct CloudReadOptions {
  // > 0: a read with no answer after this many seconds gets a second, identical request and
  // the first answer wins (hedging against slow requests). 0: off.
  double hedge_after_seconds = 0;
  // A cached chunk or shard index younger than this is used without asking the store whether
  // it changed; 0: every cached read is revalidated by a conditional request.
  double max_staleness_seconds = 0;
  // Every request has a deadline, so a server that trickles bytes cannot hold a read for
  // hours: request_timeout_seconds plus the request's bytes at min_bytes_per_second. A
  // request past it is retried like a dropped connection.
  double request_timeout_seconds = 30;
  double min_bytes_per_second = 256 * 1024;
};

struct StoreOptions {
  bool lock_writes = false;  // local folders: writers of one chunk take turns across processes

  // S3 keys: these if given, else those of aws_credentials_file (an AWS credentials INI file,
  // profile aws_profile or its first, or a JSON object, which may also name the bucket and
  // region), else the standard AWS chain (environment, ~/.aws, instance metadata).
  std::string aws_credentials_file;
  std::string aws_profile;
  std::string aws_access_key_id;
  std::string aws_secret_access_key;
  std::string region;
  bool create_bucket = false;  // create the bucket if missing (tests, scratch)

  // GCS: a service-account JSON key file; without one, Application Default Credentials, or
  // none against an emulator.
  std::string gcs_credentials_file;
  bool gcs_self_signed_jwt = false;  // the key signs its own tokens (GcsStoreOptions)
  std::string project_id;            // needed to create buckets

  // An S3-compatible server or GCS emulator; empty: $AWS_ENDPOINT_URL for S3,
  // $STORAGE_EMULATOR_HOST for GCS.
  std::string endpoint;
  int max_attempts = 6;         // attempts per request (retries with backoff)
  int requests_in_flight = 32;  // chunk requests kept in flight by reads and writes
  CloudReadOptions reads;

  // A folder on local disk that keeps what reads bring back (hub/disk_cache.h), shared by the
  // processes of a node; empty: none. At most disk_cache_size bytes.
  std::string disk_cache;
  std::uint64_t disk_cache_size = std::uint64_t{10} << 30;
};

// The store at `url`, opened by its scheme's registered opener. s3:// and gs:// need
// hub_v1::cloud linked in (UnsupportedError otherwise). NotFoundError for a credentials file
// that is not there, InvalidArgumentError for one that names no usable keys (never a value
// in the message).
std::shared_ptr<Store> OpenStore(const std::string& url, const StoreOptions& options = {});
// The same for a location given in parts (as Python's hub.s3(bucket, prefix=...) gives it),
// checked as a URL's parts are: a bucket name its cloud refuses (one holding a "/", say) or
// a prefix that is not a valid key is an InvalidArgumentError, never another location.
std::shared_ptr<Store> OpenStore(const StoreLocation& location, const StoreOptions& options = {});

// What opens the stores of one URL scheme: the parsed URL and the options as given.
using StoreOpener = std::shared_ptr<Store> (*)(const StoreLocation& location,
                                               const StoreOptions& options);

// Makes OpenStore (and Python's hub.connect) open URLs of `scheme` with `opener`. hub_v1::core
// has "file" and "memory", hub_v1::cloud registers "s3" and "gs"; a program may register a
// scheme of its own (URLs scheme://bucket/prefix), or another opener for one of these.
void RegisterStoreScheme(const std::string& scheme, StoreOpener opener);

// The fields of an AWS credentials file (see StoreOptions), which must include a non-empty
// aws_access_key_id and aws_secret_access_key. NotFoundError if the file or the profile is
// not there; InvalidArgumentError naming the file and what is wrong, never a value.
std::map<std::string, std::string> ReadAwsCredentialsFile(const std::string& path,
                                                          const std::string& profile = "");

}  // namespace hub
