// LRU chunk cache (see chunk_cache.h).
#include "engine/chunk_cache.h"

#include <pthread.h>

#include <future>
#include <list>
#include <mutex>
#include <unordered_map>

namespace hub::engine {

struct ChunkCache::Impl {
  struct Slot {
    std::string key;
    Entry entry;
  };
  mutable std::mutex mutex;
  std::list<Slot> lru;  // most recently used first
  std::unordered_map<std::string, std::list<Slot>::iterator> index;
  std::size_t budget = kDefaultBudget;
  std::size_t used = 0;
  Counters counters;
  std::unordered_map<std::string, std::shared_future<std::shared_ptr<const Buffer>>> loading;

  void Remove(std::list<Slot>::iterator it) {
    used -= it->entry.chunk->size();
    index.erase(it->key);
    lru.erase(it);
  }
  void Evict() {
    while (used > budget && !lru.empty()) Remove(std::prev(lru.end()));
  }
};

namespace {
ChunkCache* g_instance = nullptr;
}  // namespace

ChunkCache::ChunkCache(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

ChunkCache& ChunkCache::Instance() {
  static const bool initialised = [] {
    g_instance = new ChunkCache(std::make_unique<Impl>());
    pthread_atfork(nullptr, nullptr, &ResetAfterFork);
    return true;
  }();
  (void)initialised;
  return *g_instance;
}

void ChunkCache::ResetAfterFork() {
  const std::size_t budget = g_instance->impl_->budget;  // the child has a single thread
  g_instance = new ChunkCache(std::make_unique<Impl>());
  g_instance->impl_->budget = budget;
}

ChunkCache::Entry ChunkCache::Get(const std::string& key) {
  std::lock_guard lock(impl_->mutex);
  auto found = impl_->index.find(key);
  if (found == impl_->index.end()) return {};
  impl_->lru.splice(impl_->lru.begin(), impl_->lru, found->second);
  return found->second->entry;
}

void ChunkCache::Put(const std::string& key, std::shared_ptr<const Buffer> chunk,
                     std::string generation) {
  std::lock_guard lock(impl_->mutex);
  if (auto found = impl_->index.find(key); found != impl_->index.end()) {
    impl_->Remove(found->second);
  }
  if (generation.empty() || chunk->size() > impl_->budget / 4) return;
  const std::size_t size = chunk->size();
  impl_->lru.push_front(Impl::Slot{
      key, Entry{std::move(chunk), std::move(generation), std::chrono::steady_clock::now()}});
  impl_->index[key] = impl_->lru.begin();
  impl_->used += size;
  impl_->Evict();
}

std::shared_ptr<const Buffer> ChunkCache::LoadOnce(
    const std::string& key, const std::function<std::shared_ptr<const Buffer>()>& load) {
  std::promise<std::shared_ptr<const Buffer>> promise;
  std::shared_future<std::shared_ptr<const Buffer>> pending;
  bool leader = false;
  {
    std::lock_guard lock(impl_->mutex);
    if (auto found = impl_->loading.find(key); found != impl_->loading.end()) {
      pending = found->second;
    } else {
      pending = promise.get_future().share();
      impl_->loading.emplace(key, pending);
      leader = true;
    }
  }
  if (!leader) return pending.get();  // rethrows the leader's exception
  auto done = [&] {
    std::lock_guard lock(impl_->mutex);
    impl_->loading.erase(key);
  };
  try {
    auto result = load();
    promise.set_value(result);
    done();
    return result;
  } catch (...) {
    promise.set_exception(std::current_exception());
    done();
    throw;
  }
}

void ChunkCache::Erase(const std::string& key) {
  std::lock_guard lock(impl_->mutex);
  if (auto found = impl_->index.find(key); found != impl_->index.end()) {
    impl_->Remove(found->second);
  }
}

void ChunkCache::MarkChecked(const std::string& key, const std::string& generation) {
  std::lock_guard lock(impl_->mutex);
  if (auto found = impl_->index.find(key);
      found != impl_->index.end() && found->second->entry.generation == generation) {
    found->second->entry.checked_at = std::chrono::steady_clock::now();
  }
}

void ChunkCache::EraseWithPrefix(const std::string& prefix) {
  std::lock_guard lock(impl_->mutex);
  for (auto it = impl_->lru.begin(); it != impl_->lru.end();) {
    auto next = std::next(it);
    if (it->key.starts_with(prefix)) impl_->Remove(it);
    it = next;
  }
}

std::size_t ChunkCache::budget_bytes() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->budget;
}

void ChunkCache::set_budget_bytes(std::size_t bytes) {
  std::lock_guard lock(impl_->mutex);
  impl_->budget = bytes;
  impl_->Evict();
}

void ChunkCache::CountRead(bool served_from_cache) {
  std::lock_guard lock(impl_->mutex);
  ++(served_from_cache ? impl_->counters.hits : impl_->counters.misses);
}

ChunkCache::Counters ChunkCache::counters() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->counters;
}

std::size_t ChunkCache::used_bytes() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->used;
}

}  // namespace hub::engine
