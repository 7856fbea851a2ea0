// The public engine settings (hub/engine_settings.h) over the chunk cache and thread pool.
#include "hub/engine_settings.h"

#include "engine/chunk_cache.h"
#include "engine/thread_pool.h"

namespace hub {

std::size_t CacheBudgetBytes() { return engine::ChunkCache::Instance().budget_bytes(); }
void SetCacheBudgetBytes(std::size_t bytes) {
  engine::ChunkCache::Instance().set_budget_bytes(bytes);
}
CacheStats GetCacheStats() {
  const auto& cache = engine::ChunkCache::Instance();
  const auto counters = cache.counters();
  return CacheStats{cache.used_bytes(), counters.hits, counters.misses};
}
int ThreadCount() { return engine::ThreadCount(); }
void SetThreadCount(int threads) { engine::SetThreadCount(threads); }

}  // namespace hub
