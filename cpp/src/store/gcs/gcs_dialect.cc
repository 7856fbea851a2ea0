// GCS's wire dialect (see gcs_dialect.h).
#include "store/gcs/gcs_dialect.h"

#include <nlohmann/json.hpp>

#include "store/gcs/gcs_json.h"

namespace hub::gcs {
namespace {

class GcsSigner final : public http::RequestSigner {
 public:
  explicit GcsSigner(std::shared_ptr<TokenChain> chain) : chain_(std::move(chain)) {
    if (chain_) token_ = chain_->Get();
    if (token_) scrub_ = store::SecretScrubber({token_->token});
  }

  void Sign(http::HttpRequest& request) const override {
    if (token_) request.headers.push_back("Authorization: Bearer " + token_->token);
  }
  // The access token is no longer good.
  bool Expired(const http::HttpResponse& response) const override {
    return token_ && response.status == 401;
  }
  void Invalidate() const override {
    if (token_) chain_->Invalidate(*token_);
  }
  const store::SecretScrubber& scrub() const override { return scrub_; }

 private:
  std::shared_ptr<TokenChain> chain_;
  std::optional<AccessToken> token_;
  store::SecretScrubber scrub_;
};

}  // namespace

GcsDialect::GcsDialect(std::string bucket, const std::string& endpoint,
                       std::shared_ptr<TokenChain> tokens)
    : bucket_(std::move(bucket)), tokens_(std::move(tokens)) {
  const std::string root =
      endpoint.empty() ? "https://storage.googleapis.com" : http::WithoutTrailingSlashes(endpoint);
  const std::string name = http::PercentEncode(bucket_, false);
  buckets_url_ = root + "/storage/v1/b";
  objects_url_ = buckets_url_ + "/" + name + "/o";
  upload_url_ = root + "/upload/storage/v1/b/" + name + "/o";
}

std::unique_ptr<http::RequestSigner> GcsDialect::CurrentSigner() const {
  return std::make_unique<GcsSigner>(tokens_);
}

http::HttpRequest GcsDialect::Read(const std::string& object, const std::string& unless_generation,
                                   const std::string& if_generation) const {
  http::HttpRequest request;
  request.url = objects_url_ + "/" + http::PercentEncode(object, false) + "?alt=media";
  if (!if_generation.empty()) {
    request.url += "&ifGenerationMatch=" + http::PercentEncode(if_generation, false);
  }
  if (!unless_generation.empty()) {
    request.url += "&ifGenerationNotMatch=" + http::PercentEncode(unless_generation, false);
  }
  return request;
}

http::HttpRequest GcsDialect::Write(const std::string& object,
                                    std::span<const std::span<const std::byte>> parts,
                                    const WriteCondition& condition, std::any& keep) const {
  // A multipart upload (the object's metadata, then its bytes, in one request), which every
  // server holds to ifGenerationMatch (fake-gcs-server ignores it on media uploads).
  const auto& upload = keep.emplace<std::shared_ptr<MultipartUpload>>(
      std::make_shared<MultipartUpload>(object, parts));
  http::HttpRequest request;
  request.method = "POST";
  request.url = upload_url_ + "?uploadType=multipart";
  if (condition.if_absent) request.url += "&ifGenerationMatch=0";
  if (!condition.if_generation.empty()) {
    request.url += "&ifGenerationMatch=" + http::PercentEncode(condition.if_generation, false);
  }
  request.upload = upload->body();
  request.headers.push_back(upload->content_type());
  return request;
}

std::string GcsDialect::WrittenGeneration(const http::HttpResponse& response) const {
  return GenerationOf(response.BodyText());
}

http::HttpRequest GcsDialect::Delete(const std::string& object) const {
  http::HttpRequest request;
  request.method = "DELETE";
  request.url = objects_url_ + "/" + http::PercentEncode(object, false);
  return request;
}

http::HttpRequest GcsDialect::ListPage(const std::string& prefix, bool delimited,
                                       const std::string& token) const {
  http::HttpRequest request;
  request.url = objects_url_ + "?prefix=" + http::PercentEncode(prefix, false) +
                "&fields=items(name,size),prefixes,nextPageToken";
  if (delimited) request.url += "&delimiter=%2F";
  if (!token.empty()) request.url += "&pageToken=" + http::PercentEncode(token, false);
  return request;
}

store::ListPage GcsDialect::ParseListPage(std::string_view answer) const {
  return gcs::ParseListPage(answer);
}

http::HttpRequest GcsDialect::CreateBucket(const std::string& project_id) const {
  http::HttpRequest request;
  request.method = "POST";
  request.url = buckets_url_ + "?project=" + http::PercentEncode(project_id, false);
  request.body = nlohmann::json{{"name", bucket_}}.dump();
  request.headers.push_back("Content-Type: application/json");
  return request;
}

}  // namespace hub::gcs
