// hub::ParseStoreUrl and hub::OpenStore (hub/store_url.h): URL schemes, and the rules that
// turn a URL and StoreOptions into a store, the same as hub_v1's Python connections.
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "hub/errors.h"
#include "hub/store_url.h"
#include "store/bucket_names.h"
#include "store/cloud_openers.h"
#include "store/environment.h"

namespace hub {
namespace store {

CloudOpeners& RegisteredCloudOpeners() {
  static CloudOpeners openers;
  return openers;
}

}  // namespace store

namespace {

std::string StripSlashes(const std::string& text) {
  const auto first = text.find_first_not_of('/');
  if (first == std::string::npos) return "";
  return text.substr(first, text.find_last_not_of('/') - first + 1);
}

// "bucket/some/prefix" after the scheme.
StoreLocation CloudLocation(StoreScheme scheme, const std::string& rest) {
  const auto slash = rest.find('/');
  StoreLocation location{scheme, "", rest.substr(0, slash),
                         slash == std::string::npos ? "" : StripSlashes(rest.substr(slash))};
  store::ValidateBucketName(scheme == StoreScheme::kS3 ? store::Cloud::kS3 : store::Cloud::kGcs,
                            location.bucket);
  if (!location.prefix.empty()) ValidateKey(location.prefix);
  return location;
}

std::shared_ptr<Store> OpenS3(const StoreLocation& location, const StoreOptions& options) {
  std::map<std::string, std::string> file_keys;
  if (!options.aws_credentials_file.empty()) {
    file_keys = ReadAwsCredentialsFile(options.aws_credentials_file, options.aws_profile);
  }
  const auto from_file = [&](const char* name) {
    const auto found = file_keys.find(name);
    return found == file_keys.end() ? std::string() : found->second;
  };
  S3StoreOptions s3;
  s3.bucket = location.bucket.empty() ? from_file("bucket") : location.bucket;
  if (s3.bucket.empty()) throw InvalidArgumentError("an S3 store needs a bucket name");
  s3.prefix = location.prefix;
  s3.access_key_id = options.aws_access_key_id.empty() ? from_file("aws_access_key_id")
                                                       : options.aws_access_key_id;
  s3.secret_access_key = options.aws_secret_access_key.empty() ? from_file("aws_secret_access_key")
                                                               : options.aws_secret_access_key;
  if (s3.access_key_id.empty() != s3.secret_access_key.empty()) {
    throw InvalidArgumentError("pass both aws_access_key_id and aws_secret_access_key");
  }
  s3.region = options.region.empty() ? from_file("region") : options.region;
  s3.endpoint =
      options.endpoint.empty() ? store::EnvironmentVariable("AWS_ENDPOINT_URL") : options.endpoint;
  s3.max_attempts = options.max_attempts;
  s3.requests_in_flight = options.requests_in_flight;
  s3.create_bucket = options.create_bucket;
  s3.reads = options.reads;
  const auto open = store::RegisteredCloudOpeners().s3;
  if (open == nullptr) {
    throw UnsupportedError(
        "s3:// stores are in hub_v1::cloud (hub_v1 built with HUB_WITH_CLOUD); "
        "link hub_v1::cloud");
  }
  return open(s3);
}

// A service-account key file's contents: small JSON, read whole.
std::string ReadKeyFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    if (errno == ENOENT) throw NotFoundError("no credentials file at '" + path + "'");
    throw InvalidArgumentError("cannot read the credentials file '" + path +
                               "': " + std::strerror(errno));
  }
  std::ostringstream contents;
  contents << file.rdbuf();
  return contents.str();
}

std::shared_ptr<Store> OpenGcs(const StoreLocation& location, const StoreOptions& options) {
  GcsStoreOptions gcs;
  gcs.bucket = location.bucket;
  gcs.prefix = location.prefix;
  if (!options.gcs_credentials_file.empty()) {
    gcs.service_account_json = ReadKeyFile(options.gcs_credentials_file);
  }
  gcs.endpoint = options.endpoint.empty() ? store::EnvironmentVariable("STORAGE_EMULATOR_HOST")
                                          : options.endpoint;
  gcs.anonymous = gcs.service_account_json.empty() && !gcs.endpoint.empty();  // emulators
  gcs.project_id = options.project_id;
  gcs.max_attempts = options.max_attempts;
  gcs.requests_in_flight = options.requests_in_flight;
  gcs.reads = options.reads;
  const auto open = store::RegisteredCloudOpeners().gcs;
  if (open == nullptr) {
    throw UnsupportedError(
        "gs:// stores are in hub_v1::cloud (hub_v1 built with HUB_WITH_CLOUD); "
        "link hub_v1::cloud");
  }
  return open(gcs);
}

}  // namespace

StoreLocation ParseStoreUrl(const std::string& url) {
  const auto separator = url.find("://");
  if (separator == std::string::npos) return {StoreScheme::kLocal, url, "", ""};
  const std::string scheme = url.substr(0, separator);
  const std::string rest = url.substr(separator + 3);
  if (scheme == "file") return {StoreScheme::kLocal, rest, "", ""};
  if (scheme == "memory") return {StoreScheme::kMemory, "", "", ""};
  if (scheme == "s3") return CloudLocation(StoreScheme::kS3, rest);
  if (scheme == "gs" || scheme == "gcs") return CloudLocation(StoreScheme::kGcs, rest);
  throw InvalidArgumentError("unsupported URL scheme '" + scheme + "' in '" + url +
                             "' (file, memory, s3, gs)");
}

std::shared_ptr<Store> OpenStore(const std::string& url, const StoreOptions& options) {
  const StoreLocation location = ParseStoreUrl(url);
  switch (location.scheme) {
    case StoreScheme::kLocal:
      if (location.path.empty()) throw InvalidArgumentError("a local store needs a folder");
      return OpenLocalStore(location.path, options.lock_writes);
    case StoreScheme::kMemory:
      return MakeMemoryStore();
    case StoreScheme::kS3:
      return OpenS3(location, options);
    case StoreScheme::kGcs:
      return OpenGcs(location, options);
  }
  throw InvalidArgumentError("unsupported store '" + url + "'");
}

}  // namespace hub
