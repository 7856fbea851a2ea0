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

// The result of a conditional read (see Store::ReadIfChanged).
struct ConditionalRead {
  enum class Status { kMissing, kUnchanged, kValue };
  Status status = Status::kMissing;
  Buffer value;            // kValue only
  std::string generation;  // kUnchanged, kValue: names this version; "" if unknown
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

class Store {
 public:
  virtual ~Store() = default;

  // The whole object, or nullopt if it does not exist.
  virtual std::optional<Buffer> Get(const std::string& key) = 0;

  // Bytes [offset, offset + length) of an object (fewer at its end), or nullopt if missing.
  virtual std::optional<Buffer> GetRange(const std::string& key, std::uint64_t offset,
                                         std::uint64_t length) = 0;

  // Scatter read: fills `buffers` in order from the start of the object and returns the
  // object's full size (it may be larger or smaller than the buffers), or nullopt if missing.
  // Lets the engine read stored-verbatim chunks straight into the caller's array.
  virtual std::optional<std::uint64_t> ReadInto(const std::string& key,
                                                std::span<const std::span<std::byte>> buffers);

  // ReadInto for an object the caller expects to fill `buffers` exactly, and whose content
  // the caller verifies (the engine checks the crc32c trailer of verbatim chunks). A store
  // may then skip confirming the size: S3 reads such objects with one ranged GET instead of
  // a HEAD and a GET. Returns the size read (the buffers' total when not confirmed), or
  // nullopt if the object is missing. The default is ReadInto.
  virtual std::optional<std::uint64_t> ReadKnownSize(const std::string& key,
                                                     std::span<const std::span<std::byte>> buffers);

  // Reads the object unless its current generation equals `known_generation` (a token that
  // changes whenever the object is replaced). Caches use it to revalidate cheaply. The default
  // always reads and reports no generation, so nothing is cached for such stores.
  virtual ConditionalRead ReadIfChanged(const std::string& key,
                                        const std::string& known_generation);
  // Whether ReadIfChanged reports generations (so the engine may cache what it reads).
  virtual bool HasGenerations() const { return false; }

  // Replaces the object with the concatenation of `parts`, atomically: readers see the old or
  // the new bytes, never a mix. Returns the new generation ("" if the store cannot tell).
  // Parts let a chunk and its checksum go out without first being copied together.
  virtual std::string PutParts(const std::string& key,
                               std::span<const std::span<const std::byte>> parts) = 0;

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

  // Like List, with each object's size; for `hub_v1 info` and copy progress. The default
  // reads every object; stores that can list sizes override it.
  virtual std::vector<ObjectSize> ListWithSizes(const std::string& prefix);

  virtual bool Exists(const std::string& key) = 0;

  // An exclusive lock on `key` across processes, for stores opened with locking; nullptr
  // (no locking) by default. The engine holds it around each chunk's read-patch-write.
  virtual std::unique_ptr<KeyLock> LockKey(const std::string& key);

  // How many chunk requests are worth keeping in flight at once.
  virtual int PreferredConcurrency() const { return 0; }

  // A human-readable location for messages, e.g. "file:///data"; never holds secrets.
  virtual std::string Describe() const = 0;
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
