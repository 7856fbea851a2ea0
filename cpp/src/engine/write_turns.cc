// Per-object write turns (see write_turns.h).
#include "engine/write_turns.h"

#include <pthread.h>

#include <condition_variable>
#include <mutex>
#include <unordered_set>
#include <utility>

namespace hub::engine {
namespace {

struct Turns {
  std::mutex mutex;
  std::condition_variable released;
  std::unordered_set<std::string> held;
};

Turns* g_turns = nullptr;

// A forked child has only the forking thread: turns held by the others will never be given
// back, and the mutex may be locked, so the child starts with no turns held.
void ResetAfterFork() { g_turns = new Turns; }

Turns& TheTurns() {
  static const bool initialised = [] {
    g_turns = new Turns;
    pthread_atfork(nullptr, nullptr, &ResetAfterFork);
    return true;
  }();
  (void)initialised;
  return *g_turns;
}

}  // namespace

WriteTurn::WriteTurn(std::string object_key) : key_(std::move(object_key)) {
  Turns& turns = TheTurns();
  std::unique_lock lock(turns.mutex);
  turns.released.wait(lock, [&] { return !turns.held.contains(key_); });
  turns.held.insert(key_);
}

WriteTurn::~WriteTurn() {
  Turns& turns = TheTurns();
  {
    std::lock_guard lock(turns.mutex);
    turns.held.erase(key_);
  }
  turns.released.notify_all();
}

}  // namespace hub::engine
