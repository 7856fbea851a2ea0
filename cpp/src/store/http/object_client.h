// ObjectClient: every operation of hub_v1's S3 and GCS stores over plain HTTP (libcurl). Every
// read is one request whose answer says the object's length and version: a whole object is one
// GET, a suffix (a shard's index) is one GET, a cached object is revalidated by one conditional
// GET (S3 If-None-Match on the ETag, GCS ifGenerationNotMatch), and many ranges go out at once.
// Writes are one streamed PUT (S3 multipart uploads past kLargestPut), deletes go many per
// request or many at once, listings page through ListObjectsV2 or objects.list. Every request
// is signed with what the store's credential chain gives at that moment (store/aws/,
// store/gcs/), and one retry policy (HTTP status and transport failures) covers them all.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "hub/store.h"
#include "store/aws/credentials.h"
#include "store/gcs/credentials.h"
#include "store/http/http_client.h"
#include "store/list_page.h"
#include "store/secret_scrubber.h"

namespace hub::http {

struct ObjectClientOptions {
  enum class Service { kS3, kGcs };
  Service service = Service::kS3;
  std::string bucket;
  // "http://127.0.0.1:9000" (path-style URLs) or "" for the service's public endpoint.
  std::string endpoint;
  std::string region = "us-east-1";  // S3 signing
  // Asked before every request (null, or no credentials found: unsigned requests): S3's
  // keys, GCS's access tokens.
  std::shared_ptr<aws::CredentialChain> aws_credentials;
  std::shared_ptr<gcs::TokenChain> gcs_credentials;
  int max_attempts = 6;  // per request, for throttling, 5xx and dropped connections
  double hedge_after_seconds = 0;
  // Each request's deadline: this plus its bytes at min_bytes_per_second (HttpClientOptions).
  double request_timeout_seconds = 30;
  double min_bytes_per_second = 256 * 1024;
};

class ObjectClient {
 public:
  // Objects up to this size are written by one PUT; S3 writes larger ones as a multipart
  // upload of kPartBytes parts (GCS writes any size by one streamed upload).
  static constexpr std::uint64_t kLargestPut = 64 << 20;
  static constexpr std::uint64_t kPartBytes = 16 << 20;
  static constexpr std::uint64_t kMostParts = 10000;  // S3's limit: larger parts past it
  // Parts of one multipart upload in flight at once.
  static constexpr std::size_t kPartsInFlight = 8;
  // Objects per S3 DeleteObjects request (S3's limit), and GCS DELETEs in flight at once.
  static constexpr std::size_t kDeletesPerBatch = 1000;
  static constexpr std::size_t kGcsDeletesInFlight = 64;

  explicit ObjectClient(ObjectClientOptions options);

  // `object` is the object's full name in the bucket ("prefix/array/c/0").
  ReadResult Read(const std::string& object, const ReadOptions& options);
  // Independent reads of one object, all in flight at once; results in order.
  std::vector<ReadResult> ReadEach(const std::string& object, std::span<const ReadOptions> reads);

  // Replaces `object` with the concatenation of `parts` (whole or not at all: a multipart
  // upload that fails is aborted) and returns its new generation (S3's ETag, GCS's generation).
  // `condition`, if any, travels with the write (S3 If-None-Match: * or If-Match, GCS
  // ifGenerationMatch); PreconditionFailedError where it does not hold.
  std::string Put(const std::string& object, std::span<const std::span<const std::byte>> parts,
                  const WriteCondition& condition);
  // Removes `object` (a missing one too) by one DELETE.
  void Delete(const std::string& object);
  // Removes `objects` (missing ones too): S3 by DeleteObjects, up to kDeletesPerBatch per
  // request; GCS by DELETEs kGcsDeletesInFlight at a time.
  void DeleteEach(std::span<const std::string> objects);

  // Every object whose name starts with `prefix`, with its size, sorted by name.
  std::vector<ObjectSize> ListAll(const std::string& prefix);
  // One level of `folder` ("a/b/", "" for the bucket's root) as object names and folder names
  // (without the trailing "/"), by delimiter listing: requests that do not grow with what the
  // subfolders hold.
  Store::FolderListing ListFolder(const std::string& folder);

  // Creates the bucket; one that exists already is not an error. GCS needs `project_id`.
  void CreateBucket(const std::string& project_id);

  const HttpClient& client() const { return client_; }

 private:
  // The credentials to sign the next requests with, and a scrubber that knows them.
  struct Signing {
    std::optional<aws::Credentials> credentials;
    std::optional<gcs::AccessToken> token;
    store::SecretScrubber scrub;
  };
  Signing CurrentSigning() const;
  // Adds `signing`'s credentials to `request` (S3: SigV4 by curl over `payload_hash`, the
  // body's SHA-256 or "UNSIGNED-PAYLOAD"; GCS: a bearer token).
  void Sign(HttpRequest& request, const Signing& signing, const char* payload_hash) const;
  // Sends the `count` requests `build(i)` makes, all at once, each signed with the credentials
  // of the moment; sends again those answered by a transient failure until max_attempts rounds
  // have failed, and once with fresh credentials those answered that the credentials expired.
  // Returns the last answer to each. `action` names them in retry logs.
  std::vector<HttpResponse> SendAllSigned(std::size_t count,
                                          const std::function<HttpRequest(std::size_t)>& build,
                                          const char* payload_hash, const char* action,
                                          const std::string& where);
  HttpResponse SendSigned(const std::function<HttpRequest()>& build, const char* payload_hash,
                          const char* action, const std::string& where);
  // An unsigned request of `method` for `object` (its path; S3 query parameters follow).
  HttpRequest ObjectRequest(const char* method, const std::string& object) const;
  // Throws the error an unsuccessful answer to `action` ("write", "delete") means.
  [[noreturn]] void Refuse(const char* action, const std::string& where,
                           const HttpResponse& response) const;
  // An answer saying the credentials `signing` holds expired (S3's ExpiredToken, GCS's 401).
  static bool TokenExpired(const HttpResponse& response, const Signing& signing);
  HttpRequest RequestFor(const std::string& object, const ReadOptions& options,
                         const Signing& signing) const;
  // The answer as a ReadResult; throws for permanent errors; nullopt: worth another try.
  std::optional<ReadResult> Interpret(const std::string& object, const ReadOptions& options,
                                      HttpResponse& response,
                                      const store::SecretScrubber& scrub) const;

  std::string PutInOneRequest(const std::string& object,
                              std::span<const std::span<const std::byte>> parts,
                              const WriteCondition& condition);
  std::string PutInParts(const std::string& object,
                         std::span<const std::span<const std::byte>> parts,
                         const WriteCondition& condition);
  // `condition` on `request`: S3's headers, GCS's query parameter (after others).
  void AddCondition(HttpRequest& request, const WriteCondition& condition) const;
  // Throws PreconditionFailedError if `response` says a write's condition did not hold.
  void CheckCondition(const std::string& where, const HttpResponse& response,
                      const WriteCondition& condition) const;
  // Every page of the listing of names starting with `prefix`, one level deep if `delimited`.
  void ListPages(const std::string& prefix, bool delimited,
                 const std::function<void(store::ListPage&)>& take);
  std::string Where(const std::string& object) const { return options_.bucket + "/" + object; }

  ObjectClientOptions options_;
  std::string base_url_;     // up to the object name
  std::string bucket_url_;   // the bucket (S3) or its objects (GCS): listings, batches
  std::string upload_url_;   // GCS: where uploads go
  std::string buckets_url_;  // GCS: where buckets are made
  HttpClient client_;
};

}  // namespace hub::http
