// What differs between object services on the wire: how the requests for an object, a write,
// a listing, a batch of deletes or a new bucket are made, how answers name versions and list
// objects, and how requests are signed. http::ObjectClient does everything else the same way
// for every service (sending many requests at once, retries, refreshing credentials, reading
// answers, multipart uploads where a service takes them). One dialect per service, in its
// folder: aws::S3Dialect (store/aws/s3_dialect.h), gcs::GcsDialect (store/gcs/gcs_dialect.h).
#pragma once

#include <any>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "hub/store.h"
#include "store/http/http_client.h"
#include "store/list_page.h"
#include "store/secret_scrubber.h"

namespace hub::http {

// The credentials of one moment, as a dialect signs requests with them.
class RequestSigner {
 public:
  virtual ~RequestSigner() = default;
  // Adds the credentials to `request`, made and complete (nothing where there are none:
  // unsigned requests).
  virtual void Sign(HttpRequest& request) const = 0;
  // Whether `response` says these credentials expired (S3's ExpiredToken, GCS's 401).
  virtual bool Expired(const HttpResponse& response) const = 0;
  // Makes the next signer fetch credentials anew (unless they changed meanwhile).
  virtual void Invalidate() const = 0;
  // Knows the secrets: error answers may echo request headers.
  virtual const store::SecretScrubber& scrub() const = 0;
};

class ObjectDialect {
 public:
  virtual ~ObjectDialect() = default;

  virtual const std::string& bucket() const = 0;
  virtual std::unique_ptr<RequestSigner> CurrentSigner() const = 0;

  // A GET of `object`, not read again if still at `unless_generation` ("": read it), and
  // refused (412) unless at `if_generation` ("": any).
  virtual HttpRequest Read(const std::string& object, const std::string& unless_generation,
                           const std::string& if_generation) const = 0;
  // The answer's header that names the object's version (S3's ETag, GCS's generation).
  virtual std::string GenerationHeader() const = 0;

  // One request writing `parts` (streamed) as `object` under `condition`; its body may point
  // into what `keep` holds, which must outlive the request.
  virtual HttpRequest Write(const std::string& object,
                            std::span<const std::span<const std::byte>> parts,
                            const WriteCondition& condition, std::any& keep) const = 0;
  virtual std::string WrittenGeneration(const HttpResponse& response) const = 0;

  // Objects past this size go up as a multipart upload (UINT64_MAX: never), whose requests
  // the next four make; a service that takes none leaves them unimplemented.
  virtual std::uint64_t LargestSingleWrite() const { return UINT64_MAX; }
  virtual HttpRequest BeginUpload(const std::string& object) const;
  virtual std::string UploadIdOf(const HttpResponse& response) const;
  virtual HttpRequest WritePart(const std::string& object, const std::string& upload_id,
                                std::size_t number,
                                std::span<const std::span<const std::byte>> part) const;
  virtual HttpRequest CompleteUpload(const std::string& object, const std::string& upload_id,
                                     std::span<const std::string> etags,
                                     const WriteCondition& condition) const;
  virtual HttpRequest AbortUpload(const std::string& object, const std::string& upload_id) const;

  virtual HttpRequest Delete(const std::string& object) const = 0;
  // Objects one request deletes (1: DELETEs, many at once), and that request.
  virtual std::size_t DeletesPerRequest() const { return 1; }
  virtual HttpRequest DeleteMany(std::span<const std::string> objects) const;
  // The objects a DeleteMany answer says were not deleted, with why ("key: AccessDenied").
  virtual std::vector<std::string> FailedDeletes(const HttpResponse& response) const;

  // A page of the names starting with `prefix`, one level deep if `delimited`, from `token`.
  virtual HttpRequest ListPage(const std::string& prefix, bool delimited,
                               const std::string& token) const = 0;
  virtual store::ListPage ParseListPage(std::string_view answer) const = 0;

  virtual HttpRequest CreateBucket(const std::string& project_id) const = 0;
};

// "http://host:9000/" -> "http://host:9000".
std::string WithoutTrailingSlashes(std::string url);

}  // namespace hub::http
