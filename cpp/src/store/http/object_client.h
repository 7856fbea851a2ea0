// ObjectClient: every operation of hub_v1's cloud stores over plain HTTP (libcurl), the same
// for every service; what differs on the wire (URLs, preconditions, listings, signing) is the
// service's ObjectDialect (aws::S3Dialect, gcs::GcsDialect). Every read is one request whose
// answer says the object's length and version: a whole object is one GET, a suffix (a shard's
// index) is one GET, a cached object is revalidated by one conditional GET, and many ranges go
// out at once. Writes are one streamed request (multipart uploads past the dialect's largest
// single write), deletes go as many per request as the dialect takes and many requests at once,
// listings page. Every request is signed with the credentials of that moment, and one retry
// policy (HTTP status and transport failures; an expired token once) covers them all.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "hub/store.h"
#include "store/http/http_client.h"
#include "store/http/object_dialect.h"
#include "store/list_page.h"
#include "store/secret_scrubber.h"

namespace hub::http {

struct ObjectClientOptions {
  // How the service's requests are made and signed (aws::S3Dialect, gcs::GcsDialect).
  std::shared_ptr<const ObjectDialect> dialect;
  int max_attempts = 6;  // per request, for throttling, 5xx and dropped connections
  double hedge_after_seconds = 0;
  // Each request's deadline: this plus its bytes at min_bytes_per_second (HttpClientOptions).
  double request_timeout_seconds = 30;
  double min_bytes_per_second = 256 * 1024;
};

class ObjectClient {
 public:
  // A multipart upload's parts (where the dialect takes them, past its largest single write).
  static constexpr std::uint64_t kPartBytes = 16 << 20;
  static constexpr std::uint64_t kMostParts = 10000;  // S3's limit: larger parts past it
  // Parts of one multipart upload in flight at once.
  static constexpr std::size_t kPartsInFlight = 8;
  // Delete requests in flight at once (each of one object, or of a dialect's batch).
  static constexpr std::size_t kDeletesInFlight = 64;

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
  // Removes `objects` (missing ones too): as many per request as the dialect deletes at once
  // (S3's DeleteObjects: 1,000), kDeletesInFlight requests at a time.
  void DeleteEach(std::span<const std::string> objects);

  // Every object whose name starts with `prefix`, with its size, sorted by name.
  std::vector<ObjectSize> ListAll(const std::string& prefix);
  // One level of `folder` ("a/b/", "" for the bucket's root) as object names and folder names
  // (without the trailing "/"), by delimiter listing: requests that do not grow with what the
  // subfolders hold.
  Store::FolderListing ListFolder(const std::string& folder);

  // Creates the bucket; one that exists already is not an error. GCS needs `project_id`.
  void CreateBucket(const std::string& project_id);

 private:
  // Sends the `count` requests `build(i)` makes, all at once, each signed with the credentials
  // of the moment; sends again those answered by a transient failure until max_attempts rounds
  // have failed, and once with fresh credentials those answered that the credentials expired.
  // Returns the last answer to each. `action` names them in retry logs; `last_scrub`, if
  // given, gets the scrubber that knows the credentials of the last round.
  std::vector<HttpResponse> SendAllSigned(std::size_t count,
                                          const std::function<HttpRequest(std::size_t)>& build,
                                          const char* action, const std::string& where,
                                          store::SecretScrubber* last_scrub = nullptr);
  HttpResponse SendSigned(const std::function<HttpRequest()>& build, const char* action,
                          const std::string& where);
  // Throws the error an unsuccessful answer to `action` ("write", "delete") means.
  [[noreturn]] void Refuse(const char* action, const std::string& where,
                           const HttpResponse& response) const;
  HttpRequest RequestFor(const std::string& object, const ReadOptions& options) const;
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
  // Throws PreconditionFailedError if `response` says a write's condition did not hold.
  void CheckCondition(const std::string& where, const HttpResponse& response,
                      const WriteCondition& condition) const;
  // Every page of the listing of names starting with `prefix`, one level deep if `delimited`.
  void ListPages(const std::string& prefix, bool delimited,
                 const std::function<void(store::ListPage&)>& take);
  std::string Where(const std::string& object) const { return dialect_.bucket() + "/" + object; }

  ObjectClientOptions options_;
  const ObjectDialect& dialect_;
  HttpClient client_;
};

}  // namespace hub::http
