// LocalStore: objects as files under a root folder.
// Reads use pread; writes go to a hidden temp file in the same folder and are renamed in place.
// Paths are resolved beneath the root: '..' and symlinks leading outside it are refused.
// Listing and deleting walk folders through descriptors (openat/fstatat/unlinkat relative to
// a folder already open, O_NOFOLLOW), so a folder swapped for a symlink mid-walk is never
// followed out of the root.
#pragma once

#include <chrono>
#include <filesystem>
#include <mutex>
#include <string>
#include <unordered_set>

#include "hub/store.h"

namespace hub {

class LocalStore final : public Store {
 public:
  LocalStore(std::filesystem::path root, bool lock_writes);
  ~LocalStore() override;
  LocalStore(const LocalStore&) = delete;
  LocalStore& operator=(const LocalStore&) = delete;

  ReadResult Read(const std::string& key, const ReadOptions& options) override;
  std::vector<ReadResult> ReadRanges(const std::string& key,
                                     std::span<const RangeRead> reads) override;
  std::unique_ptr<ObjectReader> OpenObject(const std::string& key) override;
  StoreFeatures Features() const override {
    return {.generations = true, .cheap_range_reads = true};
  }
  std::string PutParts(const std::string& key,
                       std::span<const std::span<const std::byte>> parts) override;
  void Delete(const std::string& key) override;
  void DeletePrefix(const std::string& prefix) override;
  std::vector<std::string> List(const std::string& prefix) override;
  std::vector<ObjectSize> ListWithSizes(const std::string& prefix) override;
  FolderListing ListFolder(const std::string& prefix) override;
  std::unique_ptr<KeyLock> LockKey(const std::string& key, LockWhen when) override;
  std::string Describe() const override;

  // Temp and lock files carry these prefixes; listings skip every name starting ".hub_".
  static constexpr std::string_view kHiddenPrefix = ".hub_";
  static constexpr std::string_view kTempPrefix = ".hub_tmp.";
  static constexpr std::string_view kLockPrefix = ".hub_lock.";
  // A temp file this old was left by a writer that died (a live one renames it within
  // seconds); the first write into a folder in each process removes such files.
  static constexpr std::chrono::hours kStaleTempAge{1};

 private:
  std::filesystem::path PathOf(const std::string& key) const;
  // Removes temp files older than kStaleTempAge from the open folder holding `key`, the first
  // time this store writes into that folder.
  void SweepStaleTempFilesOnce(int folder, const std::string& key);

  std::filesystem::path root_;
  int root_fd_ = -1;  // O_PATH descriptor every path is resolved beneath
  bool lock_writes_ = false;
  std::mutex swept_mutex_;
  std::unordered_set<std::string> swept_folders_;
};

}  // namespace hub
