#include "hub/log.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace hub {
namespace {

TEST(Log, DeliversToTheInstalledSinkUntilItIsRemoved) {
  std::vector<std::pair<LogLevel, std::string>> received;
  SetLogSink(
      [&](LogLevel level, const std::string& message) { received.emplace_back(level, message); });
  Log(LogLevel::kDebug, "one");
  Log(LogLevel::kWarning, "two");
  SetLogSink(nullptr);
  Log(LogLevel::kDebug, "dropped");
  ASSERT_EQ(received.size(), 2u);
  EXPECT_EQ(received[0], std::make_pair(LogLevel::kDebug, std::string("one")));
  EXPECT_EQ(received[1], std::make_pair(LogLevel::kWarning, std::string("two")));
}

TEST(Log, ReplacingTheSinkWhileThreadsLogIsSafe) {
  std::atomic<int> first{0};
  std::atomic<int> second{0};
  SetLogSink([&](LogLevel, const std::string&) { ++first; });
  std::vector<std::thread> loggers;
  for (int t = 0; t < 4; ++t) {
    loggers.emplace_back([] {
      for (int i = 0; i < 1000; ++i) Log(LogLevel::kDebug, "message");
    });
  }
  SetLogSink([&](LogLevel, const std::string&) { ++second; });
  for (auto& logger : loggers) logger.join();
  SetLogSink(nullptr);
  EXPECT_EQ(first + second, 4000);
}

}  // namespace
}  // namespace hub
