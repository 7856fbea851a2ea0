// Process-wide engine settings: the decoded-chunk cache and the I/O and decode threads.
#pragma once

#include <cstddef>

namespace hub {

// The decoded-chunk cache's budget in bytes; 0 disables it.
std::size_t CacheBudgetBytes();
void SetCacheBudgetBytes(std::size_t bytes);

struct CacheStats {
  std::size_t used_bytes = 0;
  std::size_t hits = 0;    // chunk lookups answered from the cache
  std::size_t misses = 0;  // chunk lookups that went to the store
};
CacheStats GetCacheStats();

// Threads that fetch, decode and encode chunks (shared by every array).
int ThreadCount();
void SetThreadCount(int threads);

}  // namespace hub
