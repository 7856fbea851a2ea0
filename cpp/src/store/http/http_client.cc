// HttpClient over libcurl's multi interface (see http_client.h).
#include "store/http/http_client.h"

#include <curl/curl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <optional>

#include "hub/errors.h"
#include "store/read_range.h"

namespace hub::http {
namespace {

using Clock = std::chrono::steady_clock;

// Each thread keeps one multi handle (its connection cache: connections stay open between
// calls) and its idle easy handles. Per thread, so no lock is needed, and a forked child,
// whose calling thread inherits the parent's handles and their sockets, abandons them.
class ThreadHandles {
 public:
  ~ThreadHandles() {
    if (owner_ != getpid()) return;  // the parent's: its process cleans them up
    for (CURL* easy : idle_) curl_easy_cleanup(easy);
    if (multi_) curl_multi_cleanup(multi_);
  }

  CURLM* multi() {
    AbandonIfForked();
    if (!multi_) multi_ = curl_multi_init();
    if (!multi_) throw StorageError("cannot start an HTTP client (curl_multi_init failed)");
    return multi_;
  }

  CURL* TakeEasy() {
    AbandonIfForked();
    if (!idle_.empty()) {
      CURL* easy = idle_.back();
      idle_.pop_back();
      curl_easy_reset(easy);  // keeps the handle's DNS and TLS session caches
      return easy;
    }
    CURL* easy = curl_easy_init();
    if (!easy) throw StorageError("cannot start an HTTP request (curl_easy_init failed)");
    return easy;
  }

  void GiveBack(CURL* easy) { idle_.push_back(easy); }

 private:
  void AbandonIfForked() {
    if (owner_ == getpid()) return;
    idle_.clear();  // leaked on purpose: cleaning up would talk on the parent's sockets
    multi_ = nullptr;
    owner_ = getpid();
  }

  pid_t owner_ = getpid();
  CURLM* multi_ = nullptr;
  std::vector<CURL*> idle_;
};

ThreadHandles& Handles() {
  thread_local ThreadHandles handles;
  return handles;
}

// The CA certificates for https: the wheel carries Debian's libcurl, whose built-in path
// (/etc/ssl/certs/ca-certificates.crt) other distributions keep elsewhere. SSL_CERT_FILE or
// CURL_CA_BUNDLE wins; else the first bundle found; "" leaves curl's default.
const std::string& CertificateBundle() {
  static const std::string bundle = [] {
    for (const char* variable : {"SSL_CERT_FILE", "CURL_CA_BUNDLE"}) {
      if (const char* path = std::getenv(variable); path && *path) return std::string(path);
    }
    for (const char* path :
         {"/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt",
          "/etc/ssl/ca-bundle.pem", "/etc/ssl/cert.pem"}) {
      if (access(path, R_OK) == 0) return std::string(path);
    }
    return std::string();
  }();
  return bundle;
}

void InitCurlOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
      throw StorageError("cannot initialise libcurl");
    }
  });
}

// One transfer: a request's first try, or its hedge.
struct Transfer {
  CURL* easy = nullptr;
  curl_slist* header_list = nullptr;
  std::size_t request = 0;
  bool is_hedge = false;
  bool answered = false;  // a status line arrived
  long status_line = 0;   // the status it gave
  // Only a successful answer's body is the object; error bodies are short texts, kept apart
  // from the caller's buffers and cut at kMostErrorBodyBytes.
  bool answered_ok() const { return status_line >= 200 && status_line < 300; }
  bool error_body_cut = false;  // the error answer's body was cut (the transfer stopped there)
  HttpResponse response;
  std::span<const std::span<std::byte>> into;  // empty: collect into response.body
  std::uint64_t max_body_bytes = UINT64_MAX;
  // Bytes collected into response.body at most; more are counted, not kept (a hedge of a
  // request that fills buffers keeps what those buffers can hold).
  std::uint64_t collect_limit = UINT64_MAX;
  std::size_t into_buffer = 0;
  std::size_t into_offset = 0;
  std::span<const std::span<const std::byte>> upload;  // a PUT's or POST's body, sent from here
  std::span<const std::byte> body_text;                // HttpRequest::body, as upload's one part
  std::size_t upload_buffer = 0;
  std::size_t upload_offset = 0;
  std::uint64_t upload_bytes = 0;
  Clock::time_point started;
  std::uint64_t stated_bytes = 0;  // the answer's Content-Length
  std::uint64_t wanted_bytes = 0;  // the caller's buffers' total
  char error[CURL_ERROR_SIZE] = {};
};

template <typename Byte>
std::uint64_t TotalBytes(std::span<const std::span<Byte>> buffers) {
  std::uint64_t total = 0;
  for (const auto buffer : buffers) total += buffer.size();
  return total;
}

// curl's read callback: the next bytes of a PUT's body, from its buffers in order.
std::size_t OnUpload(char* out, std::size_t size, std::size_t count, void* data) {
  auto* transfer = static_cast<Transfer*>(data);
  std::size_t room = size * count;
  std::size_t written = 0;
  while (room > 0 && transfer->upload_buffer < transfer->upload.size()) {
    const auto buffer = transfer->upload[transfer->upload_buffer];
    const std::size_t take = std::min(room, buffer.size() - transfer->upload_offset);
    std::memcpy(out + written, buffer.data() + transfer->upload_offset, take);
    written += take;
    room -= take;
    transfer->upload_offset += take;
    if (transfer->upload_offset == buffer.size()) {
      ++transfer->upload_buffer;
      transfer->upload_offset = 0;
    }
  }
  return written;
}

// Appends what fits under `limit` of `data` to `body`, which holds `held` bytes; returns the
// bytes appended.
std::size_t Collect(Buffer& body, std::uint64_t held, std::uint64_t limit, const char* data,
                    std::size_t bytes) {
  const std::size_t kept =
      static_cast<std::size_t>(std::min<std::uint64_t>(bytes, limit - std::min(limit, held)));
  if (kept == 0) return 0;
  const std::uint64_t needed = held + kept;
  if (needed > body.size()) {
    Buffer grown = Buffer::Allocate(static_cast<std::size_t>(
        std::min<std::uint64_t>(limit, std::max(needed, 2 * body.size()))));
    if (held > 0) std::memcpy(grown.data(), body.data(), static_cast<std::size_t>(held));
    body = std::move(grown);
  }
  std::memcpy(body.data() + held, data, kept);
  return kept;
}

// libcurl's callbacks are C: nothing may be thrown through them. Returning a count other than
// the one given aborts the transfer (a failed connection to the caller, retried like one).
std::size_t OnBody(char* data, std::size_t size, std::size_t count, void* user) try {
  auto& transfer = *static_cast<Transfer*>(user);
  const std::size_t bytes = size * count;
  HttpResponse& response = transfer.response;
  if (!transfer.answered_ok()) {  // an error's text: its start is enough for a message
    const std::size_t kept =
        Collect(response.body, response.body_bytes, kMostErrorBodyBytes, data, bytes);
    response.body_bytes += kept;
    if (kept < bytes) {
      transfer.error_body_cut = true;
      return 0;
    }
    return bytes;
  }
  if (response.body_bytes + bytes > transfer.max_body_bytes) {
    response.too_large = true;  // an endless or oversized body: stop receiving it
    return 0;
  }
  if (!transfer.into.empty()) {
    std::size_t taken = 0;
    while (taken < bytes && transfer.into_buffer < transfer.into.size()) {
      const std::span<std::byte> target = transfer.into[transfer.into_buffer];
      const std::size_t n = std::min(bytes - taken, target.size() - transfer.into_offset);
      std::memcpy(target.data() + transfer.into_offset, data + taken, n);
      taken += n;
      transfer.into_offset += n;
      if (transfer.into_offset == target.size()) {
        ++transfer.into_buffer;
        transfer.into_offset = 0;
      }
    }
  } else {
    Collect(response.body, response.body_bytes, transfer.collect_limit, data, bytes);
  }
  response.body_bytes += bytes;
  return bytes;
} catch (...) {
  return 0;
}

std::string Trimmed(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  return std::string(text);
}

// Room reserved up front for a body whose length the answer states: at most this much, so a
// lying length cannot make us reserve memory for bytes that never come.
constexpr std::uint64_t kMostReservedUpFront = std::uint64_t{64} << 20;

std::size_t OnHeader(char* data, std::size_t size, std::size_t count, void* user) try {
  auto& transfer = *static_cast<Transfer*>(user);
  const std::size_t bytes = size * count;
  const std::string_view line(data, bytes);
  if (line.starts_with("HTTP/")) {  // a new response (after a 100 Continue, say)
    transfer.answered = true;
    const auto space = line.find(' ');
    transfer.status_line =
        space == std::string_view::npos ? 0 : std::strtol(line.data() + space + 1, nullptr, 10);
    transfer.response.headers.clear();
    return bytes;
  }
  const auto colon = line.find(':');
  if (colon == std::string_view::npos) return bytes;
  std::string name = Trimmed(line.substr(0, colon));
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  std::string value = Trimmed(line.substr(colon + 1));
  if (name == "content-length" && transfer.response.body_bytes == 0) {
    const std::uint64_t length = std::strtoull(value.c_str(), nullptr, 10);
    transfer.stated_bytes = length;
    if (length > transfer.max_body_bytes && transfer.answered_ok()) {
      transfer.response.too_large = true;  // refused before a byte of it arrives
      return 0;
    }
    const std::uint64_t room =
        transfer.answered_ok()
            ? (transfer.into.empty() ? std::min(transfer.collect_limit, kMostReservedUpFront) : 0)
            : kMostErrorBodyBytes;
    if (std::min(length, room) > 0) {
      transfer.response.body = Buffer::Allocate(static_cast<std::size_t>(std::min(length, room)));
    }
  }
  transfer.response.headers[std::move(name)] = std::move(value);
  return bytes;
} catch (...) {
  return 0;
}

}  // namespace

std::string HttpResponse::Header(const std::string& lower_case_name) const {
  const auto found = headers.find(lower_case_name);
  return found == headers.end() ? std::string() : found->second;
}

std::string HttpResponse::BodyText() const {
  return {reinterpret_cast<const char*>(body.data()), body.size()};
}

HttpResponse SendOnce(HttpRequest request, double connect_timeout_seconds) {
  HttpClientOptions options;
  options.connect_timeout_seconds = connect_timeout_seconds;
  options.deadline_base_seconds = 10;
  HttpClient client(options);
  return std::move(client.Send(std::span(&request, 1)).front());
}

HttpClient::HttpClient(HttpClientOptions options) : options_(std::move(options)) {
  // Checked here too, since a duration past what a clock can hold is undefined behaviour.
  constexpr double kLongestSeconds = 7 * 24 * 3600.0;
  if (!(options_.hedge_after_seconds >= 0 && options_.hedge_after_seconds <= kLongestSeconds) ||
      !(options_.deadline_base_seconds > 0 && options_.deadline_base_seconds <= kLongestSeconds) ||
      !(options_.min_bytes_per_second > 0 && std::isfinite(options_.min_bytes_per_second))) {
    throw InvalidArgumentError(
        "HTTP client options out of range: hedge_after is 0 (off) or up to a week of seconds, "
        "the request timeout more than 0 and up to a week of seconds, the minimum rate a "
        "positive number of bytes per second");
  }
  InitCurlOnce();
}

std::vector<HttpResponse> HttpClient::Send(std::span<const HttpRequest> requests) {
  ThreadHandles& handles = Handles();
  CURLM* multi = handles.multi();
  std::vector<std::unique_ptr<Transfer>> transfers;  // every transfer started, to release
  std::vector<Transfer*> first(requests.size(), nullptr);
  std::vector<Transfer*> hedge(requests.size(), nullptr);
  std::vector<bool> hedge_started(requests.size(), false);
  std::vector<std::optional<HttpResponse>> answers(requests.size());
  std::size_t unanswered = requests.size();

  auto start = [&](std::size_t i, bool is_hedge) {
    auto transfer = std::make_unique<Transfer>();
    transfer->request = i;
    transfer->is_hedge = is_hedge;
    transfer->into = is_hedge ? std::span<const std::span<std::byte>>() : requests[i].into;
    transfer->max_body_bytes = requests[i].max_body_bytes;
    transfer->wanted_bytes = TotalBytes(requests[i].into);
    if (is_hedge && !requests[i].into.empty()) transfer->collect_limit = transfer->wanted_bytes;
    transfer->started = Clock::now();
    CURL* easy = handles.TakeEasy();
    transfer->easy = easy;
    for (const auto& header : requests[i].headers) {
      transfer->header_list = curl_slist_append(transfer->header_list, header.c_str());
    }
    curl_easy_setopt(easy, CURLOPT_URL, requests[i].url.c_str());
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, transfer->header_list);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, OnBody);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, transfer.get());
    curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, OnHeader);
    curl_easy_setopt(easy, CURLOPT_HEADERDATA, transfer.get());
    curl_easy_setopt(easy, CURLOPT_PRIVATE, transfer.get());
    curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, transfer->error);
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
    if (const std::string& bundle = CertificateBundle(); !bundle.empty()) {
      curl_easy_setopt(easy, CURLOPT_CAINFO, bundle.c_str());
    }
    curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(options_.connect_timeout_seconds * 1000));
    curl_easy_setopt(easy, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(easy, CURLOPT_LOW_SPEED_TIME,
                     std::max(1L, static_cast<long>(options_.stall_timeout_seconds)));
    if (requests[i].direct) curl_easy_setopt(easy, CURLOPT_NOPROXY, "*");
    if (requests[i].method == "POST" || requests[i].method == "PUT") {
      // The body streams from the request's buffers, or from its text where it has none.
      transfer->upload = requests[i].upload;
      if (transfer->upload.empty()) {
        transfer->body_text = std::as_bytes(std::span(requests[i].body));
        transfer->upload = std::span(&transfer->body_text, 1);
      }
      transfer->upload_bytes = TotalBytes(transfer->upload);
      const auto size = static_cast<curl_off_t>(transfer->upload_bytes);
      if (requests[i].method == "POST") {
        curl_easy_setopt(easy, CURLOPT_POST, 1L);
        curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, size);
      } else {
        curl_easy_setopt(easy, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(easy, CURLOPT_INFILESIZE_LARGE, size);
      }
      // curl asks "Expect: 100-continue" of a body and waits for the answer (up to a second)
      // before sending it: a round trip per write. The header cannot be taken off where
      // SigV4 signs it (curl 7.88 signs the emptied header, then drops it), so the body goes
      // at once instead, as HTTP/1.1 allows; a server that refuses still answers first.
      curl_easy_setopt(easy, CURLOPT_EXPECT_100_TIMEOUT_MS, 0L);
      curl_easy_setopt(easy, CURLOPT_READFUNCTION, OnUpload);
      curl_easy_setopt(easy, CURLOPT_READDATA, transfer.get());
    } else if (requests[i].method != "GET") {
      curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, requests[i].method.c_str());
    }
    if (!requests[i].aws_sigv4.empty()) {
      curl_easy_setopt(easy, CURLOPT_AWS_SIGV4, requests[i].aws_sigv4.c_str());
      curl_easy_setopt(easy, CURLOPT_USERPWD, requests[i].user_password.c_str());
    }
    (is_hedge ? hedge : first)[i] = transfer.get();
    curl_multi_add_handle(multi, easy);
    ++requests_sent_;
    transfers.push_back(std::move(transfer));
  };
  // Past its deadline: the base time plus its bytes at the least acceptable rate.
  auto past_deadline = [&](Transfer& transfer) {
    const std::uint64_t bytes = std::max({transfer.stated_bytes, transfer.wanted_bytes,
                                          transfer.response.body_bytes, transfer.upload_bytes});
    const double allowed =
        options_.deadline_base_seconds + static_cast<double>(bytes) / options_.min_bytes_per_second;
    const double elapsed = std::chrono::duration<double>(Clock::now() - transfer.started).count();
    if (elapsed <= allowed) return false;
    std::snprintf(transfer.error, sizeof(transfer.error),
                  "no complete answer within its deadline (%.1f s for %llu bytes: %.0f s plus "
                  "%.0f bytes/s)",
                  allowed, static_cast<unsigned long long>(bytes), options_.deadline_base_seconds,
                  options_.min_bytes_per_second);
    return true;
  };
  auto stop = [&](Transfer* transfer) {
    curl_multi_remove_handle(multi, transfer->easy);
    curl_slist_free_all(transfer->header_list);
    transfer->header_list = nullptr;
    handles.GiveBack(transfer->easy);
    transfer->easy = nullptr;
  };
  // A transfer ended: its answer is the request's unless a twin is still trying after a
  // failed connection, in which case the twin gets its chance.
  auto finish = [&](Transfer* transfer, CURLcode code) {
    const std::size_t i = transfer->request;
    Transfer* twin = transfer->is_hedge ? first[i] : hedge[i];
    (transfer->is_hedge ? hedge : first)[i] = nullptr;
    if (code == CURLE_OK) {
      curl_easy_getinfo(transfer->easy, CURLINFO_RESPONSE_CODE, &transfer->response.status);
    } else if (transfer->error_body_cut || transfer->response.too_large) {
      transfer->response.status = transfer->status_line;  // an answer we stopped receiving
    } else {
      transfer->response.status = 0;
      transfer->response.transport_error =
          transfer->error[0] ? transfer->error : curl_easy_strerror(code);
    }
    stop(transfer);
    if (answers[i]) return;
    if (transfer->response.status == 0 && twin) return;  // the twin may still get through
    if (twin) {
      stop(twin);
      (twin->is_hedge ? hedge : first)[i] = nullptr;
    }
    HttpResponse& response = transfer->response;
    if (transfer->is_hedge) {
      response.hedged = true;
      ++hedges_won_;
      if (!requests[i].into.empty() && transfer->answered_ok()) {  // the first try's buffers
        const auto kept = std::min<std::uint64_t>(response.body_bytes, transfer->collect_limit);
        store::CopyIntoBuffers(response.body.span().first(static_cast<std::size_t>(kept)),
                               requests[i].into);
        response.body = Buffer();
      }
    }
    if (requests[i].into.empty() || !transfer->answered_ok()) {
      response.body.Shrink(std::min<std::uint64_t>(response.body_bytes, response.body.size()));
    }
    answers[i] = std::move(response);
    --unanswered;
  };

  try {
    for (std::size_t i = 0; i < requests.size(); ++i) start(i, false);
    const auto began = Clock::now();
    const auto hedge_after = std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double>(options_.hedge_after_seconds));
    while (unanswered > 0) {
      int running = 0;
      curl_multi_perform(multi, &running);
      int queued = 0;
      while (CURLMsg* message = curl_multi_info_read(multi, &queued)) {
        if (message->msg != CURLMSG_DONE) continue;
        Transfer* transfer = nullptr;
        curl_easy_getinfo(message->easy_handle, CURLINFO_PRIVATE, &transfer);
        finish(transfer, message->data.result);
      }
      if (unanswered == 0) break;
      for (auto& transfer : transfers) {
        if (transfer->easy && past_deadline(*transfer)) {
          transfer->response.deadline_passed = true;
          finish(transfer.get(), CURLE_OPERATION_TIMEDOUT);
        }
      }
      if (unanswered == 0) break;
      int wait_ms = 100;
      if (options_.hedge_after_seconds > 0) {
        const auto now = Clock::now();
        if (now - began >= hedge_after) {
          for (std::size_t i = 0; i < requests.size(); ++i) {
            if (!answers[i] && first[i] && !hedge_started[i] && requests[i].method == "GET") {
              hedge_started[i] = true;
              start(i, true);
            }
          }
        } else {
          wait_ms = std::max<int>(
              1, static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                      began + hedge_after - now)
                                      .count()));
          wait_ms = std::min(wait_ms, 100);
        }
      }
      curl_multi_poll(multi, nullptr, 0, wait_ms, nullptr);
    }
  } catch (...) {
    for (auto& transfer : transfers) {
      if (transfer->easy) stop(transfer.get());
    }
    throw;
  }
  std::vector<HttpResponse> responses;
  responses.reserve(requests.size());
  for (auto& answer : answers) responses.push_back(std::move(*answer));
  return responses;
}

std::string PercentEncode(const std::string& text, bool keep_slashes) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string encoded;
  encoded.reserve(text.size());
  for (const unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' ||
        (keep_slashes && c == '/')) {
      encoded.push_back(static_cast<char>(c));
    } else {
      encoded.push_back('%');
      encoded.push_back(kHex[c >> 4]);
      encoded.push_back(kHex[c & 15]);
    }
  }
  return encoded;
}

}  // namespace hub::http
