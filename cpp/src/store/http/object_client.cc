// ObjectClient: S3 and GCS reads as single HTTP requests (see object_reader.h).
#include "store/http/object_client.h"

#include <algorithm>
#include <cstring>
#include <nlohmann/json.hpp>
#include <optional>

#include "hub/errors.h"
#include "store/cloud_retry.h"
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

std::string BaseUrl(const ObjectClientOptions& options) {
  if (options.service == Service::kGcs) {
    const std::string endpoint = options.endpoint.empty()
                                     ? "https://storage.googleapis.com"
                                     : WithoutTrailingSlashes(options.endpoint);
    return endpoint + "/storage/v1/b/" + PercentEncode(options.bucket, false) + "/o/";
  }
  if (!options.endpoint.empty()) {  // S3-compatible servers: path-style URLs
    return WithoutTrailingSlashes(options.endpoint) + "/" + options.bucket + "/";
  }
  const std::string region = options.region.empty() ? "us-east-1" : options.region;
  if (options.bucket.find('.') == std::string::npos) {
    return "https://" + options.bucket + ".s3." + region + ".amazonaws.com/";
  }
  return "https://s3." + region + ".amazonaws.com/" + options.bucket + "/";
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
    : options_(std::move(options)),
      base_url_(BaseUrl(options_)),
      client_(ClientOptions(options_)) {}

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
  const std::string where = options_.bucket + "/" + object;  // as the Arrow path names it
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

HttpResponse ObjectClient::SendWithRetries(const HttpRequest& request, const std::string& where) {
  for (int tried = 1;; ++tried) {
    HttpResponse response = std::move(client_.Send(std::span(&request, 1)).front());
    if (!IsTransient(response.status) || tried >= options_.max_attempts) return response;
    store::WaitBeforeRetry(tried, options_.max_attempts, "list", where,
                           ProblemOf(response, store::SecretScrubber()));
  }
}

Store::FolderListing ObjectClient::ListGcsFolder(const std::string& folder) {
  const std::string where = options_.bucket + "/" + folder;
  Store::FolderListing listing;
  std::string page_token;
  do {
    HttpRequest request;
    // base_url_ ends in ".../o/": the listing is ".../o?..."
    request.url = base_url_.substr(0, base_url_.size() - 1) +
                  "?delimiter=%2F&prefix=" + PercentEncode(folder, false) +
                  "&fields=items(name),prefixes,nextPageToken";
    if (!page_token.empty()) request.url += "&pageToken=" + PercentEncode(page_token, false);
    const Signing signing = CurrentSigning();
    Sign(request, signing, kEmptyPayloadHash);
    const HttpResponse response = SendWithRetries(request, where);
    if (response.status == 401 || response.status == 403) {
      throw PermissionDeniedError("cannot list '" + where +
                                  "': " + ProblemOf(response, signing.scrub) +
                                  " (check the credentials and their permissions)");
    }
    if (response.status != 200) {
      throw StorageError("cannot list '" + where + "': " + ProblemOf(response, signing.scrub));
    }
    const auto page = nlohmann::json::parse(
        reinterpret_cast<const char*>(response.body.data()),
        reinterpret_cast<const char*>(response.body.data()) + response.body.size(), nullptr,
        /*allow_exceptions=*/false);
    if (!page.is_object()) {
      throw StorageError("cannot list '" + where + "': the answer is not a JSON object");
    }
    for (const auto& item : page.value("items", nlohmann::json::array())) {
      const auto name = item.is_object() ? item.value("name", std::string()) : std::string();
      if (name.starts_with(folder) && name.size() > folder.size()) listing.keys.push_back(name);
    }
    for (const auto& sub : page.value("prefixes", nlohmann::json::array())) {
      std::string name = sub.is_string() ? sub.get<std::string>() : std::string();
      if (!name.starts_with(folder) || !name.ends_with('/')) continue;
      name.pop_back();
      if (name.size() > folder.size()) listing.folders.push_back(std::move(name));
    }
    const auto token = page.find("nextPageToken");
    page_token = token != page.end() && token->is_string() ? token->get<std::string>() : "";
  } while (!page_token.empty());
  std::sort(listing.keys.begin(), listing.keys.end());
  std::sort(listing.folders.begin(), listing.folders.end());
  return listing;
}

HttpResponse ObjectClient::SendSigned(const std::function<HttpRequest()>& build,
                                      const char* payload_hash, const char* action,
                                      const std::string& where) {
  bool refreshed = false;
  for (int tried = 1;; ++tried) {
    const Signing signing = CurrentSigning();
    HttpRequest request = build();
    Sign(request, signing, payload_hash);
    HttpResponse response = std::move(client_.Send(std::span(&request, 1)).front());
    if (!refreshed && TokenExpired(response, signing)) {
      if (signing.credentials) options_.aws_credentials->Invalidate(*signing.credentials);
      if (signing.token) options_.gcs_credentials->Invalidate(*signing.token);
      refreshed = true;
      --tried;
      continue;
    }
    if (!IsTransient(response.status) || tried >= options_.max_attempts) return response;
    store::WaitBeforeRetry(tried, options_.max_attempts, action, where,
                           ProblemOf(response, signing.scrub));
  }
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
  request.url = base_url_ + PercentEncode(object, /*keep_slashes=*/true);
  return request;
}

std::string ObjectClient::Put(const std::string& object,
                              std::span<const std::span<const std::byte>> parts) {
  if (options_.service != Service::kS3) throw UnsupportedError("ObjectClient::Put is S3's");
  const std::string where = options_.bucket + "/" + object;
  const HttpResponse response = SendSigned(
      [&] {
        HttpRequest request = ObjectRequest("PUT", object);
        request.upload = parts;
        // (No "Expect:" to skip 100-continue: curl 7.88 signs that empty header, then drops it.)
        request.headers.push_back("Content-Type: application/octet-stream");
        return request;
      },
      "UNSIGNED-PAYLOAD", "write", where);
  if (response.status != 200) Refuse("write", where, response);
  return response.Header("etag");
}

void ObjectClient::Delete(const std::string& object) {
  if (options_.service != Service::kS3) throw UnsupportedError("ObjectClient::Delete is S3's");
  const std::string where = options_.bucket + "/" + object;
  const HttpResponse response = SendSigned([&] { return ObjectRequest("DELETE", object); },
                                           kEmptyPayloadHash, "delete", where);
  // A missing object (S3 answers 204 anyway, some servers 404) is not an error.
  if (response.status == 204 || response.status == 200 || response.status == 404) return;
  Refuse("delete", where, response);
}

}  // namespace hub::http
