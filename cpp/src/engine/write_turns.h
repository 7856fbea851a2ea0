// Writers of one object within a process take turns, on every store: two threads patching
// different parts of one chunk must not both read the old chunk and each write back only their
// own part. (Across processes, a store opened with locking adds its own lock, Store::LockKey.)
#pragma once

#include <string>

namespace hub::engine {

// Waits until no other thread of this process holds a turn on `object_key` (keyed like cache
// entries: store, array and object key), then holds it until destroyed. A thread must not
// take a second turn on a key it holds.
class WriteTurn {
 public:
  explicit WriteTurn(std::string object_key);
  ~WriteTurn();
  WriteTurn(const WriteTurn&) = delete;
  WriteTurn& operator=(const WriteTurn&) = delete;

 private:
  std::string key_;
};

}  // namespace hub::engine
