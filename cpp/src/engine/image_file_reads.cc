// hub::ReadImageFiles (hub/ragged_array.h): local image files read whole and their headers
// checked in parallel on the engine's threads, each file's failure kept as its own result.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "engine/thread_pool.h"
#include "hub/errors.h"
#include "hub/ragged_array.h"

namespace hub {
namespace {

// The whole file at `path`; `error` set (and the buffer empty) when it does not read.
Buffer ReadWholeFile(const std::string& path, std::string* error) {
  const int descriptor = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (descriptor < 0) {
    *error = std::strerror(errno);
    return {};
  }
  Buffer bytes;
  struct stat status {};
  if (::fstat(descriptor, &status) != 0) {
    *error = std::strerror(errno);
  } else if (!S_ISREG(status.st_mode)) {
    *error = "not a regular file";
  } else {
    bytes = Buffer::Allocate(static_cast<std::size_t>(status.st_size));
    std::size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t got = ::read(descriptor, bytes.data() + done, bytes.size() - done);
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) {
        *error = got < 0 ? std::strerror(errno) : "the file shrank while it was read";
        bytes = Buffer();
        break;
      }
      done += static_cast<std::size_t>(got);
    }
  }
  ::close(descriptor);
  return bytes;
}

}  // namespace

std::vector<ImageFileRead> ReadImageFiles(std::span<const std::string> paths) {
  std::vector<ImageFileRead> files(paths.size());
  engine::ParallelFor(paths.size(), [&](std::size_t k) {
    ImageFileRead& file = files[k];
    file.bytes = ReadWholeFile(paths[k], &file.error);
    if (!file.error.empty()) return;
    try {
      file.header = ReadImageFileHeader(file.bytes.span());
    } catch (const CorruptChunkError& error) {
      file.error = std::string("not a JPEG or PNG hub_v1 reads: ") + error.what();
    }
  });
  return files;
}

}  // namespace hub
