// Confined path resolution (see beneath.h).
#include "store/beneath.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>

namespace hub::store {
namespace {

std::atomic<bool> g_openat2_missing{false};

// Component by component with O_NOFOLLOW: refuses all symlinks (kernels before 5.6).
int OpenByWalking(int root_fd, const std::string& relative, int flags, mode_t mode) {
  int dir = ::dup(root_fd);
  std::size_t start = 0;
  while (dir >= 0) {
    const std::size_t slash = relative.find('/', start);
    const std::string part = relative.substr(start, slash - start);
    if (part.empty() || part == "." || part == "..") {
      ::close(dir);
      errno = EXDEV;
      return -1;
    }
    const bool last = slash == std::string::npos;
    const int next =
        last ? ::openat(dir, part.c_str(), flags | O_NOFOLLOW | O_CLOEXEC, mode)
             : ::openat(dir, part.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    const int saved = errno;
    ::close(dir);
    errno = saved;
    if (last) return next;
    dir = next;
    start = slash + 1;
  }
  return -1;
}

}  // namespace

int OpenBeneath(int root_fd, const std::string& relative, int flags, mode_t mode) {
  if (!g_openat2_missing.load(std::memory_order_relaxed)) {
    open_how how{};
    how.flags = static_cast<std::uint64_t>(flags | O_CLOEXEC);
    how.mode = (flags & O_CREAT) ? mode : 0;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
    const long fd = ::syscall(SYS_openat2, root_fd, relative.c_str(), &how, sizeof(how));
    if (fd >= 0 || errno != ENOSYS) return static_cast<int>(fd);
    g_openat2_missing = true;
  }
  return OpenByWalking(root_fd, relative, flags, mode);
}

std::string BaseName(const std::string& relative) {
  const std::size_t slash = relative.rfind('/');
  return slash == std::string::npos ? relative : relative.substr(slash + 1);
}

int OpenParentBeneath(int root_fd, const std::string& relative, bool create) {
  const std::size_t last_slash = relative.rfind('/');
  if (last_slash == std::string::npos) return ::fcntl(root_fd, F_DUPFD_CLOEXEC, 0);
  const std::string parent = relative.substr(0, last_slash);
  constexpr int kDirectory = O_PATH | O_DIRECTORY;
  int fd = OpenBeneath(root_fd, parent, kDirectory);
  if (fd >= 0 || errno != ENOENT || !create) return fd;
  // Create each missing folder beneath the root, then open the parent again.
  for (std::size_t slash = parent.find('/');; slash = parent.find('/', slash + 1)) {
    const std::string prefix = parent.substr(0, slash);
    const int above = OpenParentBeneath(root_fd, prefix, false);
    if (above < 0) return -1;
    const int made = ::mkdirat(above, BaseName(prefix).c_str(), 0755);
    const int saved = errno;
    ::close(above);
    if (made != 0 && saved != EEXIST) {
      errno = saved;
      return -1;
    }
    if (slash == std::string::npos) break;
  }
  return OpenBeneath(root_fd, parent, kDirectory);
}

}  // namespace hub::store
