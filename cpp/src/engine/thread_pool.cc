// A fixed pool of workers behind ParallelFor (see thread_pool.h).
#include "engine/thread_pool.h"

#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "hub/errors.h"

namespace hub::engine {
namespace {

class ThreadPool {
 public:
  explicit ThreadPool(int threads) {
    for (int i = 0; i < threads; ++i) workers_.emplace_back([this] { Work(); });
  }
  ~ThreadPool() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    ready_.notify_all();
    for (auto& worker : workers_) {
      // A worker may drop the last reference itself (a nested call racing SetThreadCount).
      if (worker.get_id() == std::this_thread::get_id()) {
        worker.detach();
      } else {
        worker.join();
      }
    }
  }
  int size() const { return static_cast<int>(workers_.size()); }

  void Submit(std::function<void()> task) {
    {
      std::lock_guard lock(mutex_);
      tasks_.push_back(std::move(task));
    }
    ready_.notify_one();
  }

 private:
  void Work() {
    while (true) {
      std::function<void()> task;
      {
        std::unique_lock lock(mutex_);
        ready_.wait(lock, [this] { return stopping_ || !tasks_.empty(); });
        if (tasks_.empty()) return;
        task = std::move(tasks_.front());
        tasks_.pop_front();
      }
      task();
    }
  }

  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> tasks_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

int DefaultThreadCount() { return std::max(1u, std::thread::hardware_concurrency()); }

std::mutex& PoolMutex() {
  static auto* mutex = new std::mutex;  // re-created after fork, see ResetAfterFork
  return *mutex;
}
std::shared_ptr<ThreadPool>& PoolSlot() {
  static auto* slot = new std::shared_ptr<ThreadPool>;
  return *slot;
}
// Threads for calls that mostly wait on the network (cloud stores ask for 32 requests in
// flight by default): blocking on a socket must not hold the CPU pool's few workers. It grows
// to the largest number of requests in flight any store has asked for.
std::shared_ptr<ThreadPool>& IoPoolSlot() {
  static auto* slot = new std::shared_ptr<ThreadPool>;
  return *slot;
}
constexpr int kIoThreads = 32;
std::atomic<int> g_requested_threads{0};

// In a forked child the pool's threads are gone and its mutexes may be held by threads that
// no longer exist: abandon (leak) the old objects and start afresh on next use.
void ResetAfterFork() {
  new (&PoolMutex()) std::mutex;
  new (&PoolSlot()) std::shared_ptr<ThreadPool>;
  new (&IoPoolSlot()) std::shared_ptr<ThreadPool>;
}

std::shared_ptr<ThreadPool> CpuPool() {
  static const int registered = pthread_atfork(nullptr, nullptr, &ResetAfterFork);
  (void)registered;
  std::lock_guard lock(PoolMutex());
  auto& slot = PoolSlot();
  if (!slot) {
    const int requested = g_requested_threads.load();
    slot = std::make_shared<ThreadPool>(requested > 0 ? requested : DefaultThreadCount());
  }
  return slot;
}

// An I/O pool of at least `threads` workers; a smaller one is replaced (calls running on it
// keep their reference until they finish).
std::shared_ptr<ThreadPool> IoPool(int threads) {
  std::lock_guard lock(PoolMutex());
  auto& slot = IoPoolSlot();
  if (!slot || slot->size() < threads) {
    slot = std::make_shared<ThreadPool>(std::max(kIoThreads, threads));
  }
  return slot;
}

struct ParallelForState {
  std::size_t n = 0;
  const std::function<void(std::size_t)>* body = nullptr;
  std::atomic<std::size_t> next{0};
  std::atomic<bool> failed{false};
  std::mutex mutex;
  std::condition_variable finished;
  std::size_t done = 0;
  std::exception_ptr error;

  void Drain() {
    while (true) {
      const std::size_t i = next.fetch_add(1);
      if (i >= n) return;
      std::exception_ptr caught;
      if (!failed.load()) {
        try {
          (*body)(i);
        } catch (...) {
          caught = std::current_exception();
          failed = true;
        }
      }
      std::lock_guard lock(mutex);
      if (caught && !error) error = caught;
      if (++done == n) finished.notify_all();
    }
  }
};

}  // namespace

void ParallelFor(std::size_t n, const std::function<void(std::size_t)>& body, int max_parallel) {
  if (n == 0) return;
  if (n == 1) {
    body(0);
    return;
  }
  auto pool = CpuPool();
  if (max_parallel > pool->size()) pool = IoPool(max_parallel);  // waits, not computation
  const int parallel = max_parallel > 0 ? std::min(max_parallel, pool->size()) : pool->size();
  auto state = std::make_shared<ParallelForState>();
  state->n = n;
  state->body = &body;
  // The caller drains too, so `parallel` threads in all.
  const std::size_t helpers = std::min<std::size_t>(n - 1, static_cast<std::size_t>(parallel - 1));
  for (std::size_t i = 0; i < helpers; ++i) pool->Submit([state] { state->Drain(); });
  state->Drain();
  std::unique_lock lock(state->mutex);
  state->finished.wait(lock, [&] { return state->done == n; });
  if (state->error) std::rethrow_exception(state->error);
}

void ParallelForBytes(std::size_t n, std::size_t bytes_in_all,
                      const std::function<void(std::size_t)>& body) {
  if (bytes_in_all >= kMinBytesToShare) {
    ParallelFor(n, body);
    return;
  }
  for (std::size_t i = 0; i < n; ++i) body(i);
}

int ThreadCount() { return CpuPool()->size(); }

void SetThreadCount(int threads) {
  if (threads < 1) throw InvalidArgumentError("the thread count must be at least 1");
  g_requested_threads = threads;
  std::shared_ptr<ThreadPool> old;
  {
    std::lock_guard lock(PoolMutex());
    old = std::move(PoolSlot());  // running calls keep their reference until they finish
  }
}

}  // namespace hub::engine
