// ObjectClient: Store::Read (and S3's writes and deletes) for S3 and GCS objects over plain HTTP,
// so that every read is one request whose answer says the object's length and version: a whole
// object is one GET, a suffix (a shard's index) is one GET, a cached object is revalidated by one
// conditional GET (S3 If-None-Match on the ETag, GCS ifGenerationNotMatch), and many ranges go out
// at once. Arrow's filesystems cannot do these (their reads report no ETag or generation and send
// no preconditions). S3 objects up to kLargestPut are written and deleted here too; larger writes,
// listings and GCS writes stay on Arrow for now. Every request is signed with what the store's
// credential chain gives at that moment (store/aws/, store/gcs/).
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
  // Larger objects are uploaded by Arrow in parts (a multipart upload), until this client
  // does that too.
  static constexpr std::uint64_t kLargestPut = 64 << 20;

  explicit ObjectClient(ObjectClientOptions options);

  // `object` is the object's full name in the bucket ("prefix/array/c/0").
  ReadResult Read(const std::string& object, const ReadOptions& options);
  // Independent reads of one object, all in flight at once; results in order.
  std::vector<ReadResult> ReadEach(const std::string& object, std::span<const ReadOptions> reads);

  // S3 only, for now: replaces `object` with the concatenation of `parts` by one PUT (the
  // object changes whole or not at all) and returns its ETag; retried as reads are.
  std::string Put(const std::string& object, std::span<const std::span<const std::byte>> parts);
  // S3 only, for now: removes `object` (a missing one too) by one DELETE.
  void Delete(const std::string& object);

  // GCS only: one level of `folder` ("a/b/", "" for the bucket's root) as object names and
  // folder names (without the trailing "/"), by delimiter listing. Arrow's GCS filesystem
  // drops the folders of such a listing, so it cannot do this.
  Store::FolderListing ListGcsFolder(const std::string& folder);

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
  // Sends the request `build` makes (with fresh credentials each time) until it is answered,
  // other than by a transient failure, or max_attempts in a row fail; fetches credentials
  // again once where the answer says they expired. `action` names it in retry logs.
  HttpResponse SendSigned(const std::function<HttpRequest()>& build, const char* payload_hash,
                          const char* action, const std::string& where);
  // A request of `method` for `object`, unsigned.
  HttpRequest ObjectRequest(const char* method, const std::string& object) const;
  // Throws the error an unsuccessful answer to `action` ("write", "delete") means.
  [[noreturn]] void Refuse(const char* action, const std::string& where,
                           const HttpResponse& response) const;
  // An answer saying the credentials `signing` holds expired (S3's ExpiredToken, GCS's 401).
  static bool TokenExpired(const HttpResponse& response, const Signing& signing);
  // Sends `request` until it is answered or max_attempts transient failures in a row.
  HttpResponse SendWithRetries(const HttpRequest& request, const std::string& where);
  HttpRequest RequestFor(const std::string& object, const ReadOptions& options,
                         const Signing& signing) const;
  // The answer as a ReadResult; throws for permanent errors; nullopt: worth another try.
  std::optional<ReadResult> Interpret(const std::string& object, const ReadOptions& options,
                                      HttpResponse& response,
                                      const store::SecretScrubber& scrub) const;

  ObjectClientOptions options_;
  std::string base_url_;  // up to the object name
  HttpClient client_;
};

}  // namespace hub::http
