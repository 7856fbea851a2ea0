// The S3 and GCS stores (hub/cloud_store.h): a Store over http::ObjectClient, which makes every
// request itself, signed by one credential chain per cloud.
#include "hub/cloud_store.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "hub/errors.h"
#include "store/aws/credentials.h"
#include "store/aws/s3_dialect.h"
#include "store/bucket_names.h"
#include "store/environment.h"
#include "store/gcs/credentials.h"
#include "store/gcs/gcs_dialect.h"
#include "store/http/object_client.h"
#include "store/merged_reads.h"

namespace hub {
namespace {

class CloudStore final : public Store {
 public:
  // `prefix`: the store's folder in the bucket ("" its root); `description` as Describe says.
  CloudStore(std::unique_ptr<http::ObjectClient> client, const std::string& prefix,
             std::string description, int requests_in_flight, double max_staleness_seconds)
      : client_(std::move(client)),
        object_prefix_(prefix.empty() ? "" : prefix + "/"),
        description_(std::move(description)),
        requests_in_flight_(requests_in_flight),
        max_staleness_seconds_(max_staleness_seconds) {}

  ReadResult Read(const std::string& key, const ReadOptions& options) override {
    return client_->Read(ObjectOf(key), options);
  }

  std::vector<ReadResult> ReadEach(const std::string& key,
                                   std::span<const ReadOptions> reads) override {
    return client_->ReadEach(ObjectOf(key), reads);
  }

  // Ranges of one object that many threads ask for at once go out merged (merged_reads.h).
  std::vector<ReadResult> ReadRanges(const std::string& key,
                                     std::span<const RangeRead> reads) override {
    return merged_reads_.Read(key, reads);
  }

  // ETags (S3) and generations (GCS) come with every answer, and writes can be conditional on
  // them. Each request waits on the network: keep many in flight.
  StoreFeatures Features() const override {
    return {.generations = true,
            .conditional_writes = true,
            .preferred_concurrency = requests_in_flight_,
            .max_staleness_seconds = max_staleness_seconds_};
  }

  std::string PutParts(const std::string& key,
                       std::span<const std::span<const std::byte>> parts) override {
    return client_->Put(ObjectOf(key), parts, {});
  }

  std::string PutPartsIf(const std::string& key, std::span<const std::span<const std::byte>> parts,
                         const WriteCondition& condition) override {
    return client_->Put(ObjectOf(key), parts, condition);
  }

  void Delete(const std::string& key) override { client_->Delete(ObjectOf(key)); }

  void DeletePrefix(const std::string& prefix) override {
    std::vector<std::string> objects{ObjectOf(prefix)};
    for (auto& object : client_->ListAll(ObjectOf(prefix) + "/")) {
      objects.push_back(std::move(object.key));
    }
    client_->DeleteEach(objects);
  }

  std::vector<std::string> List(const std::string& prefix) override {
    std::vector<std::string> keys;
    for (auto& object : ListWithSizes(prefix)) keys.push_back(std::move(object.key));
    return keys;
  }

  std::vector<ObjectSize> ListWithSizes(const std::string& prefix) override {
    std::vector<ObjectSize> objects = client_->ListAll(FolderOf(prefix));
    for (auto& object : objects) object.key = object.key.substr(object_prefix_.size());
    // A folder marker ("a/") some tools leave is no key.
    std::erase_if(objects, [](const ObjectSize& object) {
      return object.key.empty() || object.key.ends_with('/');
    });
    return objects;
  }

  FolderListing ListFolder(const std::string& prefix) override {
    FolderListing listing = client_->ListFolder(FolderOf(prefix));
    for (auto* names : {&listing.keys, &listing.folders}) {
      for (auto& name : *names) name = name.substr(object_prefix_.size());
    }
    std::erase_if(listing.keys, [](const std::string& key) { return key.ends_with('/'); });
    return listing;
  }

  std::string Describe() const override { return description_; }

 private:
  // The object's name inside the bucket.
  std::string ObjectOf(const std::string& key) const {
    ValidateKey(key);
    return object_prefix_ + key;
  }
  // What the names of the objects in folder `prefix` start with ("" for the store's root).
  std::string FolderOf(const std::string& prefix) const {
    return prefix.empty() ? object_prefix_ : ObjectOf(prefix) + "/";
  }

  std::unique_ptr<http::ObjectClient> client_;
  store::MergedRangeReads merged_reads_{
      [this](const std::string& key, std::span<const RangeRead> reads) {
        return Store::ReadRanges(key, reads);  // near ranges coalesced, then ReadEach
      }};
  std::string object_prefix_;  // "prefix/" or "" at the bucket's root
  std::string description_;
  int requests_in_flight_;
  double max_staleness_seconds_;
};

// "bucket" or "bucket/prefix", the bucket checked by its cloud's rules and the prefix like a key.
std::string BaseOf(store::Cloud cloud, const std::string& bucket, const std::string& prefix) {
  store::ValidateBucketName(cloud, bucket);
  if (prefix.empty()) return bucket;
  ValidateKey(prefix);
  return bucket + "/" + prefix;
}

constexpr int kMaxRequestsInFlight = 1024;

int CheckedRequestsInFlight(int requests_in_flight) {
  if (requests_in_flight < 1 || requests_in_flight > kMaxRequestsInFlight) {
    throw InvalidArgumentError("requests_in_flight must be between 1 and " +
                               std::to_string(kMaxRequestsInFlight) + ", got " +
                               std::to_string(requests_in_flight));
  }
  return requests_in_flight;
}

void CheckReadOptions(const CloudReadOptions& reads) {
  constexpr double kWeek = 7 * 24 * 3600.0;
  if (!(reads.hedge_after_seconds >= 0 && reads.hedge_after_seconds <= kWeek)) {
    throw InvalidArgumentError("hedge_after must be seconds > 0 and at most a week, got " +
                               std::to_string(reads.hedge_after_seconds));
  }
  if (!(reads.max_staleness_seconds >= 0)) {
    throw InvalidArgumentError("max_staleness must be seconds >= 0, got " +
                               std::to_string(reads.max_staleness_seconds));
  }
  if (!(reads.request_timeout_seconds > 0 && reads.request_timeout_seconds <= kWeek)) {
    throw InvalidArgumentError("request_timeout must be seconds > 0 and at most a week, got " +
                               std::to_string(reads.request_timeout_seconds));
  }
  if (!(reads.min_bytes_per_second > 0 && std::isfinite(reads.min_bytes_per_second))) {
    throw InvalidArgumentError("min_bytes_per_second must be a positive number, got " +
                               std::to_string(reads.min_bytes_per_second));
  }
}

http::ObjectClientOptions ClientOptions(std::shared_ptr<const http::ObjectDialect> dialect,
                                        int max_attempts, const CloudReadOptions& reads) {
  http::ObjectClientOptions client;
  client.dialect = std::move(dialect);
  client.max_attempts = std::max(1, max_attempts);
  client.hedge_after_seconds = reads.hedge_after_seconds;
  client.request_timeout_seconds = reads.request_timeout_seconds;
  client.min_bytes_per_second = reads.min_bytes_per_second;
  return client;
}

// The region AWS's tools take from the environment ("" where it names none).
std::string RegionFromEnvironment() {
  std::string region = store::EnvironmentVariable("AWS_REGION");
  return region.empty() ? store::EnvironmentVariable("AWS_DEFAULT_REGION") : region;
}

}  // namespace

std::shared_ptr<Store> OpenS3Store(const S3StoreOptions& options) {
  const std::string base = BaseOf(store::Cloud::kS3, options.bucket, options.prefix);
  const int requests_in_flight = CheckedRequestsInFlight(options.requests_in_flight);
  CheckReadOptions(options.reads);
  if (options.access_key_id.empty() != options.secret_access_key.empty()) {
    throw InvalidArgumentError("pass both access_key_id and secret_access_key");
  }
  // One credential chain (store/aws/credentials.h) signs every request: keys given, else the
  // first identity found (the environment, a web identity, the credentials file, a
  // container's or an instance's role); with none, requests go unsigned (public buckets).
  std::optional<aws::Credentials> given;
  if (!options.access_key_id.empty()) {
    given = aws::Credentials{options.access_key_id, options.secret_access_key, "", {}};
  }
  const std::string region = options.region.empty() ? RegionFromEnvironment() : options.region;
  auto credentials = std::make_shared<aws::CredentialChain>(aws::DefaultSources(given, region));
  (void)credentials->Get();  // a configured identity that fails, fails here
  auto dialect = std::make_shared<aws::S3Dialect>(options.bucket, options.endpoint, region,
                                                  std::move(credentials));
  auto objects = std::make_unique<http::ObjectClient>(
      ClientOptions(std::move(dialect), options.max_attempts, options.reads));
  if (options.create_bucket) objects->CreateBucket("");
  return std::make_shared<CloudStore>(std::move(objects), options.prefix, "s3://" + base,
                                      requests_in_flight, options.reads.max_staleness_seconds);
}

std::shared_ptr<Store> OpenGcsStore(const GcsStoreOptions& options) {
  const std::string base = BaseOf(store::Cloud::kGcs, options.bucket, options.prefix);
  const int requests_in_flight = CheckedRequestsInFlight(options.requests_in_flight);
  CheckReadOptions(options.reads);
  // Anonymous, or one chain of token sources (store/gcs/credentials.h): the key given, a
  // credentials file, gcloud's, the metadata server; with none, requests go unsigned.
  std::shared_ptr<gcs::TokenChain> tokens;
  if (!options.anonymous) {
    tokens = std::make_shared<gcs::TokenChain>(
        gcs::DefaultTokenSources(options.service_account_json, options.self_signed_jwt));
    (void)tokens->Get();  // a configured identity that fails, fails here
  }
  auto dialect =
      std::make_shared<gcs::GcsDialect>(options.bucket, options.endpoint, std::move(tokens));
  auto objects = std::make_unique<http::ObjectClient>(
      ClientOptions(std::move(dialect), options.max_attempts, options.reads));
  if (!options.project_id.empty()) objects->CreateBucket(options.project_id);
  return std::make_shared<CloudStore>(std::move(objects), options.prefix, "gs://" + base,
                                      requests_in_flight, options.reads.max_staleness_seconds);
}

}  // namespace hub
