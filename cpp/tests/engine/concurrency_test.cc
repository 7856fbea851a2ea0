// Racing readers and writers of one chunk in one process, on memory and local stores, plain
// and sharded: no write is lost and no read returns bytes older than a write that returned.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>
#include <vector>

#include "hub/array.h"

namespace hub {
namespace {

using Clock = std::chrono::steady_clock;

struct StoreCase {
  const char* name;
  bool local;
  bool sharded;
};

std::shared_ptr<Store> MakeStore(const StoreCase& store_case) {
  if (!store_case.local) return MakeMemoryStore();
  const auto root = std::filesystem::temp_directory_path() /
                    ("hub-race-" + std::to_string(::getpid()) + "-" + store_case.name);
  std::filesystem::remove_all(root);
  return OpenLocalStore(root.string());
}

ArraySpec SpecFor(const StoreCase& store_case, std::vector<std::int64_t> shape,
                  std::vector<std::int64_t> chunks) {
  ArraySpec spec{shape, chunks, DataType::kUint8, "lz4", 0.5};
  if (store_case.sharded) {
    spec.shard_shape = spec.chunk_shape;
    for (auto& extent : spec.chunk_shape) extent = std::max<std::int64_t>(1, extent / 2);
  }
  return spec;
}

class Races : public ::testing::TestWithParam<StoreCase> {};

// One thread writes a whole chunk, then patches one byte of it, while others read the chunk
// element by element (single-flight loads the writer could join): the patch must always be
// applied to the whole write just made.
TEST_P(Races, APatchAfterAWholeWriteNeverSeesOlderBytes) {
  auto store = MakeStore(GetParam());
  auto array = Array::Create(store, "a", SpecFor(GetParam(), {64}, {64}));
  std::atomic<bool> stop{false};
  std::vector<std::thread> readers;
  for (int t = 0; t < 3; ++t) {
    readers.emplace_back([&, t] {
      const Region one = array->Select({std::int64_t{2 + t}});
      std::uint8_t value = 0;
      while (!stop) array->Read(one, std::as_writable_bytes(std::span(&value, 1)));
    });
  }
  const Region all = array->Select({});
  const Region second = array->Select({std::int64_t{1}});
  std::vector<std::uint8_t> chunk(64), seen(64);
  int rounds = 0;
  int stale = 0;
  const auto deadline = Clock::now() + std::chrono::seconds(4);
  for (; rounds < 3000 && Clock::now() < deadline; ++rounds) {
    std::fill(chunk.begin(), chunk.end(), static_cast<std::uint8_t>(rounds % 200));
    array->Write(all, std::as_bytes(std::span(chunk)));
    const auto patch = static_cast<std::uint8_t>(201 + rounds % 50);
    array->Write(second, std::as_bytes(std::span(&patch, 1)));
    array->Read(all, std::as_writable_bytes(std::span(seen)));
    if (seen[0] != chunk[0] || seen[63] != chunk[63] || seen[1] != patch) ++stale;
  }
  stop = true;
  for (auto& reader : readers) reader.join();
  EXPECT_EQ(stale, 0) << "in " << rounds << " rounds";
  EXPECT_GE(rounds, 200);
}

// Threads patching different rows of one chunk at once: every row survives.
TEST_P(Races, ThreadsPatchingOneChunkLoseNoUpdate) {
  auto store = MakeStore(GetParam());
  constexpr int kThreads = 8;
  constexpr int kRowsEach = 25;
  const auto deadline = Clock::now() + std::chrono::seconds(4);
  int lost = 0;
  int rounds = 0;
  for (; rounds < 20 && Clock::now() < deadline; ++rounds) {
    auto array = Array::Create(
        store, "rows", SpecFor(GetParam(), {kThreads * kRowsEach, 4}, {kThreads * kRowsEach, 4}),
        CreateOptions{.on_exists = OnExists::kOverwrite});
    std::vector<std::thread> writers;
    for (int t = 0; t < kThreads; ++t) {
      writers.emplace_back([&, t] {
        for (int r = 0; r < kRowsEach; ++r) {
          const std::int64_t row = r * kThreads + t;
          const std::uint8_t values[4] = {1, 2, 3, static_cast<std::uint8_t>(row % 250 + 1)};
          array->Write(array->Select({row}), std::as_bytes(std::span(values)));
        }
      });
    }
    for (auto& writer : writers) writer.join();
    std::vector<std::uint8_t> all(kThreads * kRowsEach * 4);
    array->Read(array->Select({}), std::as_writable_bytes(std::span(all)));
    for (std::size_t row = 0; row < all.size() / 4; ++row) {
      lost += all[row * 4 + 3] == row % 250 + 1 ? 0 : 1;
    }
  }
  EXPECT_EQ(lost, 0) << "rows lost over " << rounds << " rounds of " << kThreads * kRowsEach;
}

INSTANTIATE_TEST_SUITE_P(Stores, Races,
                         ::testing::Values(StoreCase{"memory", false, false},
                                           StoreCase{"local", true, false},
                                           StoreCase{"memory_sharded", false, true},
                                           StoreCase{"local_sharded", true, true}),
                         [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace hub
