// SecretScrubber (see secret_scrubber.h).
#include "store/secret_scrubber.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <string_view>

namespace hub::store {
namespace {

constexpr std::string_view kRedacted = "[redacted]";

// Names whose values are credentials, matched without regard to case; the value is what
// follows the name and any separators (=, :, quotes, spaces) up to the next delimiter.
constexpr std::array<std::string_view, 11> kCredentialNames = {
    "signature",     "x-amz-security-token",  "securitytoken", "authorization",
    "credential",    "access_token",          "refresh_token", "private_key",
    "client_secret", "aws_secret_access_key", "assertion"};

std::string Lower(std::string_view text) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower;
}

bool IsSeparator(char c) { return c == '=' || c == ':' || c == '"' || c == '\'' || c == ' '; }

bool EndsValue(char c) {
  return c == '"' || c == '\'' || c == '<' || c == '&' || c == ',' || c == '\n' || c == '\r' ||
         c == '}' || c == ';';
}

// Redacts the value after each credential name in `text`.
void RedactNamedValues(std::string& text) {
  for (const std::string_view name : kCredentialNames) {
    std::size_t from = 0;
    for (;;) {
      const std::string lower = Lower(text);
      const std::size_t found = lower.find(name, from);
      if (found == std::string::npos) break;
      // A name is followed by '=' or ':' when it carries a value ("Signature=...",
      // "x-amz-security-token: ..."); in prose ("SignatureDoesNotMatch") it is not.
      std::size_t start = found + name.size();
      bool assigned = false;
      while (start < text.size() && IsSeparator(text[start])) {
        assigned = assigned || text[start] == '=' || text[start] == ':';
        ++start;
      }
      if (!assigned) {
        from = found + name.size();
        continue;
      }
      std::size_t end = start;
      while (end < text.size() && !EndsValue(text[end])) ++end;
      if (end > start && text.compare(start, end - start, kRedacted) != 0) {
        text.replace(start, end - start, kRedacted);
      }
      from = start + kRedacted.size();
    }
  }
}

}  // namespace

SecretScrubber::SecretScrubber(std::vector<std::string> secrets) {
  for (std::string& secret : secrets) {
    if (!secret.empty()) secrets_.push_back(std::move(secret));
  }
}

std::string SecretScrubber::operator()(std::string text) const {
  for (const std::string& secret : secrets_) {
    for (std::size_t at = text.find(secret); at != std::string::npos;
         at = text.find(secret, at + kRedacted.size())) {
      text.replace(at, secret.size(), kRedacted);
    }
  }
  RedactNamedValues(text);
  return text;
}

}  // namespace hub::store
