// Diagnostic messages from the engine (cloud retries, ...), handed to one process-wide sink.
// The Python module installs a sink that forwards to the `hub_v1` logger; C++ embedders may
// install their own. With no sink, messages are dropped.
#pragma once

#include <functional>
#include <string>

namespace hub {

enum class LogLevel { kDebug = 10, kInfo = 20, kWarning = 30 };

using LogSink = std::function<void(LogLevel level, const std::string& message)>;

// Replaces the sink (an empty function removes it). Thread-safe; a message being delivered
// while the sink is replaced goes to the old one.
void SetLogSink(LogSink sink);

// Delivers `message` to the sink, if any, on the calling thread.
void Log(LogLevel level, const std::string& message);

}  // namespace hub
