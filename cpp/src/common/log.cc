#include "hub/log.h"

#include <memory>
#include <mutex>
#include <utility>

namespace hub {
namespace {

std::mutex g_sink_mutex;
std::shared_ptr<const LogSink> g_sink;  // guarded by g_sink_mutex

}  // namespace

void SetLogSink(LogSink sink) {
  auto replacement = sink ? std::make_shared<const LogSink>(std::move(sink)) : nullptr;
  std::shared_ptr<const LogSink> previous;
  {
    std::lock_guard lock(g_sink_mutex);
    previous = std::exchange(g_sink, std::move(replacement));
  }
  // `previous` is released here, outside the lock, or by the last thread still using it.
}

void Log(LogLevel level, const std::string& message) {
  std::shared_ptr<const LogSink> sink;
  {
    std::lock_guard lock(g_sink_mutex);
    sink = g_sink;
  }
  // Called outside the lock: a sink may block (the Python one waits for the GIL).
  if (sink) (*sink)(level, message);
}

}  // namespace hub
