// The process-wide worker pool and a parallel-for that runs on it.
// Created lazily on first use and re-created in a child after fork(), so DataLoader workers
// never inherit threads that do not exist.
#pragma once

#include <cstddef>
#include <functional>

namespace hub::engine {

// Runs body(0) .. body(n - 1) on up to `max_parallel` threads (the caller included; 0 means
// the pool's size) and returns when all are done. A `max_parallel` above the CPU pool's size
// (cloud stores keep many requests in flight) runs on a separate I/O pool of at least that many
// threads. The first exception thrown stops unstarted iterations and is rethrown here.
void ParallelFor(std::size_t n, const std::function<void(std::size_t)>& body, int max_parallel = 0);

// ParallelFor over work that moves about `bytes_in_all` bytes of memory in all: in the calling
// thread when that is less than handing part of it to another thread is worth (waking a
// worker costs about what checking 100 KB costs).
void ParallelForBytes(std::size_t n, std::size_t bytes_in_all,
                      const std::function<void(std::size_t)>& body);
inline constexpr std::size_t kMinBytesToShare = std::size_t{256} << 10;

// Number of worker threads (defaults to the CPU count).
int ThreadCount();

// Replaces the pool with one of `threads` workers (>= 1) for calls that start afterwards.
void SetThreadCount(int threads);

}  // namespace hub::engine
