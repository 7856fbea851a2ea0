// A local disk cache of a store's objects: a layer that wraps a store (a cloud bucket, say)
// and keeps what reads bring back, whole objects and byte ranges, in a folder on local disk,
// keyed by object, range and generation. Many processes of one node (a training job's ranks
// and workers) may share one folder: each entry appears whole or not at all, the folder stays
// within its size by evicting the least recently used entries, and an entry is served only
// for the generation the store confirms (a conditional request), or, within the store's
// max_staleness_seconds, for the generation it last confirmed.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "hub/store.h"

namespace hub {

struct DiskCacheOptions {
  static constexpr std::uint64_t kDefaultSizeBytes = std::uint64_t{10} << 30;
  std::string path;                              // the folder, created if missing
  std::uint64_t size_bytes = kDefaultSizeBytes;  // the most the folder holds
  // Which objects these are: stores of different scopes never share entries, even under one
  // folder. Empty: the store's Describe().
  std::string scope;
};

// `store` read through a disk cache at options.path; writes, deletes and listings go to
// `store` (a written object's entries are dropped). InvalidArgumentError for an empty path or
// a zero size, StorageError if the folder cannot be made.
std::shared_ptr<Store> WithDiskCache(std::shared_ptr<Store> store, const DiskCacheOptions& options);

}  // namespace hub
