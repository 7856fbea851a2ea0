// ArrowStore over arrow::fs::FileSystem (see hub/cloud_store.h).
#include <arrow/filesystem/api.h>
#include <arrow/filesystem/gcsfs.h>
#include <arrow/filesystem/s3fs.h>
#include <arrow/io/interfaces.h>
#include <arrow/util/io_util.h>
#include <arrow/util/thread_pool.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <nlohmann/json.hpp>
#include <type_traits>

#include "hub/cloud_store.h"
#include "hub/errors.h"
#include "hub/log.h"
#include "store/aws/credentials.h"
#include "store/bucket_names.h"
#include "store/cloud_retry.h"
#include "store/environment.h"
#include "store/gcs/credentials.h"
#include "store/http/object_client.h"
#include "store/read_range.h"
#include "store/secret_scrubber.h"

namespace hub {
namespace {

bool IsNotFound(const arrow::Status& status) {
  return arrow::internal::ErrnoFromStatus(status) == ENOENT;
}

bool AlreadyExists(const arrow::Status& status) {
  return arrow::internal::ErrnoFromStatus(status) == EEXIST;
}

// The status as lower-case text, for recognising the SDKs' error names in it.
std::string LowerCaseText(const arrow::Status& status) {
  std::string text = status.ToString();
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

// A GET of a missing S3 object (a HEAD's 404 maps to ENOENT; a GET's NoSuchKey does not).
bool IsNoSuchKey(const arrow::Status& status) {
  return LowerCaseText(status).find("no_such_key") != std::string::npos;
}

// Arrow's messages name the bucket and key; a server's error text inside them may echo request
// headers, so they are scrubbed of credentials.
[[noreturn]] void ThrowStatus(const std::string& what, const std::string& where,
                              const arrow::Status& status,
                              const store::SecretScrubber& scrub = store::SecretScrubber()) {
  const std::string message = what + " '" + where + "': " + scrub(status.ToString());
  const std::string text = LowerCaseText(status);
  // The AWS SDK names errors either way ("InvalidAccessKeyId", "INVALID_ACCESS_KEY_ID").
  for (const char* marker :
       {"access_denied", "accessdenied", "invalidaccesskeyid", "invalid_access_key_id",
        "signaturedoesnotmatch", "signature_does_not_match", "permission_denied", "forbidden",
        "unauthenticated", "http status code: 403"}) {
    if (text.find(marker) != std::string::npos) {
      throw PermissionDeniedError(message + " (check the credentials and their permissions)");
    }
  }
  throw StorageError(message);
}

// Cloud failures worth another try: throttling, 5xx, dropped or timed-out connections.
bool IsTransient(const arrow::Status& status) {
  const std::string text = LowerCaseText(status);
  for (const char* marker :
       {"slow_down", "slowdown", "throttl", "internal_failure", "internalerror",
        "service_unavailable", "network_connection", "request_timeout", "curlcode",
        "connection reset", "timed out", "unavailable", "http status code: 5", "http status 5"}) {
    if (text.find(marker) != std::string::npos) return true;
  }
  return false;
}

// Runs `attempt` until it succeeds, fails permanently, or `max_attempts` tries have failed,
// waiting store::WaitBeforeRetry's backoff between tries.
template <typename Attempt>
auto WithRetries(int max_attempts, const char* action, const std::string& path,
                 const store::SecretScrubber& scrub, Attempt&& attempt) -> decltype(attempt()) {
  for (int tried = 1;; ++tried) {
    auto result = attempt();
    const arrow::Status& status = [&]() -> const arrow::Status& {
      if constexpr (std::is_same_v<decltype(result), arrow::Status>) {
        return result;
      } else {
        return result.status();
      }
    }();
    if (status.ok() || tried >= max_attempts || !IsTransient(status)) return result;
    store::WaitBeforeRetry(tried, max_attempts, action, path, scrub(status.ToString()));
  }
}

enum class CloudService { kS3, kGcs };

// Smallest ranged GET ReadKnownSize asks for: S3's XML error answers fit in it.
constexpr std::uint64_t kRoomForErrorAnswers = 16 << 10;

class ArrowStore final : public Store {
 public:
  // `client`: hub_v1's HTTP client (reads; S3 writes and deletes), or null for Arrow alone.
  ArrowStore(std::shared_ptr<arrow::fs::FileSystem> fs, CloudService service, std::string base,
             std::string description, int max_attempts, int requests_in_flight,
             std::unique_ptr<http::ObjectClient> client, double max_staleness_seconds,
             store::SecretScrubber scrub,
             std::shared_ptr<arrow::internal::ThreadPool> io_executor = nullptr)
      : scrub_(std::move(scrub)),
        io_executor_(std::move(io_executor)),
        fs_(std::move(fs)),
        client_(std::move(client)),
        service_(service),
        base_(std::move(base)),
        description_(std::move(description)),
        max_attempts_(std::max(1, max_attempts)),
        requests_in_flight_(requests_in_flight),
        max_staleness_seconds_(max_staleness_seconds) {}

  ReadResult Read(const std::string& key, const ReadOptions& options) override {
    if (client_) return client_->Read(ObjectOf(key), options);
    const std::string path = PathOf(key);
    if (options.size_known && service_ == CloudService::kS3 && !options.range.suffix) {
      if (auto result = ReadKnownSize(path, options)) return std::move(*result);
    }
    std::optional<Buffer> buffer;
    const arrow::Status status =
        WithRetries(max_attempts_, "read", path, scrub_, [&]() -> arrow::Status {
          ARROW_ASSIGN_OR_RAISE(buffer, ReadInOneRequest(key, path, options));
          if (buffer) return arrow::Status::OK();
          ARROW_ASSIGN_OR_RAISE(buffer, ReadAfterSizeQuery(key, path, options));
          return arrow::Status::OK();
        });
    if (!status.ok()) {
      if (IsNotFound(status)) return {};
      ThrowStatus("cannot read", path, status, scrub_);
    }
    NoteObjectSize(buffer->size());
    return store::FoundResult(std::move(*buffer), options, "");
  }

  std::vector<ReadResult> ReadEach(const std::string& key,
                                   std::span<const ReadOptions> reads) override {
    if (client_) return client_->ReadEach(ObjectOf(key), reads);
    return Store::ReadEach(key, reads);
  }

  // ETags (S3) and generations (GCS) come with every answer of the HTTP read path.
  bool HasGenerations() const override { return client_ != nullptr; }
  double MaxStalenessSeconds() const override { return max_staleness_seconds_; }

  std::string PutParts(const std::string& key,
                       std::span<const std::span<const std::byte>> parts) override {
    if (client_ && service_ == CloudService::kS3) {
      std::uint64_t size = 0;
      for (const auto& part : parts) size += part.size();
      if (size <= http::ObjectClient::kLargestPut) return client_->Put(ObjectOf(key), parts);
    }
    const std::string path = PathOf(key);
    // The object appears only when Close completes its single PUT (or multipart upload), so
    // a failed attempt leaves the old object in place and can simply be made again. A failed
    // attempt is aborted, never closed: Arrow's stream completes what it has when destroyed
    // unclosed (a truncated object), and Abort also cancels a multipart upload it began.
    const arrow::Status status =
        WithRetries(max_attempts_, "write", path, scrub_, [&]() -> arrow::Status {
          ARROW_ASSIGN_OR_RAISE(auto output, fs_->OpenOutputStream(path));
          auto abandon = [&](arrow::Status failed) {
            (void)output->Abort();
            return failed;
          };
          for (const auto& part : parts) {
            auto written = output->Write(part.data(), static_cast<std::int64_t>(part.size()));
            if (!written.ok()) return abandon(std::move(written));
          }
          auto closed = output->Close();
          return closed.ok() ? closed : abandon(std::move(closed));
        });
    if (!status.ok()) ThrowStatus("cannot write", path, status, scrub_);
    return "";
  }

  void Delete(const std::string& key) override {
    if (client_ && service_ == CloudService::kS3) return client_->Delete(ObjectOf(key));
    const std::string path = PathOf(key);
    const auto status =
        WithRetries(max_attempts_, "delete", path, scrub_, [&] { return fs_->DeleteFile(path); });
    if (!status.ok() && !IsNotFound(status)) ThrowStatus("cannot delete", path, status, scrub_);
  }

  void DeletePrefix(const std::string& prefix) override {
    const std::string path = PathOf(prefix);
    const auto status = fs_->DeleteDirContents(path, /*missing_dir_ok=*/true);
    if (!status.ok() && !IsNotFound(status)) ThrowStatus("cannot delete", path, status, scrub_);
    const auto dir_status = fs_->DeleteDir(path);
    (void)dir_status;  // object stores may have no directory marker to remove
  }

  std::vector<std::string> List(const std::string& prefix) override {
    std::vector<std::string> keys;
    for (auto& object : ListWithSizes(prefix)) keys.push_back(std::move(object.key));
    return keys;
  }

  std::vector<ObjectSize> ListWithSizes(const std::string& prefix) override {
    std::vector<ObjectSize> objects;
    for (auto& [key, info] : InfosUnder(prefix, /*recursive=*/true)) {
      if (info.type() != arrow::fs::FileType::File) continue;
      objects.push_back({std::move(key), static_cast<std::uint64_t>(info.size())});
    }
    std::sort(objects.begin(), objects.end(),
              [](const ObjectSize& a, const ObjectSize& b) { return a.key < b.key; });
    return objects;
  }

  // One delimiter listing: S3's ListObjectsV2 through Arrow, GCS's objects.list over HTTP
  // (Arrow's GCS listing drops the folders); without the HTTP path, GCS lists every key.
  FolderListing ListFolder(const std::string& prefix) override {
    if (service_ == CloudService::kGcs) {
      if (!client_) return Store::ListFolder(prefix);
      const std::string root = ObjectPrefix();
      FolderListing listing =
          client_->ListGcsFolder(prefix.empty() ? root : ObjectOf(prefix) + "/");
      for (auto* names : {&listing.keys, &listing.folders}) {
        for (auto& name : *names) name = name.substr(root.size());
      }
      return listing;
    }
    FolderListing listing;
    for (auto& [key, info] : InfosUnder(prefix, /*recursive=*/false)) {
      if (info.type() == arrow::fs::FileType::File) {
        listing.keys.push_back(std::move(key));
      } else if (info.type() == arrow::fs::FileType::Directory) {
        listing.folders.push_back(std::move(key));
      }
    }
    std::sort(listing.keys.begin(), listing.keys.end());
    std::sort(listing.folders.begin(), listing.folders.end());
    return listing;
  }

  bool Exists(const std::string& key) override {
    const std::string path = PathOf(key);
    auto info =
        WithRetries(max_attempts_, "inspect", path, scrub_, [&] { return fs_->GetFileInfo(path); });
    if (!info.ok()) ThrowStatus("cannot inspect", path, info.status(), scrub_);
    return info->type() == arrow::fs::FileType::File;
  }

  // Each request waits on the network: keep many in flight.
  int PreferredConcurrency() const override { return requests_in_flight_; }

  std::string Describe() const override { return description_; }

 private:
  // One request per object where the service allows it: GCS streams a whole object in one
  // GET. S3 has no such path through Arrow: given a size instead of asking for it, Arrow's
  // ReadAt reports the size it was given even when the object is shorter, so S3 reads (and
  // ranged GCS reads) first ask for the size. nullopt: use ReadAfterSizeQuery.
  // A stream past options.max_bytes is refused as soon as it gets there.
  arrow::Result<std::optional<Buffer>> ReadInOneRequest(const std::string& key,
                                                        const std::string& path,
                                                        const ReadOptions& options) {
    if (service_ != CloudService::kGcs || !options.range.IsWhole()) return std::nullopt;
    ARROW_ASSIGN_OR_RAISE(auto input, fs_->OpenInputStream(path));
    Buffer buffer = Buffer::Allocate(
        static_cast<std::size_t>(std::min<std::uint64_t>(SizeHint(), options.max_bytes) + 1));
    std::size_t filled = 0;
    for (;;) {
      store::CheckReadSize(key, filled, options);
      if (filled == buffer.size()) buffer = Grown(buffer, 2 * buffer.size());
      ARROW_ASSIGN_OR_RAISE(
          const std::int64_t read,
          input->Read(static_cast<std::int64_t>(buffer.size() - filled), buffer.data() + filled));
      if (read == 0) break;
      filled += static_cast<std::size_t>(read);
    }
    buffer.Shrink(filled);
    return buffer;
  }

  // Two requests: the object's size (HEAD), then exactly the bytes wanted.
  arrow::Result<Buffer> ReadAfterSizeQuery(const std::string& key, const std::string& path,
                                           const ReadOptions& options) {
    ARROW_ASSIGN_OR_RAISE(auto input, fs_->OpenInputFile(path));
    ARROW_ASSIGN_OR_RAISE(const std::int64_t size, input->GetSize());
    const auto resolved = store::Resolve(options.range, static_cast<std::uint64_t>(size));
    store::CheckReadSize(key, resolved.count, options);
    Buffer buffer = Buffer::Allocate(resolved.count);
    ARROW_ASSIGN_OR_RAISE(const std::int64_t read,
                          input->ReadAt(static_cast<std::int64_t>(resolved.start),
                                        static_cast<std::int64_t>(resolved.count), buffer.data()));
    buffer.Shrink(static_cast<std::size_t>(read));
    return buffer;
  }

  // One ranged GET, no HEAD, for a caller that knows the size and verifies the content.
  // Arrow reports the requested count even if the object is shorter, so a wrong-sized object
  // shows up only in the caller's verification (ReadOptions::size_known's contract). The
  // buffer has room for an error answer too (a missing object's XML), which must not overflow
  // it. nullopt: throttled, dropped, or an answer we cannot read this way; the general path
  // retries and reports errors as for any read.
  std::optional<ReadResult> ReadKnownSize(const std::string& path, const ReadOptions& options) {
    const std::uint64_t wanted = store::WantedBytes(options);
    if (wanted == 0 || wanted == ByteRange::kToEnd || wanted > options.max_bytes) {
      return std::nullopt;
    }
    const std::uint64_t requested = std::max<std::uint64_t>(wanted, kRoomForErrorAnswers);
    Buffer bytes = Buffer::Allocate(requested);
    std::memset(bytes.data(), 0, requested);  // a short object leaves zeros, never stale memory
    const std::uint64_t offset = options.range.offset;
    const arrow::Status status = [&]() -> arrow::Status {
      arrow::fs::FileInfo expected(path, arrow::fs::FileType::File);
      expected.set_size(static_cast<std::int64_t>(offset + requested));
      ARROW_ASSIGN_OR_RAISE(auto input, fs_->OpenInputFile(expected));
      return input
          ->ReadAt(static_cast<std::int64_t>(offset), static_cast<std::int64_t>(requested),
                   bytes.data())
          .status();
    }();
    if (!status.ok()) {
      if (IsNotFound(status) || IsNoSuchKey(status)) return ReadResult{};
      return std::nullopt;
    }
    bytes.Shrink(static_cast<std::size_t>(wanted));
    return store::FoundResult(std::move(bytes), options, "");
  }

  static Buffer Grown(const Buffer& buffer, std::size_t size) {
    Buffer grown = Buffer::Allocate(size);
    std::memcpy(grown.data(), buffer.data(), buffer.size());
    return grown;
  }

  // A little more than the largest object read so far (at least 64 KiB): chunks of one
  // array are similar in size, so nearly every stream fills its first buffer.
  std::size_t SizeHint() const {
    return std::max<std::size_t>(64 << 10, largest_read_ + largest_read_ / 8 + 1);
  }
  void NoteObjectSize(std::size_t size) {
    std::size_t seen = largest_read_.load(std::memory_order_relaxed);
    while (size > seen && !largest_read_.compare_exchange_weak(seen, size)) {
    }
  }

  std::string PathOf(const std::string& key) const {
    ValidateKey(key);
    return base_ + "/" + key;
  }
  // What Arrow lists under `prefix` ("" for the store's root), each entry with its key.
  std::vector<std::pair<std::string, arrow::fs::FileInfo>> InfosUnder(const std::string& prefix,
                                                                      bool recursive) {
    arrow::fs::FileSelector selector;
    selector.base_dir = prefix.empty() ? base_ : PathOf(prefix);
    selector.recursive = recursive;
    selector.allow_not_found = true;
    auto infos = WithRetries(max_attempts_, "list", selector.base_dir, scrub_,
                             [&] { return fs_->GetFileInfo(selector); });
    if (!infos.ok()) ThrowStatus("cannot list", selector.base_dir, infos.status(), scrub_);
    std::vector<std::pair<std::string, arrow::fs::FileInfo>> entries;
    const std::string root = base_ + "/";
    for (auto& info : *infos) {
      if (!info.path().starts_with(root)) continue;
      std::string key = info.path().substr(root.size());
      entries.emplace_back(std::move(key), std::move(info));
    }
    return entries;
  }

  // The object's name inside the bucket.
  std::string ObjectOf(const std::string& key) const {
    ValidateKey(key);
    return ObjectPrefix() + key;
  }
  // What object names of this store start with: "prefix/" or "" at the bucket's root.
  std::string ObjectPrefix() const {
    const std::size_t slash = base_.find('/');
    return slash == std::string::npos ? "" : base_.substr(slash + 1) + "/";
  }

  store::SecretScrubber scrub_;  // for Arrow's and the servers' error texts
  std::shared_ptr<arrow::internal::ThreadPool> io_executor_;  // outlives fs_, which uses it
  std::shared_ptr<arrow::fs::FileSystem> fs_;
  std::unique_ptr<http::ObjectClient> client_;
  CloudService service_;
  std::atomic<std::size_t> largest_read_{0};
  std::string base_;  // "bucket" or "bucket/prefix"
  std::string description_;
  int max_attempts_;
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

// "http://host:port" -> ("http", "host:port"); a bare "host:port" keeps https.
std::pair<std::string, std::string> SplitEndpoint(const std::string& endpoint) {
  const auto separator = endpoint.find("://");
  if (separator == std::string::npos) return {"https", endpoint};
  std::string host = endpoint.substr(separator + 3);
  while (!host.empty() && host.back() == '/') host.pop_back();
  return {endpoint.substr(0, separator), host};
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

// The region AWS's tools take from the environment ("" where it names none).
std::string RegionFromEnvironment() {
  std::string region = store::EnvironmentVariable("AWS_REGION");
  return region.empty() ? store::EnvironmentVariable("AWS_DEFAULT_REGION") : region;
}

// The "private_key" of a service-account key file's JSON, or "" (a file Arrow will refuse).
std::string PrivateKeyOf(const std::string& service_account_json) {
  const auto key = nlohmann::json::parse(service_account_json, nullptr, /*allow_exceptions=*/false);
  if (!key.is_object()) return "";
  const auto found = key.find("private_key");
  return found != key.end() && found->is_string() ? found->get<std::string>() : "";
}

}  // namespace

std::shared_ptr<Store> OpenS3Store(const S3StoreOptions& options) {
  const std::string base = BaseOf(store::Cloud::kS3, options.bucket, options.prefix);
  const int requests_in_flight = CheckedRequestsInFlight(options.requests_in_flight);
  CheckReadOptions(options.reads);
  if (const auto status = arrow::fs::EnsureS3Initialized(); !status.ok()) {
    throw StorageError("cannot initialise S3 support: " + status.ToString());
  }
  // One credential chain (store/aws/credentials.h) signs every read: keys given, else the
  // first identity found (the environment, a web identity, the credentials file, a
  // container's or an instance's role). Arrow's writes and listings sign with the same keys
  // where they are static and otherwise find the identity with the AWS SDK's own chain.
  std::optional<aws::Credentials> given;
  if (!options.access_key_id.empty()) {
    given = aws::Credentials{options.access_key_id, options.secret_access_key, "", {}};
  }
  auto credentials = std::make_shared<aws::CredentialChain>(aws::DefaultSources(
      given, options.region.empty() ? RegionFromEnvironment() : options.region));
  const std::optional<aws::Credentials> keys = credentials->Get();
  const bool static_keys = keys && !keys->expiration;
  store::SecretScrubber scrub(
      keys ? std::vector<std::string>{keys->secret_access_key, keys->session_token}
           : std::vector<std::string>{});
  arrow::fs::S3Options s3 =
      static_keys ? arrow::fs::S3Options::FromAccessKey(
                        keys->access_key_id, keys->secret_access_key, keys->session_token)
                  : arrow::fs::S3Options::Defaults();
  if (!options.region.empty()) s3.region = options.region;
  if (!options.endpoint.empty()) {
    std::tie(s3.scheme, s3.endpoint_override) = SplitEndpoint(options.endpoint);
  }
  s3.allow_delayed_open = true;  // small objects: one PUT instead of a multipart upload
  s3.allow_bucket_creation = options.create_bucket;
  // Most retries happen in ArrowStore (WithRetries), bounded per request and counted; the
  // SDK keeps one quick retry of its own (its standard strategy's shared retry quota ran dry
  // under sustained faults in our tests, so it is not used).
  s3.retry_strategy = arrow::fs::S3RetryStrategy::GetAwsDefaultRetryStrategy(1);
  // Arrow sizes the AWS SDK's connection pool from its I/O executor's capacity (at least 25),
  // so with the default executor (8 threads) only 25 requests could be open at once. This
  // executor's capacity admits `requests_in_flight`; its threads start only if Arrow gives it
  // work (our calls are synchronous).
  auto io_executor = arrow::internal::ThreadPool::Make(requests_in_flight);
  if (!io_executor.ok()) {
    ThrowStatus("cannot connect to S3 bucket", options.bucket, io_executor.status());
  }
  auto fs = arrow::fs::S3FileSystem::Make(s3, arrow::io::IOContext(io_executor->get()));
  if (!fs.ok()) ThrowStatus("cannot connect to S3 bucket", options.bucket, fs.status(), scrub);
  // The AWS SDK must be shut down before Arrow's S3 statics are destroyed (its client
  // finalizer is made with the first filesystem): a handler registered after them runs first.
  static const bool finalized_at_exit = [] { return std::atexit(FinalizeCloudStores) == 0; }();
  (void)finalized_at_exit;
  if (options.create_bucket) {
    const auto status = (*fs)->CreateDir(options.bucket, /*recursive=*/false);
    if (!status.ok() && !AlreadyExists(status)) {
      ThrowStatus("cannot create bucket", options.bucket, status, scrub);
    }
  }
  // Where the chain finds no identity, reads stay on Arrow, whose AWS SDK also knows SSO
  // and credential_process profiles (and reads public buckets anonymously).
  std::unique_ptr<http::ObjectClient> reader;
  if (keys) {
    http::ObjectClientOptions direct;
    direct.aws_credentials = std::move(credentials);
    direct.service = http::ObjectClientOptions::Service::kS3;
    direct.bucket = options.bucket;
    direct.endpoint = options.endpoint;
    direct.region = s3.region;
    direct.max_attempts = std::max(1, options.max_attempts);
    direct.hedge_after_seconds = options.reads.hedge_after_seconds;
    direct.request_timeout_seconds = options.reads.request_timeout_seconds;
    direct.min_bytes_per_second = options.reads.min_bytes_per_second;
    reader = std::make_unique<http::ObjectClient>(std::move(direct));
  }
  return std::make_shared<ArrowStore>(
      *fs, CloudService::kS3, base, "s3://" + base, options.max_attempts, requests_in_flight,
      std::move(reader), options.reads.max_staleness_seconds, std::move(scrub), *io_executor);
}

std::shared_ptr<Store> OpenGcsStore(const GcsStoreOptions& options) {
  const std::string base = BaseOf(store::Cloud::kGcs, options.bucket, options.prefix);
  const int requests_in_flight = CheckedRequestsInFlight(options.requests_in_flight);
  CheckReadOptions(options.reads);
  // The key file's private key is found by name ("private_key": ...) as well as by value.
  store::SecretScrubber scrub({PrivateKeyOf(options.service_account_json)});
  arrow::fs::GcsOptions gcs =
      options.anonymous ? arrow::fs::GcsOptions::Anonymous()
      : options.service_account_json.empty()
          ? arrow::fs::GcsOptions::Defaults()
          : arrow::fs::GcsOptions::FromServiceAccountCredentials(options.service_account_json);
  if (!options.endpoint.empty()) {
    std::tie(gcs.scheme, gcs.endpoint_override) = SplitEndpoint(options.endpoint);
  }
  if (!options.project_id.empty()) gcs.project_id = options.project_id;
  gcs.retry_limit_seconds = options.retry_limit_seconds;
  auto fs = arrow::fs::GcsFileSystem::Make(gcs);
  if (!fs.ok()) ThrowStatus("cannot connect to GCS bucket", options.bucket, fs.status(), scrub);
  if (!options.project_id.empty()) {
    const auto status = (*fs)->CreateDir(options.bucket, /*recursive=*/false);
    if (!status.ok() && !AlreadyExists(status)) {
      ThrowStatus("cannot create bucket", options.bucket, status, scrub);
    }
  }
  // Anonymous, or one chain of token sources (store/gcs/credentials.h): the key given, a
  // credentials file, the metadata server. Where it finds none, reads stay on Arrow, whose
  // Google client knows more ways (external accounts, impersonation).
  std::shared_ptr<gcs::TokenChain> tokens;
  if (!options.anonymous) {
    tokens =
        std::make_shared<gcs::TokenChain>(gcs::DefaultTokenSources(options.service_account_json));
  }
  std::unique_ptr<http::ObjectClient> reader;
  if (options.anonymous || tokens->Get()) {  // a configured identity that fails, fails here
    http::ObjectClientOptions direct;
    direct.gcs_credentials = std::move(tokens);
    direct.service = http::ObjectClientOptions::Service::kGcs;
    direct.bucket = options.bucket;
    direct.endpoint = options.endpoint;
    direct.max_attempts = std::max(1, options.max_attempts);
    direct.hedge_after_seconds = options.reads.hedge_after_seconds;
    direct.request_timeout_seconds = options.reads.request_timeout_seconds;
    direct.min_bytes_per_second = options.reads.min_bytes_per_second;
    reader = std::make_unique<http::ObjectClient>(std::move(direct));
  }
  return std::make_shared<ArrowStore>(*fs, CloudService::kGcs, base, "gs://" + base,
                                      options.max_attempts, requests_in_flight, std::move(reader),
                                      options.reads.max_staleness_seconds, std::move(scrub));
}

void FinalizeCloudStores() {
  const auto status = arrow::fs::EnsureS3Finalized();  // once, however often it is called
  (void)status;  // nothing useful to do about a failure at exit
}

}  // namespace hub
