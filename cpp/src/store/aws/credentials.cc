// hub::aws::CredentialChain: the first source with credentials, cached until shortly before
// they expire.
#include "store/aws/credentials.h"

#include <ctime>
#include <regex>

#include "hub/errors.h"

namespace hub::aws {

CredentialChain::CredentialChain(std::vector<std::unique_ptr<CredentialSource>> sources)
    : sources_(std::move(sources)) {}

std::optional<Credentials> CredentialChain::Get() {
  const std::lock_guard lock(mutex_);
  const auto fresh = [](const Credentials& credentials) {
    return !credentials.expiration || Clock::now() + kRefreshBefore < *credentials.expiration;
  };
  if (cached_ && fresh(*cached_)) return cached_;
  if (chosen_ != nullptr) {
    // Refreshed early: where the source fails now, credentials not yet expired still sign.
    const bool usable = cached_ && (!cached_->expiration || Clock::now() < *cached_->expiration);
    try {
      if (auto refreshed = chosen_->Fetch()) cached_ = std::move(refreshed);
    } catch (const StorageError&) {
      if (!usable) throw;
    }
    return cached_;
  }
  if (searched_) return std::nullopt;
  for (const auto& source : sources_) {
    if (auto found = source->Fetch()) {
      chosen_ = source.get();
      cached_ = std::move(found);
      return cached_;
    }
  }
  searched_ = true;
  return std::nullopt;
}

void CredentialChain::Invalidate(const Credentials& expired) {
  const std::lock_guard lock(mutex_);
  if (cached_ && cached_->access_key_id == expired.access_key_id &&
      cached_->session_token == expired.session_token) {
    cached_.reset();
  }
}

std::string CredentialChain::source_name() {
  const std::lock_guard lock(mutex_);
  return chosen_ != nullptr ? chosen_->name() : "";
}

std::optional<Clock::time_point> ParseIso8601(const std::string& text) {
  static const std::regex kPattern(
      R"((\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]00:?00))");
  std::smatch parts;
  if (!std::regex_match(text, parts, kPattern)) return std::nullopt;
  std::tm fields{};
  fields.tm_year = std::stoi(parts[1]) - 1900;
  fields.tm_mon = std::stoi(parts[2]) - 1;
  fields.tm_mday = std::stoi(parts[3]);
  fields.tm_hour = std::stoi(parts[4]);
  fields.tm_min = std::stoi(parts[5]);
  fields.tm_sec = std::stoi(parts[6]);
  const std::time_t seconds = timegm(&fields);
  if (seconds == static_cast<std::time_t>(-1)) return std::nullopt;
  return Clock::from_time_t(seconds);
}

}  // namespace hub::aws
