// Buffer: slices share storage; AllocateForReads aligns a read's destination and reuses a
// large one its last owner let go.
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

TEST(Buffer, ALargeReadDestinationIsReusedOnlyOnceItsLastOwnerLetsGo) {
  constexpr std::size_t kSize = std::size_t{40} << 20;  // over glibc's largest mmap threshold
  Buffer first = Buffer::AllocateForReads(kSize);
  first.data()[kSize - 1] = std::byte{7};
  const std::uintptr_t address = Address(first);
  Buffer slice = first.Slice(kSize - 1, 1);  // shares the storage
  first = Buffer();
  const Buffer while_held = Buffer::AllocateForReads(kSize);
  EXPECT_NE(Address(while_held), address);
  EXPECT_EQ(slice.data()[0], std::byte{7});  // untouched by the other read
  slice = Buffer();
  Buffer reused = Buffer::AllocateForReads(kSize);
  EXPECT_EQ(Address(reused), address);
  EXPECT_EQ(reused.size(), kSize);
  reused = Buffer();  // kept again, but only for reads of its own capacity
  const Buffer larger = Buffer::AllocateForReads(kSize + (std::size_t{4} << 20));
  EXPECT_NE(Address(larger), address);
  EXPECT_EQ(Address(Buffer::AllocateForReads(kSize)), address);
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
