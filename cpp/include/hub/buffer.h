// A shared, sliceable block of bytes: what stores return and codecs pass along.
// Slices share ownership with their parent, so stripping a checksum copies nothing.
#pragma once

#include <cstddef>
#include <cstring>
#include <memory>
#include <span>

namespace hub {

class Buffer {
 public:
  Buffer() = default;

  // Uninitialised storage of `size` bytes.
  static Buffer Allocate(std::size_t size) {
    Buffer buffer;
    buffer.owner_ = std::make_shared_for_overwrite<std::byte[]>(size == 0 ? 1 : size);
    buffer.data_ = buffer.owner_.get();
    buffer.size_ = size;
    buffer.footprint_ = size;
    return buffer;
  }

  // Uninitialised storage of `size` bytes for a large read's destination, such as a numpy
  // result: aligned to a page, and from 4 MiB on to 2 MiB and advised for transparent huge
  // pages, as numpy does for its own arrays. The kernel's copy of file pages into a destination
  // 16 bytes past a page boundary, where malloc puts a large block, runs 3x slower on AMD Zen.
  // Meant for long-lived results: scratch buffers that are freed at once use Allocate.
  static Buffer AllocateForReads(std::size_t size);

  static Buffer CopyOf(std::span<const std::byte> bytes) {
    Buffer buffer = Allocate(bytes.size());
    if (!bytes.empty()) std::memcpy(buffer.data(), bytes.data(), bytes.size());
    return buffer;
  }

  std::byte* data() { return data_; }
  const std::byte* data() const { return data_; }
  std::size_t size() const { return size_; }
  // The bytes of storage this view keeps alive: its size, or more for a slice or a shrunk
  // buffer (a decoded string chunk keeps its strings' bytes after its elements). What a cache
  // charges for holding it.
  std::size_t footprint() const { return footprint_; }
  std::span<const std::byte> span() const { return {data_, size_}; }
  std::span<std::byte> mutable_span() { return {data_, size_}; }

  // A view of bytes [offset, offset + length) sharing this buffer's storage.
  Buffer Slice(std::size_t offset, std::size_t length) const {
    Buffer view = *this;
    view.data_ = data_ + offset;
    view.size_ = length;
    return view;
  }

  // Gives up the first `size` bytes' worth of view, keeping storage alive.
  void Shrink(std::size_t size) { size_ = size; }

 private:
  std::shared_ptr<std::byte[]> owner_;
  std::byte* data_ = nullptr;
  std::size_t size_ = 0;
  std::size_t footprint_ = 0;
};

}  // namespace hub
