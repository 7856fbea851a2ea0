// Retry pacing for the cloud stores (see cloud_retry.h).
#include "store/cloud_retry.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <random>
#include <thread>

#include "hub/cloud_store.h"
#include "hub/log.h"

namespace hub {
namespace {
std::atomic<std::uint64_t> g_retries{0};
}  // namespace

std::uint64_t CloudRetryCount() { return g_retries.load(); }

namespace store {

void WaitBeforeRetry(int tried, int max_attempts, const char* action, const std::string& where,
                     const std::string& problem) {
  thread_local std::mt19937 rng(std::random_device{}());
  ++g_retries;
  const double cap_ms = std::min(2000.0, 50.0 * std::pow(2.0, tried - 1));
  const double backoff_ms = std::uniform_real_distribution<double>(0, cap_ms)(rng);
  Log(LogLevel::kDebug, "retrying " + std::string(action) + " '" + where + "' (attempt " +
                            std::to_string(tried + 1) + " of " + std::to_string(max_attempts) +
                            ", after " + std::to_string(static_cast<int>(backoff_ms)) +
                            " ms): " + problem);
  std::this_thread::sleep_for(std::chrono::duration<double, std::milli>(backoff_ms));
}

}  // namespace store
}  // namespace hub
