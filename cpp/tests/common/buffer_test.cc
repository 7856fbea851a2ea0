// Buffer: slices share storage; AllocateForReads aligns a read's destination.
#include "hub/buffer.h"

#include <gtest/gtest.h>

#include <cstdint>

namespace hub {
namespace {

std::uintptr_t Address(const Buffer& buffer) {
  return reinterpret_cast<std::uintptr_t>(buffer.data());
}

TEST(Buffer, AllocateForReadsAlignsToAPageAndLargeOnesToAHugePage) {
  constexpr std::uintptr_t kPage = 4096;
  constexpr std::uintptr_t kHugePage = std::uintptr_t{2} << 20;
  for (const std::size_t size : {std::size_t{4096}, std::size_t{49152}, std::size_t{3} << 20}) {
    const Buffer buffer = Buffer::AllocateForReads(size);
    EXPECT_EQ(buffer.size(), size);
    EXPECT_EQ(Address(buffer) % kPage, 0u) << size;
  }
  const Buffer large = Buffer::AllocateForReads((std::size_t{5} << 20) + 7);
  EXPECT_EQ(Address(large) % kHugePage, 0u);
  EXPECT_EQ(Buffer::AllocateForReads(0).size(), 0u);
  // The whole size is writable (the sanitizer build checks the bounds).
  Buffer written = Buffer::AllocateForReads(12345);
  for (std::size_t i = 0; i < written.size(); ++i) written.data()[i] = std::byte{1};
  EXPECT_EQ(written.data()[12344], std::byte{1});
}

TEST(Buffer, SlicesShareStorage) {
  Buffer buffer = Buffer::Allocate(10);
  for (std::size_t i = 0; i < 10; ++i) buffer.data()[i] = static_cast<std::byte>(i);
  const Buffer slice = buffer.Slice(3, 4);
  EXPECT_EQ(slice.size(), 4u);
  EXPECT_EQ(slice.data(), buffer.data() + 3);
  EXPECT_EQ(slice.span()[0], std::byte{3});
}

}  // namespace
}  // namespace hub
