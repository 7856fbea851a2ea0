// The key-value storage interface every backend implements, and the built-in backends.
// Keys are `/`-separated relative paths such as "images/c/0/0"; values are whole objects.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "hub/buffer.h"

namespace hub {

// Which bytes of an object a read wants: all of it, `length` bytes from `offset` (fewer at the
// object's end), or its last `length` bytes (all of it if shorter).
struct ByteRange {
  static constexpr std::uint64_t kToEnd = UINT64_MAX;
  std::uint64_t offset = 0;
  std::uint64_t length = kToEnd;
  bool suffix = false;

  static ByteRange Whole() { return {}; }
  static ByteRange Bytes(std::uint64_t offset, std::uint64_t length) {
    return {offset, length, false};
  }
  static ByteRange Suffix(std::uint64_t length) { return {0, length, true}; }
  bool IsWhole() const { return !suffix && offset == 0 && length == kToEnd; }
};

// How to read: the store's one read primitive (Store::Read) takes these options.
struct ReadOptions {
  ByteRange range;
  // When non-empty, the bytes fill these buffers in order (the engine reads stored-verbatim
  // chunks straight into the caller's array) instead of coming back as a Buffer.
  std::span<const std::span<std::byte>> into;
  // The caller knows how many bytes the range holds (the range's length, or the buffers'
  // total) and verifies what it gets (a checksum): a store may then skip asking for the
  // object's size first (S3: one ranged GET instead of a HEAD and a GET).
  bool size_known = false;
  // When non-empty, the object is not read if its generation still equals this one.
  std::string unless_generation;
  // When non-empty, only this version of the object is read: PreconditionFailedError if the
  // object is at another generation (S3's If-Match, GCS's ifGenerationMatch), kMissing if it
  // is gone. A shard's inner chunks are read so, at the generation of the index that placed
  // them, which then needs no request of its own.
  std::string if_generation;
  // With if_generation: the caller has just had the store confirm that generation (it read
  // the object's index), so a cache layer holding that version may answer without asking.
  bool generation_confirmed = false;
  // The most bytes this read may bring back: a store refuses a bigger object or range with
  // CorruptChunkError before reading it (or as soon as a stream passes it), so a hostile or
  // damaged object can never make a read allocate without bound.
  std::uint64_t max_bytes = kNoLimit;
  static constexpr std::uint64_t kNoLimit = UINT64_MAX;
};

// What a read found.
struct ReadResult {
  enum class Status { kMissing, kUnchanged, kValue };
  Status status = Status::kMissing;
  Buffer value;  // kValue, unless read into the caller's buffers
  // kValue: the bytes the range holds in the object. Into buffers, this may be more or fewer
  // than the buffers' total, which is how a reader notices an object of the wrong size.
  std::uint64_t size = 0;
  std::string generation;  // kUnchanged, kValue: names this version of the object; "" unknown
  std::optional<std::uint64_t> object_size;  // the whole object's size, where the store knows

  bool found() const { return status != Status::kMissing; }
};

// What a write requires of the object it replaces (Store::PutPartsIf).
struct WriteCondition {
  bool if_absent = false;     // there is no such object
  std::string if_generation;  // when non-empty: the object is at this generation
};

// What a store can do; the engine chooses how to read and write from it (Store::Features).
struct StoreFeatures {
  // Reads report generations, so the engine may cache what it reads and revalidate it.
  bool generations = false;
  // PutPartsIf holds its conditions atomically, so writers of one shared object (a shard)
  // need no lock: a write over a changed object fails, and its writer reads it again.
  bool conditional_writes = false;
  // Reading many ranges of an object costs about what one read of them all costs, as for a
  // local file: the engine then reads a shard's inner chunks straight into place rather than
  // reading the shard whole and copying each chunk out of it.
  bool cheap_range_reads = false;
  // How many chunk requests are worth keeping in flight at once (0: the engine's threads).
  int preferred_concurrency = 0;
  // How long a cached read may be served without asking the store whether the object changed;
  // 0: every read of a cached object asks (a conditional read).
  double max_staleness_seconds = 0;
};

// Held while a chunk is read, patched and rewritten; released when destroyed.
class KeyLock {
 public:
  virtual ~KeyLock() = default;
};

// One stored object and its size in bytes (as stored: compressed, with checksums).
struct ObjectSize {
  std::string key;
  std::uint64_t bytes = 0;
};

class ObjectReader;

class Store {
 public:
  virtual ~Store() = default;

  // The one read primitive: the bytes `options` names, where it says, unless unchanged.
  // Missing objects are Status::kMissing, not errors.
  virtual ReadResult Read(const std::string& key, const ReadOptions& options) = 0;

  // Several ranges of one object, each into its own buffers (or, with none, returned as a
  // Buffer). A store may coalesce near ranges into one request: the default merges ranges
  // (in offset order) whose gap is at most kCoalesceGapBytes into reads of at most
  // kCoalesceMaxBytes. Every result reports the generation it was read at, so a caller can
  // tell whether the object changed between reads.
  struct RangeRead {
    ByteRange range;
    std::span<const std::span<std::byte>> into;
    std::string if_generation;          // as ReadOptions::if_generation
    bool generation_confirmed = false;  // as ReadOptions::generation_confirmed
  };
  virtual std::vector<ReadResult> ReadRanges(const std::string& key,
                                             std::span<const RangeRead> reads);
  // Independent reads of one object, results in order. The default makes them one after
  // another; a cloud store sends them all at once. ReadRanges' merged reads go through here.
  virtual std::vector<ReadResult> ReadEach(const std::string& key,
                                           std::span<const ReadOptions> reads);
  static constexpr std::uint64_t kCoalesceGapBytes = 64 << 10;
  static constexpr std::uint64_t kCoalesceMaxBytes = 16 << 20;

  // Reads of the one object `key`, for a caller that reads it several times (a shard's index,
  // then its inner chunks). A store that can pin one version keeps it for every read through
  // the reader (a local file stays open); the default forwards each read to this store, and
  // each result names the generation it saw, as ever. The reader must not outlive the store.
  virtual std::unique_ptr<ObjectReader> OpenObject(const std::string& key);

  // What this store can do (none of it, by default).
  virtual StoreFeatures Features() const { return {}; }

  // The whole object, or nullopt if it does not exist; at most `max_bytes` (as for
  // ReadOptions::max_bytes).
  std::optional<Buffer> Get(const std::string& key,
                            std::uint64_t max_bytes = ReadOptions::kNoLimit);

  // Replaces the object with the concatenation of `parts`, atomically: readers see the old or
  // the new bytes, never a mix. Returns the new generation ("" if the store cannot tell).
  // Parts let a chunk and its checksum go out without first being copied together.
  virtual std::string PutParts(const std::string& key,
                               std::span<const std::span<const std::byte>> parts) = 0;

  // PutParts, if `condition` holds when the write lands; PreconditionFailedError if it does
  // not (another writer got there first), and the object is left as that writer left it.
  // Only stores whose Features() say conditional_writes support it (UnsupportedError).
  virtual std::string PutPartsIf(const std::string& key,
                                 std::span<const std::span<const std::byte>> parts,
                                 const WriteCondition& condition);

  std::string Put(const std::string& key, std::span<const std::byte> value) {
    const std::span<const std::byte> parts[] = {value};
    return PutParts(key, parts);
  }

  // Removes the object; removing a missing object is not an error.
  virtual void Delete(const std::string& key) = 0;

  // Removes every object whose key starts with `prefix` + "/", and `prefix` itself.
  virtual void DeletePrefix(const std::string& prefix);

  // Every key under `prefix` (a folder-like path, "" for all), sorted.
  virtual std::vector<std::string> List(const std::string& prefix) = 0;

  // One level of folder `prefix` ("" for the root), like `ls`: the keys directly in it and the
  // paths of its subfolders, each sorted. Stores that list by delimiter answer in requests
  // that do not grow with the objects inside the subfolders; the default filters List.
  struct FolderListing {
    std::vector<std::string> keys;
    std::vector<std::string> folders;
  };
  virtual FolderListing ListFolder(const std::string& prefix);
  // Like List, with each object's size; for `hub_v1 info` and copy progress. The default
  // reads every object; stores that can list sizes override it.
  virtual std::vector<ObjectSize> ListWithSizes(const std::string& prefix);

  // An exclusive lock on `key` across processes, or nullptr (no locking, the default). The
  // engine holds it around each object's read-patch-write: kIfOpenedWithLocking for a chunk
  // (stores opened with locking lock, others do not), kAlways where the object is shared by
  // writers of disjoint chunks (a shard), which every store that can lock locks.
  enum class LockWhen { kIfOpenedWithLocking, kAlways };
  virtual std::unique_ptr<KeyLock> LockKey(const std::string& key,
                                           LockWhen when = LockWhen::kIfOpenedWithLocking);

  // A human-readable location for messages, e.g. "file:///data"; never holds secrets.
  virtual std::string Describe() const = 0;
};

// Reads of one object (see Store::OpenObject).
class ObjectReader {
 public:
  virtual ~ObjectReader() = default;
  virtual ReadResult Read(const ReadOptions& options) = 0;
  virtual std::vector<ReadResult> ReadRanges(std::span<const Store::RangeRead> reads) = 0;
};

// A folder on local disk, created if missing. With `lock_writes`, each chunk write holds an
// flock on a hidden lock file beside the chunk, so processes patching the same chunk take
// turns instead of losing each other's updates.
std::shared_ptr<Store> OpenLocalStore(const std::string& root, bool lock_writes = false);

// A process-local in-memory store, for tests and scratch work.
std::shared_ptr<Store> MakeMemoryStore();

// Throws InvalidArgumentError unless `key` is a clean relative path: non-empty segments,
// no "." or "..", no leading "/", no backslash or control character.
void ValidateKey(const std::string& key);

}  // namespace hub
