// The cloud stores' retry pacing (http::ObjectClient's one retry policy): exponential
// backoff with full jitter, and one process-wide count of retries (CloudRetryCount).
#pragma once

#include <string>

namespace hub::store {

// Counts a retry of `action` on `where` after `tried` failed attempts, logs it at debug level
// with `problem`, and sleeps the backoff: uniform in [0, min(2 s, 50 ms * 2^(tried - 1))].
void WaitBeforeRetry(int tried, int max_attempts, const char* action, const std::string& where,
                     const std::string& problem);

}  // namespace hub::store
