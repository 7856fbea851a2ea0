// LocalStore: files under a root folder (see local_store.h). Every path is opened beneath the
// root (store/beneath.h), so '..' or a symlink pointing outside can never be followed.
#include "store/local_store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <system_error>
#include <utility>

#include "hub/errors.h"
#include "store/beneath.h"
#include "store/read_range.h"

namespace hub {
namespace {

[[noreturn]] void ThrowIoError(const std::string& what, const std::filesystem::path& path,
                               int error) {
  std::string message = what + " '" + path.string() + "': " + std::strerror(error);
  if (error == EACCES || error == EPERM || error == EROFS) throw PermissionDeniedError(message);
  throw StorageError(message);
}

[[noreturn]] void ThrowOpenError(const std::filesystem::path& path, int error) {
  if (error == EXDEV || error == ELOOP) {
    throw PermissionDeniedError("'" + path.string() +
                                "' leads outside the storage folder (through '..' or a "
                                "symlink); hub_v1 never follows such paths");
  }
  ThrowIoError("cannot open", path, error);
}

// Closes a file descriptor on scope exit.
class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  FileDescriptor(FileDescriptor&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }
  // Closes now, reporting the error a deferred write may surface at close.
  int Close() {
    const int result = ::close(fd_);
    fd_ = -1;
    return result;
  }

 private:
  int fd_;
};

// Reads up to `length` bytes at `offset`; returns how many were read.
std::size_t ReadFully(int fd, std::byte* out, std::size_t length, std::uint64_t offset,
                      const std::filesystem::path& path) {
  std::size_t done = 0;
  while (done < length) {
    const ssize_t n = ::pread(fd, out + done, length - done, static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      ThrowIoError("cannot read", path, errno);
    }
    if (n == 0) break;
    done += static_cast<std::size_t>(n);
  }
  return done;
}

// Changes whenever a file is replaced: a rename brings a new inode.
std::string GenerationOf(const struct stat& info) {
  return std::to_string(info.st_ino) + ":" + std::to_string(info.st_size) + ":" +
         std::to_string(info.st_mtim.tv_sec) + "." + std::to_string(info.st_mtim.tv_nsec);
}

std::string TempName(const std::string& name) {
  static std::atomic<std::uint64_t> counter{0};
  return std::string(LocalStore::kTempPrefix) + name + "." + std::to_string(::getpid()) + "." +
         std::to_string(counter.fetch_add(1));
}

// An object's file, open for reading, with its metadata.
struct OpenFile {
  FileDescriptor fd;
  struct stat info {};
};

std::optional<OpenFile> OpenForReading(int root_fd, const std::string& key,
                                       const std::filesystem::path& path) {
  OpenFile file{FileDescriptor(store::OpenBeneath(root_fd, key, O_RDONLY)), {}};
  if (file.fd.get() < 0) {
    if (errno == ENOENT || errno == ENOTDIR) return std::nullopt;
    ThrowOpenError(path, errno);
  }
  if (::fstat(file.fd.get(), &file.info) != 0) ThrowIoError("cannot stat", path, errno);
  if (!S_ISREG(file.info.st_mode)) return std::nullopt;
  return file;
}

}  // namespace

LocalStore::LocalStore(std::filesystem::path root, bool lock_writes)
    : root_(std::move(root)), lock_writes_(lock_writes) {
  std::error_code error;
  std::filesystem::create_directories(root_, error);
  if (error) ThrowIoError("cannot create storage folder", root_, error.value());
  root_ = std::filesystem::canonical(root_);
  root_fd_ = ::open(root_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root_fd_ < 0) ThrowIoError("cannot open storage folder", root_, errno);
}

LocalStore::~LocalStore() { ::close(root_fd_); }

std::filesystem::path LocalStore::PathOf(const std::string& key) const {
  ValidateKey(key);
  return root_ / key;
}

namespace {

// One read of an open file; every read of it sees the same version of the object.
ReadResult ReadOpenFile(const OpenFile& file, const ByteRange& wanted,
                        std::span<const std::span<std::byte>> into,
                        const std::filesystem::path& path) {
  const auto object_size = static_cast<std::uint64_t>(file.info.st_size);
  const auto range = store::Resolve(wanted, object_size);
  ReadResult result{ReadResult::Status::kValue, {}, range.count, GenerationOf(file.info),
                    object_size};
  if (into.empty()) {
    result.value = Buffer::Allocate(range.count);
    result.value.Shrink(ReadFully(file.fd.get(), result.value.data(), range.count, range.start,
                                  path));
    result.size = result.value.size();
    return result;
  }
  // Straight into the caller's buffers: no copy.
  std::uint64_t done = 0;
  for (const auto& buffer : into) {
    if (done >= range.count) break;
    const auto length =
        static_cast<std::size_t>(std::min<std::uint64_t>(buffer.size(), range.count - done));
    done += ReadFully(file.fd.get(), buffer.data(), length, range.start + done, path);
  }
  return result;
}

}  // namespace

ReadResult LocalStore::Read(const std::string& key, const ReadOptions& options) {
  const auto path = PathOf(key);
  const auto file = OpenForReading(root_fd_, key, path);
  if (!file) return {};
  if (!options.unless_generation.empty() && GenerationOf(file->info) == options.unless_generation) {
    return {ReadResult::Status::kUnchanged, {}, 0, options.unless_generation,
            static_cast<std::uint64_t>(file->info.st_size)};
  }
  return ReadOpenFile(*file, options.range, options.into, path);
}

std::vector<ReadResult> LocalStore::ReadRanges(const std::string& key,
                                               std::span<const RangeRead> reads) {
  // One open file for all ranges (one version of the object), each range read into place:
  // merging would only add a copy on local disk.
  const auto path = PathOf(key);
  const auto file = OpenForReading(root_fd_, key, path);
  std::vector<ReadResult> results(reads.size());
  if (!file) return results;
  for (std::size_t i = 0; i < reads.size(); ++i) {
    results[i] = ReadOpenFile(*file, reads[i].range, reads[i].into, path);
  }
  return results;
}

std::string LocalStore::PutParts(const std::string& key,
                                 std::span<const std::span<const std::byte>> parts) {
  const auto path = PathOf(key);
  const FileDescriptor folder(store::OpenParentBeneath(root_fd_, key, /*create=*/true));
  if (folder.get() < 0) ThrowOpenError(path.parent_path(), errno);
  const std::string name = store::BaseName(key);
  const std::string temp = TempName(name);
  FileDescriptor fd(::openat(folder.get(), temp.c_str(),
                             O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644));
  if (fd.get() < 0) ThrowIoError("cannot create a file in", path.parent_path(), errno);
  auto fail = [&](const char* what, int saved_errno) {
    ::unlinkat(folder.get(), temp.c_str(), 0);
    ThrowIoError(what, path, saved_errno);
  };
  for (const auto& part : parts) {
    std::size_t done = 0;
    while (done < part.size()) {
      const ssize_t n = ::write(fd.get(), part.data() + done, part.size() - done);
      if (n < 0) {
        if (errno == EINTR) continue;
        fail("cannot write", errno);
      }
      done += static_cast<std::size_t>(n);
    }
  }
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0) fail("cannot stat", errno);
  if (fd.Close() != 0) fail("cannot write", errno);
  // Within one folder, by plain names: the rename resolves no path at all.
  if (::renameat(folder.get(), temp.c_str(), folder.get(), name.c_str()) != 0) {
    fail("cannot replace", errno);
  }
  return GenerationOf(info);  // a rename keeps the inode, size and mtime
}

void LocalStore::Delete(const std::string& key) {
  const auto path = PathOf(key);
  const FileDescriptor folder(store::OpenParentBeneath(root_fd_, key, /*create=*/false));
  if (folder.get() < 0) {
    if (errno == ENOENT || errno == ENOTDIR) return;
    ThrowOpenError(path.parent_path(), errno);
  }
  const std::string name = store::BaseName(key);
  if (::unlinkat(folder.get(), name.c_str(), 0) != 0 && errno != ENOENT && errno != EISDIR) {
    ThrowIoError("cannot delete", path, errno);
  }
}

std::optional<std::filesystem::path> LocalStore::FolderBeneath(const std::string& prefix) const {
  if (prefix.empty()) return root_;
  const auto path = PathOf(prefix);
  const FileDescriptor folder(store::OpenBeneath(root_fd_, prefix, O_PATH | O_DIRECTORY));
  if (folder.get() < 0) {
    if (errno == ENOENT || errno == ENOTDIR) return std::nullopt;
    ThrowOpenError(path, errno);
  }
  return path;
}

void LocalStore::DeletePrefix(const std::string& prefix) {
  const auto folder = FolderBeneath(prefix);
  if (!folder) return;
  std::error_code error;
  std::filesystem::remove_all(*folder, error);  // removes symlinks, never follows them
  if (error) ThrowIoError("cannot delete", *folder, error.value());
}

std::vector<std::string> LocalStore::List(const std::string& prefix) {
  std::vector<std::string> keys;
  for (auto& object : ListWithSizes(prefix)) keys.push_back(std::move(object.key));
  return keys;
}

std::vector<ObjectSize> LocalStore::ListWithSizes(const std::string& prefix) {
  std::vector<ObjectSize> objects;
  const auto base = FolderBeneath(prefix);
  if (!base) return objects;
  std::error_code error;
  std::filesystem::recursive_directory_iterator it(*base, error), end;  // follows no symlink
  if (error) ThrowIoError("cannot list", *base, error.value());
  for (; it != end; it.increment(error)) {
    if (error) ThrowIoError("cannot list", *base, error.value());
    if (it->is_symlink(error) || !it->is_regular_file(error)) continue;
    const std::string name = it->path().filename().string();
    if (name.starts_with(kHiddenPrefix)) continue;  // temp and lock files
    const std::uint64_t bytes = it->file_size(error);
    if (error) continue;  // removed since it was listed
    objects.push_back({std::filesystem::relative(it->path(), root_).generic_string(), bytes});
  }
  std::sort(objects.begin(), objects.end(),
            [](const ObjectSize& a, const ObjectSize& b) { return a.key < b.key; });
  return objects;
}

bool LocalStore::Exists(const std::string& key) {
  return OpenForReading(root_fd_, key, PathOf(key)).has_value();
}

namespace {

// An flock held on an open lock file; closing the descriptor releases it.
class FileLock final : public KeyLock {
 public:
  explicit FileLock(FileDescriptor fd) : fd_(std::move(fd)) {}

 private:
  FileDescriptor fd_;
};

}  // namespace

std::unique_ptr<KeyLock> LocalStore::LockKey(const std::string& key) {
  if (!lock_writes_) return nullptr;
  const auto path = PathOf(key);
  const FileDescriptor folder(store::OpenParentBeneath(root_fd_, key, /*create=*/true));
  if (folder.get() < 0) ThrowOpenError(path.parent_path(), errno);
  const std::string name = std::string(kLockPrefix) + store::BaseName(key);
  FileDescriptor fd(
      ::openat(folder.get(), name.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644));
  if (fd.get() < 0) ThrowIoError("cannot open the lock file for", path, errno);
  while (::flock(fd.get(), LOCK_EX) != 0) {
    if (errno != EINTR) ThrowIoError("cannot lock", path, errno);
  }
  return std::make_unique<FileLock>(std::move(fd));
}

std::string LocalStore::Describe() const { return "file://" + root_.string(); }

std::shared_ptr<Store> OpenLocalStore(const std::string& root, bool lock_writes) {
  if (root.empty()) throw InvalidArgumentError("the storage folder path is empty");
  return std::make_shared<LocalStore>(root, lock_writes);
}

}  // namespace hub
