// RunCredentialProcess (see credential_process.h): posix_spawn, so that a process with many
// threads (the engine's) starts it safely, and poll, so that a command that hangs is bounded.
#include "store/aws/credential_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "hub/errors.h"

extern char** environ;

namespace hub::aws {
namespace {

constexpr std::size_t kMostOutputBytes = 64 << 10;

// Closes what it holds when it goes.
class Descriptor {
 public:
  explicit Descriptor(int fd = -1) : fd_(fd) {}
  Descriptor(const Descriptor&) = delete;
  Descriptor& operator=(const Descriptor&) = delete;
  ~Descriptor() { Close(); }
  int get() const { return fd_; }
  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

}  // namespace

std::string RunCredentialProcess(const std::string& command, const std::string& where,
                                 double timeout_seconds) {
  const auto fail = [&](const std::string& why) -> StorageError {
    return StorageError("cannot get credentials from the credential_process of " + where + ": " +
                        why);
  };
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) throw fail(std::strerror(errno));
  Descriptor read_end(pipe_fds[0]);
  Descriptor write_end(pipe_fds[1]);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, write_end.get(), STDOUT_FILENO);
  const char* argv[] = {"/bin/sh", "-c", command.c_str(), nullptr};
  pid_t child = 0;
  const int spawned =
      ::posix_spawn(&child, "/bin/sh", &actions, nullptr, const_cast<char* const*>(argv), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) throw fail(std::strerror(spawned));
  write_end.Close();  // the child's copy is its standard output

  std::string output;
  bool too_long = false;
  bool timed_out = false;
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                            std::chrono::duration<double>(timeout_seconds));
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now())
                          .count();
    if (left <= 0) {
      timed_out = true;
      break;
    }
    pollfd ready{read_end.get(), POLLIN, 0};
    const int polled = ::poll(&ready, 1, static_cast<int>(std::min<long long>(left, 1000)));
    if (polled < 0 && errno == EINTR) continue;
    if (polled <= 0) continue;
    char buffer[4096];
    const ssize_t got = ::read(read_end.get(), buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;  // the end of its output
    output.append(buffer, static_cast<std::size_t>(got));
    if (output.size() > kMostOutputBytes) {
      too_long = true;
      break;
    }
  }
  if (timed_out || too_long) ::kill(child, SIGKILL);
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  if (timed_out) {
    throw fail("it ran past " + std::to_string(static_cast<int>(timeout_seconds)) +
               " seconds and was stopped");
  }
  if (too_long) throw fail("it printed more than 64 KiB");
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    throw fail(WIFEXITED(status) ? "it exited with status " + std::to_string(WEXITSTATUS(status))
                                 : "it was killed by signal " + std::to_string(WTERMSIG(status)));
  }
  return output;
}

}  // namespace hub::aws
