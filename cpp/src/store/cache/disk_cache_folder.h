// The files of a disk cache (hub/disk_cache.h): one folder per object (named by a hash of the
// object's identity), one file per cached range in it, a ledger of the bytes held, and LRU
// eviction by file modification time, all safe for many processes at once.
//
// Layout under the folder given, in its own folder hub_v1-disk-cache/ (eviction walks and
// deletes only there, and only files named as below):
//   ledger                      8 bytes: the bytes the entries hold, kept under an flock
//   ab/abcdef0123456789/whole   the whole object
//                      /b<offset>-<length>, /s<length>   a byte range, a suffix
//                      /confirmed                        the generation last confirmed, and when
// An entry is written to a temporary file in its folder and renamed into place, so a process
// killed while writing leaves a ".tmp-" file that never reads as data (eviction removes it).
// Each entry holds its object's identity, generation and a CRC-32C of the whole: a colliding
// entry reads as a miss, and so does a damaged one read whole (a range of a whole object is
// read alone, and checked by the chunks' own checksums and codecs).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "hub/buffer.h"
#include "hub/store.h"

namespace hub::store {

// What a cache entry holds.
struct CachedRange {
  std::string generation;
  Buffer bytes;                              // the range's bytes
  std::optional<std::uint64_t> object_size;  // the whole object's, where known
};

class DiskCacheFolder {
 public:
  // The cache in folder `root` (in a folder of its own there); StorageError if it cannot be
  // made.
  DiskCacheFolder(std::string root, std::uint64_t size_bytes);

  // Whether reads of `range` can be kept: whole objects, byte ranges and suffixes.
  static bool Keepable(const ByteRange& range);

  // The bytes of `range` of `object` (a store's scope and key), from an entry of exactly that
  // range or else from the whole object's; nullopt if neither is kept intact. Marks the entry
  // used (LRU).
  std::optional<CachedRange> Find(const std::string& object, const ByteRange& range) const;

  // Keeps `bytes` as `range` of `object` at `generation`, evicting the least recently used
  // entries to stay within the size. Best effort: a disk that refuses only costs the entry.
  void Keep(const std::string& object, const ByteRange& range, const CachedRange& entry) const;

  // Drops every entry of `object` (it was written or deleted).
  void Forget(const std::string& object) const;

  // The store said `object` is at `generation` (now): Confirmed answers for that generation
  // until `seconds` have passed, in every process sharing the folder.
  void Confirm(const std::string& object, const std::string& generation) const;
  bool ConfirmedWithin(const std::string& object, const std::string& generation,
                       double seconds) const;

  // The bytes the entries hold, counted afresh from the files.
  std::uint64_t HeldBytes() const;

  std::uint64_t size_bytes() const { return size_bytes_; }

 private:
  std::string ObjectFolder(const std::string& object) const;
  // Counts `bytes` more in the ledger, evicting first if they would not fit.
  void Reserve(std::uint64_t bytes) const;
  // Deletes least recently used entries until the entries hold at most `target` bytes, and
  // temporary files left by killed writers; returns the bytes held after.
  std::uint64_t Evict(std::uint64_t target) const;

  std::string root_;
  std::uint64_t size_bytes_;
};

}  // namespace hub::store
