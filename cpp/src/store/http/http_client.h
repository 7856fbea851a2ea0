// HttpClient: GETs, PUTs and POSTs of objects or documents, DELETEs, over libcurl, many in flight
// on the calling thread (curl's multi interface), with optional hedging of GETs. The cloud stores'
// one transport (http::ObjectClient), and the credential sources' (metadata services, STS, OAuth).
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "hub/buffer.h"

namespace hub::http {

struct HttpRequest {
  std::string url;
  std::string method = "GET";  // "PUT", "POST", "DELETE", ...
  // What a PUT or POST sends: `upload`'s buffers in order, streamed, or where there are none
  // `body` (a form, an XML or JSON document). Requests with a body are never hedged.
  std::string body;
  std::span<const std::span<const std::byte>> upload;
  // Past any proxy the environment names: a machine's own metadata services.
  bool direct = false;
  std::vector<std::string> headers;  // "Name: value"
  // curl's SigV4 signing ("aws:amz:<region>:s3") and "key:secret"; empty: unsigned. The
  // secret never leaves curl: it is not logged, and errors never carry it.
  std::string aws_sigv4;
  std::string user_password;
  // When non-empty, the body fills these buffers in order; bytes past their end are counted
  // (HttpResponse::body_bytes) but not kept.
  std::span<const std::span<std::byte>> into;
  // A successful answer's body (stated or received) longer than this aborts the transfer:
  // HttpResponse::too_large. A hedge of a request that fills buffers keeps at most this many
  // bytes too, so set it to the bytes the request can use.
  std::uint64_t max_body_bytes = UINT64_MAX;
};

struct HttpResponse {
  long status = 0;              // 0: no answer (the connection failed; see transport_error)
  std::string transport_error;  // curl's description when status == 0
  std::map<std::string, std::string> headers;  // names in lower case
  Buffer body;                                 // the body, unless the request named buffers to fill
  std::uint64_t body_bytes = 0;                // the body's length, kept or not
  bool hedged = false;                         // a second, identical request gave this answer
  bool too_large = false;  // the body passed HttpRequest::max_body_bytes; it was dropped
  // The transfer outlived its deadline (HttpClientOptions): a failed connection, status 0.
  bool deadline_passed = false;
  std::string Header(const std::string& lower_case_name) const;
  std::string BodyText() const;  // the body kept, as text
};

struct HttpClientOptions {
  double connect_timeout_seconds = 10;
  // A transfer that receives nothing for this long fails (and is retried by the caller).
  double stall_timeout_seconds = 3;
  // Every transfer has a deadline, so a server that trickles bytes cannot hold a read for
  // hours: deadline_base_seconds plus its bytes (the length the answer states, the buffers it
  // fills, or what has arrived, whichever is most) at min_bytes_per_second. Past it the
  // transfer fails like a dropped connection (and is retried by the caller).
  double deadline_base_seconds = 30;
  double min_bytes_per_second = 256 * 1024;
  // > 0: a request that has not finished after this long (no answer yet, or a body still
  // arriving) gets a second, identical request; the first to finish wins and the other
  // transfer is dropped. A hedge of a request that fills buffers collects its body apart,
  // bounded by the request's max_body_bytes.
  double hedge_after_seconds = 0;
};

class HttpClient {
 public:
  explicit HttpClient(HttpClientOptions options);
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends every request at once and returns when all are answered (or failed), in order.
  std::vector<HttpResponse> Send(std::span<const HttpRequest> requests);

  // Requests sent so far, hedges included, and hedges that answered first.
  std::uint64_t requests_sent() const { return requests_sent_.load(); }
  std::uint64_t hedges_won() const { return hedges_won_.load(); }

 private:
  HttpClientOptions options_;
  std::atomic<std::uint64_t> requests_sent_{0};
  std::atomic<std::uint64_t> hedges_won_{0};
};

// One request, alone, with a short connection timeout and a 10 s deadline, no retries: what
// credential endpoints (metadata services, STS, OAuth) take, which answer at once or never.
HttpResponse SendOnce(HttpRequest request, double connect_timeout_seconds);

// The most bytes of an error answer's body kept (for its message); the rest is not received.
inline constexpr std::uint64_t kMostErrorBodyBytes = 64 << 10;

// "a/b c" -> "a/b%20c": every byte but RFC 3986's unreserved ones (and '/' if kept) escaped.
std::string PercentEncode(const std::string& text, bool keep_slashes);

}  // namespace hub::http
