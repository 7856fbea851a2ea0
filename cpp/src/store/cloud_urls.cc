// s3:// and gs:// URLs: the rules that turn StoreOptions into S3StoreOptions and
// GcsStoreOptions (the same as Python's hub.s3 and hub.gs), registered with hub::OpenStore
// when hub_v1::cloud is linked into a program. hub_v1::cloud's link options keep this object
// in every program that links it (--undefined=hub_v1_cloud_stores), as a Bazel alwayslink
// would.
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "hub/cloud_store.h"
#include "hub/errors.h"
#include "hub/store_url.h"
#include "store/environment.h"

namespace hub {
namespace {

std::shared_ptr<Store> OpenS3Url(const StoreLocation& location, const StoreOptions& options) {
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
  return OpenS3Store(s3);
}

// A service-account key file's contents: small JSON, read whole.
std::string ReadKeyFile(const std::string& given_path) {
  const std::string path = store::ExpandHome(given_path);
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

std::shared_ptr<Store> OpenGcsUrl(const StoreLocation& location, const StoreOptions& options) {
  GcsStoreOptions gcs;
  gcs.bucket = location.bucket;
  gcs.prefix = location.prefix;
  if (!options.gcs_credentials_file.empty()) {
    gcs.service_account_json = ReadKeyFile(options.gcs_credentials_file);
  }
  gcs.endpoint = options.endpoint.empty() ? store::EnvironmentVariable("STORAGE_EMULATOR_HOST")
                                          : options.endpoint;
  gcs.anonymous = gcs.service_account_json.empty() && !gcs.endpoint.empty();  // emulators
  gcs.self_signed_jwt = options.gcs_self_signed_jwt;
  gcs.project_id = options.project_id;
  gcs.max_attempts = options.max_attempts;
  gcs.requests_in_flight = options.requests_in_flight;
  gcs.reads = options.reads;
  return OpenGcsStore(gcs);
}

}  // namespace
}  // namespace hub

extern "C" {
extern const int hub_v1_cloud_stores;
const int hub_v1_cloud_stores = [] {
  hub::RegisterStoreScheme("s3", &hub::OpenS3Url);
  hub::RegisterStoreScheme("gs", &hub::OpenGcsUrl);
  return 1;
}();
}
