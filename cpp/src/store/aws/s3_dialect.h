// S3's wire dialect for http::ObjectClient (see store/http/object_dialect.h): path-style URLs
// at a given endpoint (S3-compatible servers), virtual-hosted ones at AWS; SigV4 by curl with
// the credential chain's keys; ETags; If-None-Match / If-Match; ListObjectsV2; DeleteObjects;
// multipart uploads past 64 MiB.
#pragma once

#include <memory>
#include <string>

#include "store/aws/credentials.h"
#include "store/http/object_dialect.h"

namespace hub::aws {

class S3Dialect final : public http::ObjectDialect {
 public:
  // `endpoint`: "http://127.0.0.1:9000" or "" for AWS; `credentials`: null for none.
  S3Dialect(std::string bucket, const std::string& endpoint, std::string region,
            std::shared_ptr<CredentialChain> credentials);

  static constexpr std::uint64_t kLargestPut = 64 << 20;
  static constexpr std::size_t kDeletesPerBatch = 1000;  // S3's limit

  const std::string& bucket() const override { return bucket_; }
  std::unique_ptr<http::RequestSigner> CurrentSigner() const override;
  http::HttpRequest Read(const std::string& object, const std::string& unless_generation,
                         const std::string& if_generation) const override;
  std::string GenerationHeader() const override { return "etag"; }
  http::HttpRequest Write(const std::string& object,
                          std::span<const std::span<const std::byte>> parts,
                          const WriteCondition& condition, std::any& keep) const override;
  std::string WrittenGeneration(const http::HttpResponse& response) const override;
  std::uint64_t LargestSingleWrite() const override { return kLargestPut; }
  http::HttpRequest BeginUpload(const std::string& object) const override;
  std::string UploadIdOf(const http::HttpResponse& response) const override;
  http::HttpRequest WritePart(const std::string& object, const std::string& upload_id,
                              std::size_t number,
                              std::span<const std::span<const std::byte>> part) const override;
  http::HttpRequest CompleteUpload(const std::string& object, const std::string& upload_id,
                                   std::span<const std::string> etags,
                                   const WriteCondition& condition) const override;
  http::HttpRequest AbortUpload(const std::string& object,
                                const std::string& upload_id) const override;
  http::HttpRequest Delete(const std::string& object) const override;
  std::size_t DeletesPerRequest() const override { return kDeletesPerBatch; }
  http::HttpRequest DeleteMany(std::span<const std::string> objects) const override;
  std::vector<std::string> FailedDeletes(const http::HttpResponse& response) const override;
  http::HttpRequest ListPage(const std::string& prefix, bool delimited,
                             const std::string& token) const override;
  store::ListPage ParseListPage(std::string_view answer) const override;
  http::HttpRequest CreateBucket(const std::string& project_id) const override;

 private:
  http::HttpRequest ObjectRequest(const char* method, const std::string& object) const;

  std::string bucket_;
  std::string region_;
  std::string bucket_url_;  // listings and batches go here
  std::string object_url_;  // up to the object's name
  std::shared_ptr<CredentialChain> credentials_;
};

}  // namespace hub::aws
