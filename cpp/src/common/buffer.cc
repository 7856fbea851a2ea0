// Buffer storage for large reads' destinations (see hub/buffer.h).
#include "hub/buffer.h"

#include <pthread.h>
#include <sys/mman.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

namespace hub {
namespace {

constexpr std::size_t kPage = std::size_t{4} << 10;
constexpr std::size_t kHugePage = std::size_t{2} << 20;
constexpr std::size_t kHugePagesFrom = std::size_t{4} << 20;
// Freed destinations kept for reuse: at most this many, and this many bytes.
constexpr std::size_t kMostRecycledBlocks = 4;
constexpr std::size_t kMostRecycledBytes = std::size_t{512} << 20;

std::size_t AlignmentFor(std::size_t size) {
  if (size >= kHugePagesFrom) return kHugePage;
  if (size >= kPage) return kPage;
  return alignof(std::max_align_t);
}

// Large read destinations whose last owner let go, kept for the next read of the same
// capacity: their pages are already faulted in, where a fresh block (glibc maps anything
// over 32 MiB anew) costs the kernel a fault and a zeroing per page, a sixth of the time of a
// batch of transformed images. A loader's batches are one size, so a few blocks suffice.
class RecycledBlocks {
 public:
  // A kept block of exactly `capacity` bytes, or nullptr.
  std::byte* Take(std::size_t capacity) {
    const std::lock_guard<std::mutex> lock(mutex_);
    for (auto block = blocks_.begin(); block != blocks_.end(); ++block) {
      if (block->capacity != capacity) continue;
      std::byte* data = block->data;
      bytes_ -= capacity;
      blocks_.erase(block);
      return data;
    }
    return nullptr;
  }

  // Keeps `data` if there is room; false if the caller must free it.
  bool Give(std::byte* data, std::size_t capacity) {
    const std::lock_guard<std::mutex> lock(mutex_);
    if (blocks_.size() >= kMostRecycledBlocks || bytes_ + capacity > kMostRecycledBytes) {
      return false;
    }
    blocks_.push_back({data, capacity});
    bytes_ += capacity;
    return true;
  }

 private:
  struct Block {
    std::byte* data;
    std::size_t capacity;
  };
  std::mutex mutex_;
  std::vector<Block> blocks_;
  std::size_t bytes_ = 0;
};

RecycledBlocks* g_recycled = nullptr;

// A forked child has only the forking thread, and another may have held the mutex: the child
// starts a new set (the parent's kept blocks stay unused in it).
void ResetAfterFork() { g_recycled = new RecycledBlocks; }

RecycledBlocks& Recycled() {
  static const int registered = [] {
    g_recycled = new RecycledBlocks;  // never destroyed: owners may let go during exit
    return pthread_atfork(nullptr, nullptr, &ResetAfterFork);
  }();
  (void)registered;
  return *g_recycled;
}

// Storage of `capacity` bytes that returns to Recycled() when its last owner lets go.
std::shared_ptr<std::byte[]> RecycledStorage(std::size_t capacity, bool* fresh) {
  std::byte* data = Recycled().Take(capacity);
  *fresh = data == nullptr;
  if (data == nullptr) data = new std::byte[capacity];
  return std::shared_ptr<std::byte[]>(data, [capacity](std::byte* block) {
    if (!Recycled().Give(block, capacity)) delete[] block;
  });
}

}  // namespace

Buffer Buffer::AllocateForReads(std::size_t size) {
  // Over-allocated by the alignment, so that a block freed by one read is reused by the next
  // (large ones through RecycledBlocks, smaller ones as malloc reuses its blocks; aligned
  // operator new would give fresh pages, faulted in again, each time).
  const std::size_t alignment = AlignmentFor(size);
  Buffer buffer;
  bool fresh = true;
  if (size >= kHugePagesFrom) {
    const std::size_t capacity = (size + 2 * alignment - 1) / alignment * alignment;
    buffer.owner_ = RecycledStorage(capacity, &fresh);
  } else {
    buffer.owner_ = std::make_shared_for_overwrite<std::byte[]>(size + alignment);
  }
  const auto address = reinterpret_cast<std::uintptr_t>(buffer.owner_.get());
  buffer.data_ = buffer.owner_.get() + (alignment - address % alignment) % alignment;
  buffer.size_ = size;
  buffer.footprint_ = size;
#ifdef MADV_HUGEPAGE
  if (fresh && size >= kHugePagesFrom) {
    ::madvise(buffer.data_, size - size % kPage, MADV_HUGEPAGE);  // advice: THP may be off
  }
#endif
  return buffer;
}

}  // namespace hub
