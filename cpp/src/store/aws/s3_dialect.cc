// S3's wire dialect (see s3_dialect.h). Query strings are written in SigV4's canonical order
// (parameters sorted, each with "="), because curl 7.88 signs them as written.
#include "store/aws/s3_dialect.h"

#include "hub/errors.h"
#include "store/aws/s3_xml.h"

namespace hub::aws {
namespace {

// SHA-256 of an empty body: S3 wants the payload's hash in a header of every signed request.
constexpr const char* kEmptyPayloadHash =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

class S3Signer final : public http::RequestSigner {
 public:
  S3Signer(std::shared_ptr<CredentialChain> chain, std::string region)
      : chain_(std::move(chain)), region_(std::move(region)) {
    if (chain_) credentials_ = chain_->Get();
    if (credentials_) {
      scrub_ =
          store::SecretScrubber({credentials_->secret_access_key, credentials_->session_token});
    }
  }

  void Sign(http::HttpRequest& request) const override {
    if (!credentials_) return;
    // Bodies are not hashed (S3 takes UNSIGNED-PAYLOAD); bodiless requests hash nothing.
    const bool has_body = !request.upload.empty() || !request.body.empty() ||
                          request.method == "PUT" || request.method == "POST";
    request.headers.push_back(std::string("x-amz-content-sha256: ") +
                              (has_body ? "UNSIGNED-PAYLOAD" : kEmptyPayloadHash));
    if (!credentials_->session_token.empty()) {
      request.headers.push_back("x-amz-security-token: " + credentials_->session_token);
    }
    request.aws_sigv4 = "aws:amz:" + region_ + ":s3";
    request.user_password = credentials_->access_key_id + ":" + credentials_->secret_access_key;
  }

  bool Expired(const http::HttpResponse& response) const override {
    if (!credentials_ || (response.status != 400 && response.status != 403)) return false;
    // The session token it was signed with has expired.
    const std::string code = FirstElement(response.BodyText(), "Code").value_or("");
    return code == "ExpiredToken" || code == "TokenRefreshRequired";
  }

  void Invalidate() const override {
    if (credentials_) chain_->Invalidate(*credentials_);
  }

  const store::SecretScrubber& scrub() const override { return scrub_; }

 private:
  std::shared_ptr<CredentialChain> chain_;
  std::string region_;
  std::optional<Credentials> credentials_;
  store::SecretScrubber scrub_;
};

// Path-style URLs at a given endpoint (S3-compatible servers), else AWS's virtual-hosted ones
// (path-style where the bucket's name has a dot, which its certificate cannot cover).
std::string BucketUrl(const std::string& bucket, const std::string& endpoint,
                      const std::string& region) {
  if (!endpoint.empty()) return http::WithoutTrailingSlashes(endpoint) + "/" + bucket;
  if (bucket.find('.') == std::string::npos) {
    return "https://" + bucket + ".s3." + region + ".amazonaws.com/";
  }
  return "https://s3." + region + ".amazonaws.com/" + bucket;
}

}  // namespace

S3Dialect::S3Dialect(std::string bucket, const std::string& endpoint, std::string region,
                     std::shared_ptr<CredentialChain> credentials)
    : bucket_(std::move(bucket)),
      region_(region.empty() ? "us-east-1" : std::move(region)),
      bucket_url_(BucketUrl(bucket_, endpoint, region_)),
      object_url_(bucket_url_.ends_with('/') ? bucket_url_ : bucket_url_ + "/"),
      credentials_(std::move(credentials)) {}

std::unique_ptr<http::RequestSigner> S3Dialect::CurrentSigner() const {
  return std::make_unique<S3Signer>(credentials_, region_);
}

http::HttpRequest S3Dialect::ObjectRequest(const char* method, const std::string& object) const {
  http::HttpRequest request;
  request.method = method;
  request.url = object_url_ + http::PercentEncode(object, /*keep_slashes=*/true);
  return request;
}

http::HttpRequest S3Dialect::Read(const std::string& object, const std::string& unless_generation,
                                  const std::string& if_generation) const {
  http::HttpRequest request = ObjectRequest("GET", object);
  if (!unless_generation.empty()) request.headers.push_back("If-None-Match: " + unless_generation);
  if (!if_generation.empty()) request.headers.push_back("If-Match: " + if_generation);
  return request;
}

http::HttpRequest S3Dialect::Write(const std::string& object,
                                   std::span<const std::span<const std::byte>> parts,
                                   const WriteCondition& condition, std::any&) const {
  http::HttpRequest request = ObjectRequest("PUT", object);
  request.upload = parts;
  request.headers.push_back("Content-Type: application/octet-stream");
  if (condition.if_absent) request.headers.push_back("If-None-Match: *");
  if (!condition.if_generation.empty()) {
    request.headers.push_back("If-Match: " + condition.if_generation);
  }
  return request;
}

std::string S3Dialect::WrittenGeneration(const http::HttpResponse& response) const {
  // A completed multipart upload names its ETag in the body; a PUT in a header.
  const std::string etag = FirstElement(response.BodyText(), "ETag").value_or("");
  return etag.empty() ? response.Header("etag") : etag;
}

http::HttpRequest S3Dialect::BeginUpload(const std::string& object) const {
  http::HttpRequest request = ObjectRequest("POST", object);
  request.url += "?uploads=";
  return request;
}

std::string S3Dialect::UploadIdOf(const http::HttpResponse& response) const {
  return FirstElement(response.BodyText(), "UploadId").value_or("");
}

http::HttpRequest S3Dialect::WritePart(const std::string& object, const std::string& upload_id,
                                       std::size_t number,
                                       std::span<const std::span<const std::byte>> part) const {
  http::HttpRequest request = ObjectRequest("PUT", object);
  request.url += "?partNumber=" + std::to_string(number) +
                 "&uploadId=" + http::PercentEncode(upload_id, false);
  request.upload = part;
  return request;
}

http::HttpRequest S3Dialect::CompleteUpload(const std::string& object, const std::string& upload_id,
                                            std::span<const std::string> etags,
                                            const WriteCondition& condition) const {
  http::HttpRequest request = ObjectRequest("POST", object);
  request.url += "?uploadId=" + http::PercentEncode(upload_id, false);
  request.body = CompleteMultipartBody(etags);
  request.headers.push_back("Content-Type: application/xml");
  // The object appears (or not) here, so the condition goes here.
  if (condition.if_absent) request.headers.push_back("If-None-Match: *");
  if (!condition.if_generation.empty()) {
    request.headers.push_back("If-Match: " + condition.if_generation);
  }
  return request;
}

http::HttpRequest S3Dialect::AbortUpload(const std::string& object,
                                         const std::string& upload_id) const {
  http::HttpRequest request = ObjectRequest("DELETE", object);
  request.url += "?uploadId=" + http::PercentEncode(upload_id, false);
  return request;
}

http::HttpRequest S3Dialect::Delete(const std::string& object) const {
  return ObjectRequest("DELETE", object);
}

http::HttpRequest S3Dialect::DeleteMany(std::span<const std::string> objects) const {
  http::HttpRequest request;
  request.method = "POST";
  request.url = bucket_url_ + "?delete=";
  request.body = DeleteObjectsBody(objects);
  request.headers.push_back("Content-MD5: " + ContentMd5(request.body));
  request.headers.push_back("Content-Type: application/xml");
  return request;
}

std::vector<std::string> S3Dialect::FailedDeletes(const http::HttpResponse& response) const {
  return DeleteFailures(response.BodyText());
}

http::HttpRequest S3Dialect::ListPage(const std::string& prefix, bool delimited,
                                      const std::string& token) const {
  std::string query;
  if (!token.empty()) query += "continuation-token=" + http::PercentEncode(token, false) + "&";
  if (delimited) query += "delimiter=%2F&";
  http::HttpRequest request;
  request.url =
      bucket_url_ + "?" + query + "list-type=2&prefix=" + http::PercentEncode(prefix, false);
  return request;
}

store::ListPage S3Dialect::ParseListPage(std::string_view answer) const {
  return aws::ParseListPage(answer);
}

http::HttpRequest S3Dialect::CreateBucket(const std::string&) const {
  http::HttpRequest request;
  request.method = "PUT";
  request.url = bucket_url_;
  if (region_ != "us-east-1") {  // us-east-1 takes no constraint
    request.body = "<CreateBucketConfiguration><LocationConstraint>" + XmlEscape(region_) +
                   "</LocationConstraint></CreateBucketConfiguration>";
  }
  return request;
}

}  // namespace hub::aws
