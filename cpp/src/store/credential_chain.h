// A chain of places credentials may come from, for one cloud: the first that has credentials
// signs every request, and its credentials are fetched again shortly before they expire (and
// at once when the service answers that they expired). AWS's (store/aws/credentials.h) and
// Google's (store/gcs/credentials.h) are both this.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "hub/errors.h"

namespace hub::store {

using Clock = std::chrono::system_clock;

// `Credentials` has `std::optional<Clock::time_point> expiration` (none: they never expire)
// and operator==.
template <typename Credentials>
class CredentialSource {
 public:
  virtual ~CredentialSource() = default;
  // What it is, for messages ("the environment", "IMDSv2 at http://...").
  virtual std::string name() const = 0;
  // Its credentials now; nullopt where it is not configured here (or, for a metadata service,
  // does not answer). StorageError where it is configured but fails.
  virtual std::optional<Credentials> Fetch() = 0;
};

template <typename Credentials>
class CredentialChain {
 public:
  using Sources = std::vector<std::unique_ptr<CredentialSource<Credentials>>>;
  static constexpr std::chrono::minutes kRefreshBefore{5};

  explicit CredentialChain(Sources sources) : sources_(std::move(sources)) {}
  CredentialChain(const CredentialChain&) = delete;
  CredentialChain& operator=(const CredentialChain&) = delete;

  // The credentials to sign with now (nullopt: none anywhere, sign nothing), fetched again
  // where the cached ones expire within kRefreshBefore. Where that fetch fails, credentials
  // not yet expired still sign.
  std::optional<Credentials> Get() {
    const std::lock_guard lock(mutex_);
    if (cached_ && ExpiresAfter(*cached_, kRefreshBefore)) return cached_;
    if (chosen_ != nullptr) {
      const bool usable = cached_ && ExpiresAfter(*cached_, std::chrono::minutes(0));
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

  // Drops the cached credentials if they are still `expired` (the service said so): the next
  // Get fetches new ones. Many requests told at once fetch once.
  void Invalidate(const Credentials& expired) {
    const std::lock_guard lock(mutex_);
    if (cached_ && *cached_ == expired) cached_.reset();
  }

  // The source the credentials come from ("" before the first Get or where none has any).
  std::string source_name() {
    const std::lock_guard lock(mutex_);
    return chosen_ != nullptr ? chosen_->name() : "";
  }

 private:
  static bool ExpiresAfter(const Credentials& credentials, Clock::duration margin) {
    return !credentials.expiration || Clock::now() + margin < *credentials.expiration;
  }

  std::mutex mutex_;
  Sources sources_;
  CredentialSource<Credentials>* chosen_ = nullptr;  // the first source that had credentials
  bool searched_ = false;                            // every source asked, none had any
  std::optional<Credentials> cached_;
};

}  // namespace hub::store
