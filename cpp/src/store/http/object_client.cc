// ObjectClient: S3 and GCS reads as single HTTP requests (see object_reader.h).
#include "store/http/object_client.h"

#include <algorithm>
#include <cstring>
#include <nlohmann/json.hpp>
#include <optional>

#include "hub/errors.h"
#include "store/aws/s3_xml.h"
#include "store/cloud_retry.h"
#include "store/gcs/gcs_json.h"
#include "store/read_range.h"
#include "store/secret_scrubber.h"

namespace hub::http {
namespace {

using Service = ObjectClientOptions::Service;

// SHA-256 of an empty body: S3 wants the payload's hash in a header of every signed request.
constexpr const char* kEmptyPayloadHash =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

std::string WithoutTrailingSlashes(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

std::string Endpoint(const ObjectClientOptions& options) {
  if (!options.endpoint.empty()) return WithoutTrailingSlashes(options.endpoint);
  return options.service == Service::kGcs ? "https://storage.googleapis.com" : "";
}

// S3: path-style URLs at a given endpoint (S3-compatible servers), else AWS's virtual-hosted
// ones (path-style where the bucket's name has a dot, which its certificate cannot cover).
std::string S3BucketUrl(const ObjectClientOptions& options) {
  if (!options.endpoint.empty()) return Endpoint(options) + "/" + options.bucket;
  const std::string region = options.region.empty() ? "us-east-1" : options.region;
  if (options.bucket.find('.') == std::string::npos) {
    return "https://" + options.bucket + ".s3." + region + ".amazonaws.com/";
  }
  return "https://s3." + region + ".amazonaws.com/" + options.bucket;
}

HttpClientOptions ClientOptions(const ObjectClientOptions& options) {
  HttpClientOptions client;
  client.hedge_after_seconds = options.hedge_after_seconds;
  client.deadline_base_seconds = options.request_timeout_seconds;
  client.min_bytes_per_second = options.min_bytes_per_second;
  return client;
}

// "bytes 0-99/1234" or "bytes */1234" -> 1234.
std::optional<std::uint64_t> TotalFromContentRange(const std::string& content_range) {
  const auto slash = content_range.rfind('/');
  if (slash == std::string::npos || slash + 1 >= content_range.size() ||
      content_range[slash + 1] == '*') {
    return std::nullopt;
  }
  return std::strtoull(content_range.c_str() + slash + 1, nullptr, 10);
}

// A 206 answer's "Content-Range: bytes FIRST-LAST/TOTAL" (TOTAL may be "*").
struct ContentRange {
  std::uint64_t first = 0;
  std::uint64_t last = 0;
  std::optional<std::uint64_t> total;
};

// Digits only, no sign or space, within 64 bits.
std::optional<std::uint64_t> ParseCount(std::string_view text) {
  if (text.empty() || text.size() > 19) return std::nullopt;
  std::uint64_t value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return value;
}

std::optional<ContentRange> ParseContentRange(std::string_view text) {
  if (!text.starts_with("bytes ")) return std::nullopt;
  text.remove_prefix(6);
  const auto dash = text.find('-');
  const auto slash = text.find('/');
  if (dash == std::string_view::npos || slash == std::string_view::npos || slash < dash) {
    return std::nullopt;
  }
  const auto first = ParseCount(text.substr(0, dash));
  const auto last = ParseCount(text.substr(dash + 1, slash - dash - 1));
  if (!first || !last || *last < *first) return std::nullopt;
  ContentRange range{*first, *last, std::nullopt};
  if (text.substr(slash + 1) != "*") {
    range.total = ParseCount(text.substr(slash + 1));
    if (!range.total || *range.total <= *last) return std::nullopt;
  }
  return range;
}

// Why a 206 answer is not the range asked for, or "" if it is: its Content-Range must name
// exactly the bytes `asked` resolves to in an object of the size it states, and the body must
// be that long. A server (or proxy) that answers with other bytes, honestly labelled or not,
// would otherwise be taken as the asked bytes, which no per-chunk checksum can catch.
std::string ContentRangeMismatch(const ByteRange& asked, const std::string& header,
                                 std::uint64_t body_bytes) {
  const std::optional<ContentRange> range = ParseContentRange(header);
  const std::string shown = header.substr(0, 80);  // a server's text: kept short
  if (!range) return "its Content-Range '" + shown + "' is missing or malformed";
  const std::uint64_t sent = range->last - range->first + 1;
  if (body_bytes != sent) {
    return "its body holds " + std::to_string(body_bytes) + " bytes where its Content-Range '" +
           shown + "' says " + std::to_string(sent);
  }
  std::uint64_t first = asked.offset;
  std::uint64_t count = asked.length;
  if (range->total) {
    const store::ResolvedRange resolved = store::Resolve(asked, *range->total);
    first = resolved.start;
    count = resolved.count;
  } else if (asked.suffix || asked.length == ByteRange::kToEnd) {
    return "its Content-Range '" + shown + "' states no object size, which this range needs";
  }
  if (range->first != first || (count != ByteRange::kToEnd && sent != count)) {
    return "it sent bytes " + std::to_string(range->first) + "-" + std::to_string(range->last) +
           " (Content-Range '" + shown + "') for a request of " + std::to_string(count) +
           " bytes from " + std::to_string(first);
  }
  return "";
}

// The most bytes an answer to a read can validly carry: the caller's bound, the buffers it
// fills, and for a range what the range can hold (a server that ignores the range and sends
// the whole object is accepted up to the range's end, which is all the read needs).
std::uint64_t BodyBound(const ReadOptions& options) {
  std::uint64_t bound = options.max_bytes;
  if (!options.into.empty()) bound = std::min(bound, store::WantedBytes(options));
  if (options.range.suffix) {
    bound = std::min(bound, options.range.length);
  } else if (options.range.length != ByteRange::kToEnd &&
             options.range.offset <= UINT64_MAX - options.range.length) {
    bound = std::min(bound, options.range.offset + options.range.length);
  }
  return bound;
}

// The "Range:" header for a range, or "" for the whole object.
std::string RangeHeader(const ByteRange& range) {
  if (range.IsWhole()) return "";
  if (range.suffix) return "Range: bytes=-" + std::to_string(range.length);
  std::string header = "Range: bytes=" + std::to_string(range.offset) + "-";
  if (range.length != ByteRange::kToEnd && range.length > 0) {
    header += std::to_string(range.offset + range.length - 1);
  }
  return header;
}

bool IsTransient(long status) {
  return status == 0 || status == 408 || status == 429 || status >= 500;
}

// See ProblemOf.
std::string UnscrubbedProblemOf(const HttpResponse& response) {
  if (response.status == 0) return "connection failed: " + response.transport_error;
  std::string problem = "HTTP " + std::to_string(response.status);
  const std::string body(reinterpret_cast<const char*>(response.body.data()),
                         std::min<std::size_t>(response.body.size(), 2048));
  const auto code = body.find("<Code>");
  const auto code_end = body.find("</Code>");
  if (code != std::string::npos && code_end != std::string::npos && code_end > code) {
    return problem + " " + body.substr(code + 6, std::min<std::size_t>(200, code_end - code - 6));
  }
  const auto message = body.find("\"message\"");
  if (message != std::string::npos) {
    return problem + " " + body.substr(message, std::min<std::size_t>(200, body.size() - message));
  }
  return problem;
}

// The service's short name for an error ("SlowDown", "NoSuchBucket") or the start of its
// message, with anything that looks like a credential scrubbed out (servers may echo headers).
std::string ProblemOf(const HttpResponse& response, const store::SecretScrubber& scrub) {
  return scrub(UnscrubbedProblemOf(response));
}

// S3's name for a conditional write that raced another one.
bool IsConditionalConflict(const std::string& problem) {
  return problem.find("ConditionalRequestConflict") != std::string::npos;
}

}  // namespace

bool ObjectClient::TokenExpired(const HttpResponse& response, const Signing& signing) {
  if (signing.token) return response.status == 401;  // GCS: the access token is no longer good
  if (!signing.credentials || (response.status != 400 && response.status != 403)) return false;
  // S3: the session token it was signed with has expired.
  const std::string problem = UnscrubbedProblemOf(response);
  return problem.find("ExpiredToken") != std::string::npos ||
         problem.find("TokenRefreshRequired") != std::string::npos;
}

ObjectClient::ObjectClient(ObjectClientOptions options)
    : options_(std::move(options)), client_(ClientOptions(options_)) {
  if (options_.service == Service::kGcs) {
    const std::string bucket = PercentEncode(options_.bucket, false);
    buckets_url_ = Endpoint(options_) + "/storage/v1/b";
    bucket_url_ = buckets_url_ + "/" + bucket + "/o";
    base_url_ = bucket_url_ + "/";
    upload_url_ = Endpoint(options_) + "/upload/storage/v1/b/" + bucket + "/o";
  } else {
    bucket_url_ = S3BucketUrl(options_);
    base_url_ = bucket_url_.ends_with('/') ? bucket_url_ : bucket_url_ + "/";
  }
}

ObjectClient::Signing ObjectClient::CurrentSigning() const {
  Signing signing;
  if (options_.service == Service::kS3 && options_.aws_credentials != nullptr) {
    signing.credentials = options_.aws_credentials->Get();
  }
  if (options_.service == Service::kGcs && options_.gcs_credentials != nullptr) {
    signing.token = options_.gcs_credentials->Get();
  }
  // Error answers may echo request headers: the token, whatever its header's name.
  if (signing.credentials) {
    signing.scrub = store::SecretScrubber(
        {signing.credentials->secret_access_key, signing.credentials->session_token});
  } else if (signing.token) {
    signing.scrub = store::SecretScrubber({signing.token->token});
  }
  return signing;
}

void ObjectClient::Sign(HttpRequest& request, const Signing& signing,
                        const char* payload_hash) const {
  if (const auto& token = signing.token) {
    request.headers.push_back("Authorization: Bearer " + token->token);
  }
  if (const auto& credentials = signing.credentials) {
    request.headers.push_back(std::string("x-amz-content-sha256: ") + payload_hash);
    if (!credentials->session_token.empty()) {
      request.headers.push_back("x-amz-security-token: " + credentials->session_token);
    }
    const std::string region = options_.region.empty() ? "us-east-1" : options_.region;
    request.aws_sigv4 = "aws:amz:" + region + ":s3";
    request.user_password = credentials->access_key_id + ":" + credentials->secret_access_key;
  }
}

HttpRequest ObjectClient::RequestFor(const std::string& object, const ReadOptions& options,
                                     const Signing& signing) const {
  HttpRequest request;
  request.into = options.into;
  request.max_body_bytes = BodyBound(options);
  const bool gcs = options_.service == Service::kGcs;
  request.url = base_url_ + PercentEncode(object, /*keep_slashes=*/!gcs);
  if (gcs) {
    request.url += "?alt=media";
    if (!options.unless_generation.empty()) {
      request.url += "&ifGenerationNotMatch=" + options.unless_generation;
    }
  } else {
    if (!options.unless_generation.empty()) {
      request.headers.push_back("If-None-Match: " + options.unless_generation);
    }
  }
  if (const std::string range = RangeHeader(options.range); !range.empty()) {
    request.headers.push_back(range);
  }
  Sign(request, signing, kEmptyPayloadHash);
  return request;
}

std::optional<ReadResult> ObjectClient::Interpret(const std::string& object,
                                                  const ReadOptions& options,
                                                  HttpResponse& response,
                                                  const store::SecretScrubber& scrub) const {
  const bool gcs = options_.service == Service::kGcs;
  const std::string where = Where(object);
  ReadResult result;
  if (response.too_large) {
    if (options.range.IsWhole()) {
      throw CorruptChunkError("'" + where + "' holds more than the " +
                              std::to_string(BodyBound(options)) +
                              " bytes this read can validly use; the read was stopped there");
    }
    throw StorageError("cannot read '" + where + "': the server answered a byte range with more " +
                       "than the " + std::to_string(BodyBound(options)) +
                       " bytes the range can hold (did it ignore the range?); the read was " +
                       "stopped there");
  }
  const std::string generation_header = gcs ? "x-goog-generation" : "etag";
  switch (response.status) {
    case 200:
      break;
    case 206:
      if (options.range.IsWhole()) {
        throw StorageError("cannot read '" + where +
                           "': the server answered a whole-object read with part of it (206)");
      }
      if (const std::string mismatch = ContentRangeMismatch(
              options.range, response.Header("content-range"), response.body_bytes);
          !mismatch.empty()) {
        throw StorageError("cannot read '" + where + "': the server's 206 answer is not the " +
                           "byte range asked for: " + mismatch);
      }
      break;
    case 304: {
      // Only an answer to the condition this read sent, about the version it named.
      const std::string answered_for = response.Header(generation_header);
      if (options.unless_generation.empty() ||
          (!answered_for.empty() && answered_for != options.unless_generation)) {
        throw StorageError("cannot read '" + where + "': the server answered 304 Not Modified " +
                           (options.unless_generation.empty()
                                ? std::string("to a read that sent no condition")
                                : "for version " + answered_for + " when asked about " +
                                      options.unless_generation));
      }
      result.status = ReadResult::Status::kUnchanged;
      result.generation = options.unless_generation;
      return result;
    }
    case 404:
      if (ProblemOf(response, scrub).find("NoSuchBucket") != std::string::npos) {
        throw NotFoundError("cannot read '" + where + "': the bucket does not exist");
      }
      return result;  // kMissing
    case 416: {       // the range starts at or past the object's end: no bytes
      result.status = ReadResult::Status::kValue;
      result.generation = response.Header(generation_header);
      result.object_size = TotalFromContentRange(response.Header("content-range"));
      return result;
    }
    case 401:
    case 403:
      throw PermissionDeniedError("cannot read '" + where + "': " + ProblemOf(response, scrub) +
                                  " (check the credentials and their permissions)");
    default:
      if (IsTransient(response.status)) return std::nullopt;
      throw StorageError("cannot read '" + where + "': " + ProblemOf(response, scrub));
  }
  result.generation = response.Header(generation_header);
  if (!options.unless_generation.empty() && result.generation == options.unless_generation) {
    // An unchanged object sent anyway (an emulator that ignores the precondition).
    result.status = ReadResult::Status::kUnchanged;
    return result;
  }
  result.status = ReadResult::Status::kValue;
  result.size = response.body_bytes;
  if (response.status == 206) {
    result.object_size = TotalFromContentRange(response.Header("content-range"));
  } else {
    result.object_size = response.body_bytes;
    if (!options.range.IsWhole()) {  // the server sent the whole object: take the range
      const auto resolved = store::Resolve(options.range, response.body_bytes);
      if (!options.into.empty() && resolved.start != 0) {
        throw StorageError("cannot read '" + where +
                           "': the server ignored the byte range asked for");
      }
      result.size = resolved.count;
      if (options.into.empty()) response.body = response.body.Slice(resolved.start, resolved.count);
    }
  }
  if (options.into.empty()) result.value = std::move(response.body);
  return result;
}

ReadResult ObjectClient::Read(const std::string& object, const ReadOptions& options) {
  return std::move(ReadEach(object, std::span(&options, 1)).front());
}

std::vector<ReadResult> ObjectClient::ReadEach(const std::string& object,
                                               std::span<const ReadOptions> reads) {
  std::vector<ReadResult> results(reads.size());
  std::vector<std::size_t> pending(reads.size());
  for (std::size_t i = 0; i < pending.size(); ++i) pending[i] = i;
  bool refreshed = false;  // credentials fetched again after the service said they expired
  for (int tried = 1;; ++tried) {
    const Signing signing = CurrentSigning();
    std::vector<HttpRequest> requests;
    requests.reserve(pending.size());
    for (const std::size_t i : pending) requests.push_back(RequestFor(object, reads[i], signing));
    std::vector<HttpResponse> responses = client_.Send(requests);
    std::vector<std::size_t> again;
    std::string problem;
    bool expired = false;
    for (std::size_t k = 0; k < pending.size(); ++k) {
      const std::size_t i = pending[k];
      if (!refreshed && TokenExpired(responses[k], signing)) {
        expired = true;
        again.push_back(i);
      } else if (auto result = Interpret(object, reads[i], responses[k], signing.scrub)) {
        results[i] = std::move(*result);
      } else {
        again.push_back(i);
        problem = ProblemOf(responses[k], signing.scrub);
      }
    }
    if (again.empty()) return results;
    if (expired) {  // once: fresh credentials, the same reads again, no attempt counted
      if (signing.credentials) options_.aws_credentials->Invalidate(*signing.credentials);
      if (signing.token) options_.gcs_credentials->Invalidate(*signing.token);
      refreshed = true;
      --tried;
      pending = std::move(again);
      continue;
    }
    const std::string where = options_.bucket + "/" + object;
    if (tried >= options_.max_attempts) {
      throw StorageError("cannot read '" + where + "': " + problem + " (gave up after " +
                         std::to_string(tried) + " attempts)");
    }
    store::WaitBeforeRetry(tried, options_.max_attempts, "read", where, problem);
    pending = std::move(again);
  }
}

std::vector<HttpResponse> ObjectClient::SendAllSigned(
    std::size_t count, const std::function<HttpRequest(std::size_t)>& build,
    const char* payload_hash, const char* action, const std::string& where) {
  std::vector<HttpResponse> responses(count);
  std::vector<std::size_t> pending(count);
  for (std::size_t i = 0; i < count; ++i) pending[i] = i;
  bool refreshed = false;
  for (int tried = 1; !pending.empty(); ++tried) {
    const Signing signing = CurrentSigning();
    std::vector<HttpRequest> requests;
    requests.reserve(pending.size());
    for (const std::size_t i : pending) {
      requests.push_back(build(i));
      Sign(requests.back(), signing, payload_hash);
    }
    std::vector<HttpResponse> answers = client_.Send(requests);
    std::vector<std::size_t> again;
    bool expired = false;
    std::string problem;
    for (std::size_t k = 0; k < pending.size(); ++k) {
      const std::size_t i = pending[k];
      const bool token_expired = !refreshed && TokenExpired(answers[k], signing);
      const bool transient = IsTransient(answers[k].status) && tried < options_.max_attempts;
      if (token_expired || transient) again.push_back(i);
      if (token_expired) expired = true;
      if (transient && !token_expired) problem = ProblemOf(answers[k], signing.scrub);
      responses[i] = std::move(answers[k]);
    }
    if (again.empty()) break;
    if (expired) {  // once: fresh credentials, the same requests again, no attempt counted
      if (signing.credentials) options_.aws_credentials->Invalidate(*signing.credentials);
      if (signing.token) options_.gcs_credentials->Invalidate(*signing.token);
      refreshed = true;
      --tried;
    } else {
      store::WaitBeforeRetry(tried, options_.max_attempts, action, where, problem);
    }
    pending = std::move(again);
  }
  return responses;
}

HttpResponse ObjectClient::SendSigned(const std::function<HttpRequest()>& build,
                                      const char* payload_hash, const char* action,
                                      const std::string& where) {
  return std::move(SendAllSigned(
                       1, [&](std::size_t) { return build(); }, payload_hash, action, where)
                       .front());
}

[[noreturn]] void ObjectClient::Refuse(const char* action, const std::string& where,
                                       const HttpResponse& response) const {
  const std::string problem = ProblemOf(response, CurrentSigning().scrub);
  const std::string what = std::string("cannot ") + action + " '" + where + "': " + problem;
  if (response.status == 401 || response.status == 403) {
    throw PermissionDeniedError(what + " (check the credentials and their permissions)");
  }
  if (response.status == 404) throw NotFoundError(what);
  throw StorageError(what);
}

HttpRequest ObjectClient::ObjectRequest(const char* method, const std::string& object) const {
  HttpRequest request;
  request.method = method;
  const bool gcs = options_.service == Service::kGcs;
  request.url = base_url_ + PercentEncode(object, /*keep_slashes=*/!gcs);
  return request;
}

void ObjectClient::AddCondition(HttpRequest& request, const WriteCondition& condition) const {
  if (!condition.if_absent && condition.if_generation.empty()) return;
  if (options_.service == Service::kGcs) {
    request.url += "&ifGenerationMatch=" +
                   (condition.if_absent ? "0" : PercentEncode(condition.if_generation, false));
  } else {
    request.headers.push_back(condition.if_absent ? "If-None-Match: *"
                                                  : "If-Match: " + condition.if_generation);
  }
}

void ObjectClient::CheckCondition(const std::string& where, const HttpResponse& response,
                                  const WriteCondition& condition) const {
  // 412; S3 answers 409 ConditionalRequestConflict to a write racing another conditional one,
  // and 404 NoSuchKey to If-Match where the object is gone.
  if (response.status == 412 || (response.status == 404 && !condition.if_generation.empty()) ||
      (response.status == 409 &&
       IsConditionalConflict(ProblemOf(response, store::SecretScrubber())))) {
    throw PreconditionFailedError("cannot write '" + where +
                                  "': another writer changed it since it was read");
  }
}

std::string ObjectClient::Put(const std::string& object,
                              std::span<const std::span<const std::byte>> parts,
                              const WriteCondition& condition) {
  std::uint64_t size = 0;
  for (const auto& part : parts) size += part.size();
  if (options_.service == Service::kS3 && size > kLargestPut) {
    return PutInParts(object, parts, condition);
  }
  return PutInOneRequest(object, parts, condition);
}

std::string ObjectClient::PutInOneRequest(const std::string& object,
                                          std::span<const std::span<const std::byte>> parts,
                                          const WriteCondition& condition) {
  const bool gcs = options_.service == Service::kGcs;
  const std::string where = Where(object);
  // GCS: a multipart upload (the object's metadata, then its bytes, in one request), which
  // every server holds to ifGenerationMatch (fake-gcs-server ignores it on media uploads).
  const gcs::MultipartUpload multipart =
      gcs ? gcs::MultipartUpload(object, parts) : gcs::MultipartUpload();
  const HttpResponse response = SendSigned(
      [&] {
        HttpRequest request;
        if (gcs) {
          request.method = "POST";
          request.url = upload_url_ + "?uploadType=multipart";
          request.upload = multipart.body();
          request.headers.push_back(multipart.content_type());
        } else {
          request = ObjectRequest("PUT", object);
          request.upload = parts;
          request.headers.push_back("Content-Type: application/octet-stream");
        }
        // (No "Expect:" to skip 100-continue: curl 7.88 signs that empty header, then drops it.)
        AddCondition(request, condition);
        return request;
      },
      "UNSIGNED-PAYLOAD", "write", where);
  CheckCondition(where, response, condition);
  if (response.status != 200) Refuse("write", where, response);
  return gcs ? gcs::GenerationOf(response.BodyText()) : response.Header("etag");
}

std::string ObjectClient::PutInParts(const std::string& object,
                                     std::span<const std::span<const std::byte>> parts,
                                     const WriteCondition& condition) {
  const std::string where = Where(object);
  // kPartBytes parts, larger ones past kMostParts of them (S3 takes no more).
  std::uint64_t size = 0;
  for (const auto& part : parts) size += part.size();
  const std::uint64_t part_bytes = std::max(kPartBytes, (size + kMostParts - 1) / kMostParts);
  // Each part of the upload as the slices of `parts` it covers.
  std::vector<std::vector<std::span<const std::byte>>> pieces(1);
  std::uint64_t filled = 0;
  for (std::span<const std::byte> part : parts) {
    while (!part.empty()) {
      if (filled == part_bytes) {
        pieces.emplace_back();
        filled = 0;
      }
      const auto take =
          static_cast<std::size_t>(std::min<std::uint64_t>(part.size(), part_bytes - filled));
      pieces.back().push_back(part.first(take));
      part = part.subspan(take);
      filled += take;
    }
  }
  const HttpResponse created = SendSigned(
      [&] {
        HttpRequest request = ObjectRequest("POST", object);
        request.url += "?uploads=";
        return request;
      },
      kEmptyPayloadHash, "write", where);
  const std::optional<std::string> upload_id =
      created.status == 200 ? aws::FirstElement(created.BodyText(), "UploadId") : std::nullopt;
  if (created.status != 200) Refuse("write", where, created);
  if (!upload_id || upload_id->empty()) {
    throw StorageError("cannot write '" + where + "': the server began no multipart upload");
  }
  const std::string upload_query = "uploadId=" + PercentEncode(*upload_id, false);
  // A failure past this point aborts the upload, so no part lingers (and costs) in the bucket.
  const auto abort_upload = [&] {
    (void)SendSigned(
        [&] {
          HttpRequest request = ObjectRequest("DELETE", object);
          request.url += "?" + upload_query;
          return request;
        },
        kEmptyPayloadHash, "abort the upload of", where);
  };
  try {
    std::vector<std::string> etags(pieces.size());
    for (std::size_t first = 0; first < pieces.size(); first += kPartsInFlight) {
      const std::size_t count = std::min(kPartsInFlight, pieces.size() - first);
      const std::vector<HttpResponse> uploaded = SendAllSigned(
          count,
          [&](std::size_t k) {
            HttpRequest request = ObjectRequest("PUT", object);
            request.url += "?partNumber=" + std::to_string(first + k + 1) + "&" + upload_query;
            request.upload = pieces[first + k];
            return request;
          },
          "UNSIGNED-PAYLOAD", "write", where);
      for (std::size_t k = 0; k < count; ++k) {
        if (uploaded[k].status != 200) Refuse("write", where, uploaded[k]);
        etags[first + k] = uploaded[k].Header("etag");
        if (etags[first + k].empty()) {
          throw StorageError("cannot write '" + where + "': the server named no ETag for part " +
                             std::to_string(first + k + 1));
        }
      }
    }
    const std::string completion = aws::CompleteMultipartBody(etags);
    const HttpResponse completed = SendSigned(
        [&] {
          HttpRequest request = ObjectRequest("POST", object);
          request.url += "?" + upload_query;
          request.body = completion;
          request.headers.push_back("Content-Type: application/xml");
          AddCondition(request, condition);  // the object appears (or not) here
          return request;
        },
        "UNSIGNED-PAYLOAD", "write", where);
    CheckCondition(where, completed, condition);
    // S3 may answer 200 and then report the failure in the body.
    const std::string answer = completed.BodyText();
    if (completed.status != 200 || answer.find("<Error>") != std::string::npos) {
      Refuse("write", where, completed);
    }
    const std::string etag = aws::FirstElement(answer, "ETag").value_or("");
    return etag.empty() ? completed.Header("etag") : etag;
  } catch (...) {
    try {
      abort_upload();
    } catch (const Error&) {  // the failure that got us here is the one to report
    }
    throw;
  }
}

void ObjectClient::Delete(const std::string& object) {
  const std::string where = Where(object);
  const HttpResponse response = SendSigned([&] { return ObjectRequest("DELETE", object); },
                                           kEmptyPayloadHash, "delete", where);
  // A missing object (S3 answers 204 anyway, some servers 404) is not an error.
  if (response.status == 204 || response.status == 200 || response.status == 404) return;
  Refuse("delete", where, response);
}

void ObjectClient::DeleteEach(std::span<const std::string> objects) {
  if (options_.service == Service::kGcs) {
    for (std::size_t first = 0; first < objects.size(); first += kGcsDeletesInFlight) {
      const std::size_t count = std::min(kGcsDeletesInFlight, objects.size() - first);
      const std::vector<HttpResponse> answers = SendAllSigned(
          count, [&](std::size_t k) { return ObjectRequest("DELETE", objects[first + k]); },
          kEmptyPayloadHash, "delete", Where(objects[first]));
      for (std::size_t k = 0; k < count; ++k) {
        const long status = answers[k].status;
        if (status != 204 && status != 200 && status != 404) {
          Refuse("delete", Where(objects[first + k]), answers[k]);
        }
      }
    }
    return;
  }
  for (std::size_t first = 0; first < objects.size(); first += kDeletesPerBatch) {
    const auto batch = objects.subspan(first, std::min(kDeletesPerBatch, objects.size() - first));
    const std::string body = aws::DeleteObjectsBody(batch);
    const std::string where = Where(batch.front());
    const HttpResponse response = SendSigned(
        [&] {
          HttpRequest request;
          request.method = "POST";
          request.url = bucket_url_ + "?delete=";
          request.body = body;
          request.headers.push_back("Content-MD5: " + aws::ContentMd5(body));
          request.headers.push_back("Content-Type: application/xml");
          return request;
        },
        "UNSIGNED-PAYLOAD", "delete", where);
    if (response.status != 200) Refuse("delete", where, response);
    const std::vector<std::string> failures = aws::DeleteFailures(response.BodyText());
    if (!failures.empty()) {
      throw StorageError("cannot delete " + std::to_string(failures.size()) + " of " +
                         std::to_string(batch.size()) + " objects in '" + options_.bucket +
                         "', the first " + CurrentSigning().scrub(failures.front()));
    }
  }
}

void ObjectClient::ListPages(const std::string& prefix, bool delimited,
                             const std::function<void(store::ListPage&)>& take) {
  const bool gcs = options_.service == Service::kGcs;
  const std::string where = Where(prefix);
  std::string token;
  do {
    // S3's query is signed as written (curl 7.88 does not sort it): parameters in order.
    const HttpResponse response = SendSigned(
        [&] {
          HttpRequest request;
          std::string query;
          if (gcs) {
            query = "?prefix=" + PercentEncode(prefix, false) +
                    "&fields=items(name,size),prefixes,nextPageToken";
            if (delimited) query += "&delimiter=%2F";
            if (!token.empty()) query += "&pageToken=" + PercentEncode(token, false);
          } else {
            if (!token.empty()) query += "continuation-token=" + PercentEncode(token, false) + "&";
            if (delimited) query += "delimiter=%2F&";
            query = "?" + query + "list-type=2&prefix=" + PercentEncode(prefix, false);
          }
          request.url = bucket_url_ + query;
          return request;
        },
        kEmptyPayloadHash, "list", where);
    if (response.status != 200) Refuse("list", where, response);
    store::ListPage page =
        gcs ? gcs::ParseListPage(response.BodyText()) : aws::ParseListPage(response.BodyText());
    token = page.next_token;
    take(page);
  } while (!token.empty());
}

std::vector<ObjectSize> ObjectClient::ListAll(const std::string& prefix) {
  std::vector<ObjectSize> objects;
  ListPages(prefix, /*delimited=*/false, [&](store::ListPage& page) {
    for (auto& object : page.objects) {
      if (object.key.starts_with(prefix)) objects.push_back(std::move(object));
    }
  });
  std::sort(objects.begin(), objects.end(),
            [](const ObjectSize& a, const ObjectSize& b) { return a.key < b.key; });
  return objects;
}

Store::FolderListing ObjectClient::ListFolder(const std::string& folder) {
  Store::FolderListing listing;
  ListPages(folder, /*delimited=*/true, [&](store::ListPage& page) {
    for (auto& object : page.objects) {
      if (object.key.starts_with(folder) && object.key.size() > folder.size()) {
        listing.keys.push_back(std::move(object.key));
      }
    }
    for (auto& name : page.prefixes) {
      if (!name.starts_with(folder) || !name.ends_with('/')) continue;
      name.pop_back();
      if (name.size() > folder.size()) listing.folders.push_back(std::move(name));
    }
  });
  std::sort(listing.keys.begin(), listing.keys.end());
  std::sort(listing.folders.begin(), listing.folders.end());
  return listing;
}

void ObjectClient::CreateBucket(const std::string& project_id) {
  const bool gcs = options_.service == Service::kGcs;
  const std::string where = options_.bucket;
  const std::string region = options_.region.empty() ? "us-east-1" : options_.region;
  const HttpResponse response = SendSigned(
      [&] {
        HttpRequest request;
        if (gcs) {
          request.method = "POST";
          request.url = buckets_url_ + "?project=" + PercentEncode(project_id, false);
          request.body = nlohmann::json{{"name", options_.bucket}}.dump();
          request.headers.push_back("Content-Type: application/json");
        } else {
          request.method = "PUT";
          request.url = bucket_url_;
          if (region != "us-east-1") {  // us-east-1 takes no constraint
            request.body = "<CreateBucketConfiguration><LocationConstraint>" +
                           aws::XmlEscape(region) +
                           "</LocationConstraint></CreateBucketConfiguration>";
          }
        }
        return request;
      },
      "UNSIGNED-PAYLOAD", "create bucket", where);
  // 409: the bucket exists (BucketAlreadyOwnedByYou, or GCS's conflict).
  if (response.status == 200 || response.status == 409) return;
  Refuse("create bucket", where, response);
}

}  // namespace hub::http
