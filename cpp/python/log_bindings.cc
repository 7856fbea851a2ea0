// Routes the engine's diagnostic messages (hub/log.h) to a Python callable; hub_v1 passes one
// that logs to the `hub_v1` logger.
//
// No Python runs on engine threads: a message logged on an I/O thread (a cloud retry in the
// middle of a read) is queued, and the interpreter's main thread delivers the queue at its
// next Python step (Py_AddPendingCall), or any thread holding the GIL does with
// deliver_log_records(). An engine thread therefore never waits for the GIL, so a log handler
// that blocks, or a caller holding the GIL, can never stall a read.
#include <pthread.h>
#include <pybind11/pybind11.h>

#include <cstddef>
#include <deque>
#include <mutex>
#include <string>
#include <utility>

#include "bindings.h"
#include "hub/log.h"

namespace py = pybind11;

namespace hub::python {
namespace {

struct LogRecord {
  int level;
  std::string message;
};

// Records waiting for the GIL. Heap-allocated and never destroyed: engine threads may still
// log while the interpreter exits.
struct LogQueue {
  static constexpr std::size_t kMaxWaiting = 10000;  // beyond this, records are counted, dropped
  std::mutex mutex;
  std::deque<LogRecord> waiting;
  std::size_t dropped = 0;
  bool delivery_scheduled = false;
};

LogQueue* g_queue = new LogQueue;
PyObject* g_sink = nullptr;  // a strong reference; read and replaced only with the GIL held

// A forked child has only the forking thread; the queue's mutex may be held by a thread that
// is gone, so the child starts with an empty queue.
void ResetAfterFork() { g_queue = new LogQueue; }

// Takes the waiting records (with the GIL held) and hands them to the sink, in order.
void DeliverWaitingRecords() {
  std::deque<LogRecord> records;
  std::size_t dropped = 0;
  {
    std::lock_guard lock(g_queue->mutex);
    records.swap(g_queue->waiting);
    dropped = std::exchange(g_queue->dropped, 0);
    g_queue->delivery_scheduled = false;
  }
  if (!g_sink) return;
  if (dropped > 0) {
    records.push_back({static_cast<int>(LogLevel::kWarning),
                       std::to_string(dropped) + " engine log messages were dropped (more than " +
                           std::to_string(LogQueue::kMaxWaiting) + " waited for delivery)"});
  }
  const py::handle sink(g_sink);
  for (const LogRecord& record : records) {
    try {
      sink(record.level, record.message);
    } catch (py::error_already_set&) {
      // A failing log handler must not fail the Python code that happens to deliver it.
    }
  }
}

int DeliverPending(void* /*unused*/) {
  DeliverWaitingRecords();
  return 0;
}

// The engine's sink: runs on any thread, never touches Python.
void Enqueue(LogLevel level, const std::string& message) {
  bool schedule = false;
  {
    std::lock_guard lock(g_queue->mutex);
    if (g_queue->waiting.size() < LogQueue::kMaxWaiting) {
      g_queue->waiting.push_back({static_cast<int>(level), message});
    } else {
      ++g_queue->dropped;
    }
    schedule = !std::exchange(g_queue->delivery_scheduled, true);
  }
  // Needs neither the GIL nor a thread state; fails only when the interpreter's own queue of
  // pending calls is full, and then the next message schedules again.
  if (schedule && Py_AddPendingCall(&DeliverPending, nullptr) != 0) {
    std::lock_guard lock(g_queue->mutex);
    g_queue->delivery_scheduled = false;
  }
}

}  // namespace

void RegisterLogging(py::module_& module) {
  static const int registered = pthread_atfork(nullptr, nullptr, &ResetAfterFork);
  (void)registered;
  module.def(
      "set_log_sink",
      [](py::object sink) {
        if (sink.is_none()) {
          SetLogSink(nullptr);
          DeliverWaitingRecords();  // what was logged before goes to the old sink
          Py_CLEAR(g_sink);
          return;
        }
        if (!PyCallable_Check(sink.ptr())) throw py::type_error("the log sink must be callable");
        Py_XSETREF(g_sink, sink.release().ptr());
        SetLogSink(&Enqueue);
      },
      py::arg("sink"),
      "Calls sink(level, message) for each engine message (levels as in `logging`), on the "
      "interpreter's main thread at its next Python step (or in deliver_log_records()); None "
      "removes it.");
  module.def("deliver_log_records", &DeliverWaitingRecords,
             "Hands the engine messages waiting for delivery to the sink now, on this thread.");
}

}  // namespace hub::python
