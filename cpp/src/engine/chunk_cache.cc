// LRU chunk cache (see chunk_cache.h).
#include "engine/chunk_cache.h"

#include <pthread.h>

#include <array>
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
  // Finished writes, counted per hash of the object key.
  static constexpr std::size_t kWriteCounters = 4096;
  std::array<std::uint64_t, kWriteCounters> writes{};
  struct Loading {
    std::uint64_t id;
    ReadStamp stamp;
    std::shared_future<std::shared_ptr<const Buffer>> result;
  };
  std::unordered_map<std::string, Loading> loading;
  std::uint64_t next_load_id = 0;

  ReadStamp Stamp(const std::string& object_key) const {
    const std::size_t counter = std::hash<std::string>{}(object_key) % kWriteCounters;
    return {counter, writes[counter]};
  }
  bool Current(const ReadStamp& stamp) const { return writes[stamp.counter] == stamp.writes; }
  void Insert(const std::string& key, std::shared_ptr<const Buffer> chunk, std::string generation) {
    if (auto found = index.find(key); found != index.end()) Remove(found->second);
    if (generation.empty() || chunk->footprint() > budget / 4) return;
    const std::size_t size = chunk->footprint();
    lru.push_front(Slot{
        key, Entry{std::move(chunk), std::move(generation), std::chrono::steady_clock::now()}});
    index[key] = lru.begin();
    used += size;
    Evict();
  }

  void Remove(std::list<Slot>::iterator it) {
    used -= it->entry.chunk->footprint();
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
  impl_->Insert(key, std::move(chunk), std::move(generation));
}

ChunkCache::ReadStamp ChunkCache::StampRead(const std::string& object_key) const {
  std::lock_guard lock(impl_->mutex);
  return impl_->Stamp(object_key);
}

void ChunkCache::PutIfUnwritten(const std::string& key, std::shared_ptr<const Buffer> chunk,
                                std::string generation, const ReadStamp& stamp) {
  std::lock_guard lock(impl_->mutex);
  if (impl_->Current(stamp)) impl_->Insert(key, std::move(chunk), std::move(generation));
}

void ChunkCache::NoteWrite(const std::string& object_key) {
  std::lock_guard lock(impl_->mutex);
  ++impl_->writes[impl_->Stamp(object_key).counter];
}

std::shared_ptr<const Buffer> ChunkCache::LoadOnce(const std::string& key, const Loader& load) {
  std::promise<std::shared_ptr<const Buffer>> promise;
  std::shared_future<std::shared_ptr<const Buffer>> pending;
  ReadStamp stamp;
  std::uint64_t id = 0;
  bool leader = false;
  {
    std::lock_guard lock(impl_->mutex);
    stamp = impl_->Stamp(key);
    auto found = impl_->loading.find(key);
    if (found != impl_->loading.end() && impl_->Current(found->second.stamp)) {
      pending = found->second.result;
    } else {
      // No load, or one that began before a write finished: start afresh (the older load's
      // callers still get its result, which is no older than their call).
      pending = promise.get_future().share();
      id = ++impl_->next_load_id;
      impl_->loading.insert_or_assign(key, Impl::Loading{id, stamp, pending});
      leader = true;
    }
  }
  if (!leader) return pending.get();  // rethrows the leader's exception
  auto done = [&] {
    std::lock_guard lock(impl_->mutex);
    if (auto found = impl_->loading.find(key);
        found != impl_->loading.end() && found->second.id == id) {
      impl_->loading.erase(found);
    }
  };
  try {
    auto result = load(stamp);
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
  // Loads in flight may be of objects under `prefix`, now gone: void every stamp.
  for (auto& writes : impl_->writes) ++writes;
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
