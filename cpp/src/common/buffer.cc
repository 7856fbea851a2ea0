// Buffer storage for large reads' destinations (see hub/buffer.h).
#include "hub/buffer.h"

#include <sys/mman.h>

#include <cstddef>
#include <cstdint>

namespace hub {
namespace {

constexpr std::size_t kPage = std::size_t{4} << 10;
constexpr std::size_t kHugePage = std::size_t{2} << 20;
constexpr std::size_t kHugePagesFrom = std::size_t{4} << 20;

std::size_t AlignmentFor(std::size_t size) {
  if (size >= kHugePagesFrom) return kHugePage;
  if (size >= kPage) return kPage;
  return alignof(std::max_align_t);
}

}  // namespace

Buffer Buffer::AllocateForReads(std::size_t size) {
  // Over-allocated by the alignment through the ordinary allocator, so that a block freed by
  // one read is reused by the next as malloc's blocks are (aligned operator new is not: each
  // block would be fresh pages, faulted in again).
  const std::size_t alignment = AlignmentFor(size);
  Buffer buffer = Allocate(size + alignment);
  const auto address = reinterpret_cast<std::uintptr_t>(buffer.data_);
  buffer.data_ += (alignment - address % alignment) % alignment;
  buffer.size_ = size;
#ifdef MADV_HUGEPAGE
  if (size >= kHugePagesFrom) {
    ::madvise(buffer.data_, size - size % kPage, MADV_HUGEPAGE);  // advice: THP may be off
  }
#endif
  return buffer;
}

}  // namespace hub
