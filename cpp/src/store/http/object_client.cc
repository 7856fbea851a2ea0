// ObjectClient: every operation of the cloud stores, the same for every service; what differs
// on the wire is the dialect's (see object_client.h and object_dialect.h).
#include "store/http/object_client.h"

#include <algorithm>
#include <any>
#include <cstring>
#include <optional>

#include "hub/errors.h"
#include "store/cloud_retry.h"
#include "store/read_range.h"
#include "store/secret_scrubber.h"

namespace hub::http {
namespace {

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

ObjectClient::ObjectClient(ObjectClientOptions options)
    : options_(std::move(options)), dialect_(*options_.dialect), client_(ClientOptions(options_)) {}

HttpRequest ObjectClient::RequestFor(const std::string& object, const ReadOptions& options) const {
  HttpRequest request = dialect_.Read(object, options.unless_generation, options.if_generation);
  request.into = options.into;
  request.max_body_bytes = BodyBound(options);
  if (const std::string range = RangeHeader(options.range); !range.empty()) {
    request.headers.push_back(range);
  }
  return request;
}

std::optional<ReadResult> ObjectClient::Interpret(const std::string& object,
                                                  const ReadOptions& options,
                                                  HttpResponse& response,
                                                  const store::SecretScrubber& scrub) const {
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
  const std::string generation_header = dialect_.GenerationHeader();
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
    case 412:         // the read of one version (if_generation) found another
      throw PreconditionFailedError("cannot read '" + where + "' at version " +
                                    options.if_generation + ": it has changed since");
    case 416: {  // the range starts at or past the object's end: no bytes
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
  // A server that ignores the precondition still names the version it sent.
  store::CheckReadVersion(where, result.generation, options);
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
  const std::string where = Where(object);
  store::SecretScrubber scrub;
  std::vector<HttpResponse> responses = SendAllSigned(
      reads.size(), [&](std::size_t i) { return RequestFor(object, reads[i]); }, "read", where,
      &scrub);
  std::vector<ReadResult> results(reads.size());
  for (std::size_t i = 0; i < reads.size(); ++i) {
    auto result = Interpret(object, reads[i], responses[i], scrub);
    if (!result) {  // still failing after every attempt
      throw StorageError("cannot read '" + where + "': " + ProblemOf(responses[i], scrub) +
                         " (gave up after " + std::to_string(options_.max_attempts) + " attempts)");
    }
    results[i] = std::move(*result);
  }
  return results;
}

std::vector<HttpResponse> ObjectClient::SendAllSigned(
    std::size_t count, const std::function<HttpRequest(std::size_t)>& build, const char* action,
    const std::string& where, store::SecretScrubber* last_scrub) {
  std::vector<HttpResponse> responses(count);
  std::vector<std::size_t> pending(count);
  for (std::size_t i = 0; i < count; ++i) pending[i] = i;
  bool refreshed = false;
  for (int tried = 1; !pending.empty(); ++tried) {
    const std::unique_ptr<RequestSigner> signer = dialect_.CurrentSigner();
    if (last_scrub) *last_scrub = signer->scrub();
    std::vector<HttpRequest> requests;
    requests.reserve(pending.size());
    for (const std::size_t i : pending) {
      requests.push_back(build(i));
      signer->Sign(requests.back());
    }
    std::vector<HttpResponse> answers = client_.Send(requests);
    std::vector<std::size_t> again;
    bool expired = false;
    std::string problem;
    for (std::size_t k = 0; k < pending.size(); ++k) {
      const std::size_t i = pending[k];
      const bool token_expired = !refreshed && signer->Expired(answers[k]);
      const bool transient = IsTransient(answers[k].status) && tried < options_.max_attempts;
      if (token_expired || transient) again.push_back(i);
      if (token_expired) expired = true;
      if (transient && !token_expired) problem = ProblemOf(answers[k], signer->scrub());
      responses[i] = std::move(answers[k]);
    }
    if (again.empty()) break;
    if (expired) {  // once: fresh credentials, the same requests again, no attempt counted
      signer->Invalidate();
      refreshed = true;
      --tried;
    } else {
      store::WaitBeforeRetry(tried, options_.max_attempts, action, where, problem);
    }
    pending = std::move(again);
  }
  return responses;
}

HttpResponse ObjectClient::SendSigned(const std::function<HttpRequest()>& build, const char* action,
                                      const std::string& where) {
  return std::move(SendAllSigned(
                       1, [&](std::size_t) { return build(); }, action, where)
                       .front());
}

[[noreturn]] void ObjectClient::Refuse(const char* action, const std::string& where,
                                       const HttpResponse& response) const {
  const std::string problem = ProblemOf(response, dialect_.CurrentSigner()->scrub());
  const std::string what = std::string("cannot ") + action + " '" + where + "': " + problem;
  if (response.status == 401 || response.status == 403) {
    throw PermissionDeniedError(what + " (check the credentials and their permissions)");
  }
  if (response.status == 404) throw NotFoundError(what);
  throw StorageError(what);
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
  if (size > dialect_.LargestSingleWrite()) return PutInParts(object, parts, condition);
  return PutInOneRequest(object, parts, condition);
}

std::string ObjectClient::PutInOneRequest(const std::string& object,
                                          std::span<const std::span<const std::byte>> parts,
                                          const WriteCondition& condition) {
  const std::string where = Where(object);
  std::any keep;  // what the request's body points into, for as long as it is sent
  const HttpResponse response =
      SendSigned([&] { return dialect_.Write(object, parts, condition, keep); }, "write", where);
  CheckCondition(where, response, condition);
  if (response.status != 200) Refuse("write", where, response);
  return dialect_.WrittenGeneration(response);
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
  const HttpResponse created =
      SendSigned([&] { return dialect_.BeginUpload(object); }, "write", where);
  if (created.status != 200) Refuse("write", where, created);
  const std::string upload_id = dialect_.UploadIdOf(created);
  if (upload_id.empty()) {
    throw StorageError("cannot write '" + where + "': the server began no multipart upload");
  }
  try {
    std::vector<std::string> etags(pieces.size());
    for (std::size_t first = 0; first < pieces.size(); first += kPartsInFlight) {
      const std::size_t count = std::min(kPartsInFlight, pieces.size() - first);
      const std::vector<HttpResponse> uploaded = SendAllSigned(
          count,
          [&](std::size_t k) {
            return dialect_.WritePart(object, upload_id, first + k + 1, pieces[first + k]);
          },
          "write", where);
      for (std::size_t k = 0; k < count; ++k) {
        if (uploaded[k].status != 200) Refuse("write", where, uploaded[k]);
        etags[first + k] = uploaded[k].Header("etag");
        if (etags[first + k].empty()) {
          throw StorageError("cannot write '" + where + "': the server named no ETag for part " +
                             std::to_string(first + k + 1));
        }
      }
    }
    const HttpResponse completed =
        SendSigned([&] { return dialect_.CompleteUpload(object, upload_id, etags, condition); },
                   "write", where);
    CheckCondition(where, completed, condition);
    // S3 may answer 200 and then report the failure in the body.
    if (completed.status != 200 || completed.BodyText().find("<Error>") != std::string::npos) {
      Refuse("write", where, completed);
    }
    return dialect_.WrittenGeneration(completed);
  } catch (...) {
    // Aborted, so no part lingers (and costs) in the bucket; the failure that got here is the
    // one to report.
    try {
      (void)SendSigned([&] { return dialect_.AbortUpload(object, upload_id); },
                       "abort the upload of", where);
    } catch (const Error&) {
    }
    throw;
  }
}

void ObjectClient::Delete(const std::string& object) {
  const std::string where = Where(object);
  const HttpResponse response =
      SendSigned([&] { return dialect_.Delete(object); }, "delete", where);
  // A missing object (S3 answers 204 anyway, some servers 404) is not an error.
  if (response.status == 204 || response.status == 200 || response.status == 404) return;
  Refuse("delete", where, response);
}

void ObjectClient::DeleteEach(std::span<const std::string> objects) {
  if (objects.empty()) return;
  const std::size_t per_request = std::max<std::size_t>(1, dialect_.DeletesPerRequest());
  std::vector<std::span<const std::string>> batches;
  for (std::size_t first = 0; first < objects.size(); first += per_request) {
    batches.push_back(objects.subspan(first, std::min(per_request, objects.size() - first)));
  }
  for (std::size_t first = 0; first < batches.size(); first += kDeletesInFlight) {
    const std::size_t count = std::min(kDeletesInFlight, batches.size() - first);
    const std::vector<HttpResponse> answers = SendAllSigned(
        count,
        [&](std::size_t k) {
          const auto batch = batches[first + k];
          return per_request == 1 ? dialect_.Delete(batch.front()) : dialect_.DeleteMany(batch);
        },
        "delete", Where(batches[first].front()));
    for (std::size_t k = 0; k < count; ++k) {
      const auto batch = batches[first + k];
      const long status = answers[k].status;
      if (per_request == 1) {  // a missing object is not an error
        if (status != 204 && status != 200 && status != 404) {
          Refuse("delete", Where(batch.front()), answers[k]);
        }
        continue;
      }
      if (status != 200) Refuse("delete", Where(batch.front()), answers[k]);
      const std::vector<std::string> failures = dialect_.FailedDeletes(answers[k]);
      if (!failures.empty()) {
        throw StorageError("cannot delete " + std::to_string(failures.size()) + " of " +
                           std::to_string(batch.size()) + " objects in '" + dialect_.bucket() +
                           "', the first " + dialect_.CurrentSigner()->scrub()(failures.front()));
      }
    }
  }
}

void ObjectClient::ListPages(const std::string& prefix, bool delimited,
                             const std::function<void(store::ListPage&)>& take) {
  const std::string where = Where(prefix);
  std::string token;
  do {
    const HttpResponse response =
        SendSigned([&] { return dialect_.ListPage(prefix, delimited, token); }, "list", where);
    if (response.status != 200) Refuse("list", where, response);
    store::ListPage page = dialect_.ParseListPage(response.BodyText());
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
  const std::string where = dialect_.bucket();
  const HttpResponse response =
      SendSigned([&] { return dialect_.CreateBucket(project_id); }, "create bucket", where);
  // 409: the bucket exists (S3's BucketAlreadyOwnedByYou, GCS's conflict).
  if (response.status == 200 || response.status == 409) return;
  Refuse("create bucket", where, response);
}

}  // namespace hub::http
