// GCS's wire dialect for http::ObjectClient (see store/http/object_dialect.h): the JSON API
// (objects at /storage/v1/b/BUCKET/o/NAME?alt=media, uploads at /upload/...), OAuth bearer
// tokens from the token chain, generations and ifGeneration(Not)Match, objects.list; each
// write one multipart/related upload of any size; deletes one object per request.
#pragma once

#include <memory>
#include <string>

#include "store/gcs/credentials.h"
#include "store/http/object_dialect.h"

namespace hub::gcs {

class GcsDialect final : public http::ObjectDialect {
 public:
  // `endpoint`: "http://127.0.0.1:4443" or "" for Google's; `tokens`: null for anonymous.
  GcsDialect(std::string bucket, const std::string& endpoint, std::shared_ptr<TokenChain> tokens);

  const std::string& bucket() const override { return bucket_; }
  std::unique_ptr<http::RequestSigner> CurrentSigner() const override;
  http::HttpRequest Read(const std::string& object, const std::string& unless_generation,
                         const std::string& if_generation) const override;
  std::string GenerationHeader() const override { return "x-goog-generation"; }
  http::HttpRequest Write(const std::string& object,
                          std::span<const std::span<const std::byte>> parts,
                          const WriteCondition& condition, std::any& keep) const override;
  std::string WrittenGeneration(const http::HttpResponse& response) const override;
  http::HttpRequest Delete(const std::string& object) const override;
  http::HttpRequest ListPage(const std::string& prefix, bool delimited,
                             const std::string& token) const override;
  store::ListPage ParseListPage(std::string_view answer) const override;
  http::HttpRequest CreateBucket(const std::string& project_id) const override;

 private:
  std::string bucket_;
  std::string buckets_url_;  // where buckets are made
  std::string objects_url_;  // the bucket's objects: listings, and before each object's name
  std::string upload_url_;   // where uploads go
  std::shared_ptr<TokenChain> tokens_;
};

}  // namespace hub::gcs
