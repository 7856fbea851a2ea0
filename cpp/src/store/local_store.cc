// LocalStore: files under a root folder (see local_store.h). Every path is opened beneath the
// root (store/beneath.h), so '..' or a symlink pointing outside can never be followed.
#include "store/local_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <system_error>
#include <utility>
#include <vector>

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

// Reads up to `length` bytes at `offset` into the buffers in turn, in as few calls as the
// kernel allows (one, for a regular file in the page cache); returns how many were read.
std::uint64_t ReadFullyInto(int fd, std::span<const std::span<std::byte>> into,
                            std::uint64_t length, std::uint64_t offset,
                            const std::filesystem::path& path) {
  std::vector<iovec> pieces;
  pieces.reserve(into.size());
  for (const auto& buffer : into) {
    if (length == 0) break;
    const auto size = static_cast<std::size_t>(std::min<std::uint64_t>(buffer.size(), length));
    pieces.push_back({buffer.data(), size});
    length -= size;
  }
  std::span<iovec> left(pieces);
  const std::uint64_t start = offset;
  while (!left.empty()) {
    const int count = static_cast<int>(std::min<std::size_t>(left.size(), IOV_MAX));
    const ssize_t n = ::preadv(fd, left.data(), count, static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      ThrowIoError("cannot read", path, errno);
    }
    if (n == 0) break;
    offset += static_cast<std::uint64_t>(n);
    for (auto done = static_cast<std::size_t>(n); done > 0;) {
      const std::size_t step = std::min(done, left.front().iov_len);
      left.front().iov_base = static_cast<std::byte*>(left.front().iov_base) + step;
      left.front().iov_len -= step;
      done -= step;
      if (left.front().iov_len == 0) left = left.subspan(1);
    }
  }
  return offset - start;
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

// Opened non-blocking, so a FIFO or device planted in the store cannot stall the open; anything
// but a regular file is refused, naming the key.
std::optional<OpenFile> OpenForReading(int root_fd, const std::string& key,
                                       const std::filesystem::path& path) {
  OpenFile file{FileDescriptor(store::OpenBeneath(root_fd, key, O_RDONLY | O_NONBLOCK)), {}};
  if (file.fd.get() < 0) {
    if (errno == ENOENT || errno == ENOTDIR) return std::nullopt;
    ThrowOpenError(path, errno);
  }
  if (::fstat(file.fd.get(), &file.info) != 0) ThrowIoError("cannot stat", path, errno);
  if (!S_ISREG(file.info.st_mode)) {
    throw StorageError("'" + key + "' (" + path.string() + ") is " +
                       (S_ISDIR(file.info.st_mode) ? "a folder" : "a special file") +
                       ", not a regular file; hub_v1 reads only regular files");
  }
  return file;
}

// A descriptor for the folder `relative` beneath the root ("" for the root itself), readable
// so that it can be listed; -1 with errno set.
int OpenFolderBeneath(int root_fd, const std::string& relative) {
  constexpr int kFlags = O_RDONLY | O_DIRECTORY | O_NONBLOCK;
  if (relative.empty()) return ::openat(root_fd, ".", kFlags | O_CLOEXEC);
  return store::OpenBeneath(root_fd, relative, kFlags);
}

// One entry of a folder, seen through the folder's descriptor without following symlinks.
struct FolderEntry {
  std::string name;
  struct stat info {};
};

// The entries of the open folder `folder` (not "." and ".."), each stat'ed relative to it.
std::vector<FolderEntry> ReadFolder(int folder, const std::filesystem::path& shown) {
  DIR* stream = ::fdopendir(::fcntl(folder, F_DUPFD_CLOEXEC, 0));
  if (!stream) ThrowIoError("cannot list", shown, errno);
  std::vector<FolderEntry> entries;
  errno = 0;
  while (const dirent* entry = ::readdir(stream)) {
    const std::string name = entry->d_name;
    if (name == "." || name == "..") continue;
    FolderEntry found{name, {}};
    // Relative to the folder's descriptor and never following a symlink: nothing swapped in
    // since the folder was opened can lead this outside it.
    if (::fstatat(folder, name.c_str(), &found.info, AT_SYMLINK_NOFOLLOW) == 0) {
      entries.push_back(std::move(found));
    }
    errno = 0;
  }
  const int error = errno;
  ::closedir(stream);
  if (error != 0) ThrowIoError("cannot list", shown, error);
  return entries;
}

// Opens the subfolder `name` of the open folder `folder`; -1 if it is gone or is no longer a
// folder (a symlink swapped in is refused by O_NOFOLLOW).
int OpenSubfolder(int folder, const std::string& name) {
  return ::openat(folder, name.c_str(),
                  O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
}

bool IsHidden(const std::string& name) { return name.starts_with(LocalStore::kHiddenPrefix); }

// Every regular file below the open folder, keyed `prefix` + its relative path, walking
// through folder descriptors only.
void CollectFiles(int folder, const std::string& prefix, const std::filesystem::path& shown,
                  std::vector<ObjectSize>& objects) {
  for (const FolderEntry& entry : ReadFolder(folder, shown)) {
    if (S_ISDIR(entry.info.st_mode)) {
      const FileDescriptor sub(OpenSubfolder(folder, entry.name));
      if (sub.get() >= 0) {
        CollectFiles(sub.get(), prefix + entry.name + "/", shown / entry.name, objects);
      }
    } else if (S_ISREG(entry.info.st_mode) && !IsHidden(entry.name)) {
      objects.push_back({prefix + entry.name, static_cast<std::uint64_t>(entry.info.st_size)});
    }
  }
}

// Removes everything inside the open folder, through folder descriptors only: unlinkat
// removes a name (a symlink itself, never its target), and a subfolder is entered only by
// opening it with O_NOFOLLOW relative to the folder just listed.
void RemoveContents(int folder, const std::filesystem::path& shown) {
  for (const FolderEntry& entry : ReadFolder(folder, shown)) {
    const char* name = entry.name.c_str();
    if (::unlinkat(folder, name, 0) == 0 || errno == ENOENT) continue;
    if (errno != EISDIR) ThrowIoError("cannot delete", shown / entry.name, errno);
    const FileDescriptor sub(OpenSubfolder(folder, entry.name));
    if (sub.get() < 0) {
      // Swapped for something else since it was listed: remove that name instead.
      if (::unlinkat(folder, name, 0) != 0 && errno != ENOENT) {
        ThrowIoError("cannot delete", shown / entry.name, errno);
      }
      continue;
    }
    RemoveContents(sub.get(), shown / entry.name);
    if (::unlinkat(folder, name, AT_REMOVEDIR) != 0 && errno != ENOENT) {
      ThrowIoError("cannot delete", shown / entry.name, errno);
    }
  }
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
ReadResult ReadOpenFile(const OpenFile& file, const std::string& key, const ReadOptions& options,
                        const std::filesystem::path& path) {
  const ByteRange& wanted = options.range;
  const std::span<const std::span<std::byte>> into = options.into;
  const auto object_size = static_cast<std::uint64_t>(file.info.st_size);
  const auto range = store::Resolve(wanted, object_size);
  store::CheckReadSize(key, range.count, options);  // from fstat: nothing read yet
  ReadResult result{
      ReadResult::Status::kValue, {}, range.count, GenerationOf(file.info), object_size};
  if (into.empty()) {
    result.value = Buffer::AllocateForReads(range.count);  // see AllocateForReads
    const std::span<std::byte> whole[] = {result.value.mutable_span()};
    result.value.Shrink(ReadFullyInto(file.fd.get(), whole, range.count, range.start, path));
    result.size = result.value.size();
    return result;
  }
  // Straight into the caller's buffers, in one call: no copy. The size stays the range's
  // (more than the buffers hold, for an object bigger than the caller expects), unless the
  // file was cut short since its fstat: then the bytes that came. The caller refuses both.
  std::uint64_t room = 0;
  for (const auto& buffer : into) room += buffer.size();
  const std::uint64_t to_read = std::min(range.count, room);
  const std::uint64_t read = ReadFullyInto(file.fd.get(), into, to_read, range.start, path);
  if (read < to_read) result.size = read;
  return result;
}

}  // namespace

namespace {

// The object's file, opened once: every read through it sees that one version (a writer
// replaces the file by a rename, which leaves the open one as it was).
class OpenFileReader final : public ObjectReader {
 public:
  OpenFileReader(std::optional<OpenFile> file, std::string key, std::filesystem::path path)
      : file_(std::move(file)), key_(std::move(key)), path_(std::move(path)) {}

  ReadResult Read(const ReadOptions& options) override {
    if (!file_) return {};
    store::CheckReadVersion(key_, GenerationOf(file_->info), options);
    if (!options.unless_generation.empty() &&
        GenerationOf(file_->info) == options.unless_generation) {
      return {ReadResult::Status::kUnchanged,
              {},
              0,
              options.unless_generation,
              static_cast<std::uint64_t>(file_->info.st_size)};
    }
    return ReadOpenFile(*file_, key_, options, path_);
  }

  // Each range read into place: merging would only add a copy on local disk.
  std::vector<ReadResult> ReadRanges(std::span<const Store::RangeRead> reads) override {
    std::vector<ReadResult> results(reads.size());
    if (!file_) return results;
    for (std::size_t i = 0; i < reads.size(); ++i) {
      ReadOptions options;
      options.range = reads[i].range;
      options.into = reads[i].into;
      options.if_generation = reads[i].if_generation;
      store::CheckReadVersion(key_, GenerationOf(file_->info), options);
      results[i] = ReadOpenFile(*file_, key_, options, path_);
    }
    return results;
  }

 private:
  std::optional<OpenFile> file_;  // nullopt: the object does not exist
  std::string key_;
  std::filesystem::path path_;
};

}  // namespace

std::unique_ptr<ObjectReader> LocalStore::OpenObject(const std::string& key) {
  auto path = PathOf(key);
  auto file = OpenForReading(root_fd_, key, path);
  return std::make_unique<OpenFileReader>(std::move(file), key, std::move(path));
}

ReadResult LocalStore::Read(const std::string& key, const ReadOptions& options) {
  return OpenObject(key)->Read(options);
}

std::vector<ReadResult> LocalStore::ReadRanges(const std::string& key,
                                               std::span<const RangeRead> reads) {
  return OpenObject(key)->ReadRanges(reads);  // one open file: one version for every range
}

void LocalStore::SweepStaleTempFilesOnce(int folder, const std::string& key) {
  const std::size_t slash = key.rfind('/');
  const std::string folder_key = slash == std::string::npos ? "" : key.substr(0, slash);
  {
    std::lock_guard lock(swept_mutex_);
    if (!swept_folders_.insert(folder_key).second) return;
  }
  const FileDescriptor readable(::openat(folder, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (readable.get() < 0) return;  // the sweep is best effort; the write goes on
  const auto now = std::chrono::system_clock::now();
  try {
    for (const FolderEntry& entry : ReadFolder(readable.get(), root_ / folder_key)) {
      if (!entry.name.starts_with(kTempPrefix) || !S_ISREG(entry.info.st_mode)) continue;
      const auto modified = std::chrono::system_clock::from_time_t(entry.info.st_mtim.tv_sec);
      if (now - modified > kStaleTempAge) ::unlinkat(readable.get(), entry.name.c_str(), 0);
    }
  } catch (const StorageError&) {
  }
}

std::string LocalStore::PutParts(const std::string& key,
                                 std::span<const std::span<const std::byte>> parts) {
  const auto path = PathOf(key);
  const FileDescriptor folder(store::OpenParentBeneath(root_fd_, key, /*create=*/true));
  if (folder.get() < 0) ThrowOpenError(path.parent_path(), errno);
  SweepStaleTempFilesOnce(folder.get(), key);
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

void LocalStore::DeletePrefix(const std::string& prefix) {
  if (prefix.empty()) {
    const FileDescriptor root(OpenFolderBeneath(root_fd_, ""));
    if (root.get() < 0) ThrowIoError("cannot open storage folder", root_, errno);
    RemoveContents(root.get(), root_);
    return;
  }
  const auto path = PathOf(prefix);
  const FileDescriptor parent(store::OpenParentBeneath(root_fd_, prefix, /*create=*/false));
  if (parent.get() < 0) {
    if (errno == ENOENT || errno == ENOTDIR) return;
    ThrowOpenError(path.parent_path(), errno);
  }
  const std::string name = store::BaseName(prefix);
  const FileDescriptor folder(OpenSubfolder(parent.get(), name));
  if (folder.get() >= 0) {
    RemoveContents(folder.get(), path);
    if (::unlinkat(parent.get(), name.c_str(), AT_REMOVEDIR) != 0 && errno != ENOENT) {
      ThrowIoError("cannot delete", path, errno);
    }
  } else if (::unlinkat(parent.get(), name.c_str(), 0) != 0 && errno != ENOENT) {
    ThrowIoError("cannot delete", path, errno);  // `prefix` itself, as an object
  }
}

std::vector<std::string> LocalStore::List(const std::string& prefix) {
  std::vector<std::string> keys;
  for (auto& object : ListWithSizes(prefix)) keys.push_back(std::move(object.key));
  return keys;
}

std::vector<ObjectSize> LocalStore::ListWithSizes(const std::string& prefix) {
  std::vector<ObjectSize> objects;
  const auto shown = prefix.empty() ? root_ : PathOf(prefix);
  const FileDescriptor folder(OpenFolderBeneath(root_fd_, prefix));
  if (folder.get() < 0) {
    if (errno == ENOENT || errno == ENOTDIR) return objects;
    ThrowOpenError(shown, errno);
  }
  CollectFiles(folder.get(), prefix.empty() ? "" : prefix + "/", shown, objects);
  std::sort(objects.begin(), objects.end(),
            [](const ObjectSize& a, const ObjectSize& b) { return a.key < b.key; });
  return objects;
}

Store::FolderListing LocalStore::ListFolder(const std::string& prefix) {
  FolderListing listing;
  const auto shown = prefix.empty() ? root_ : PathOf(prefix);
  const FileDescriptor folder(OpenFolderBeneath(root_fd_, prefix));
  if (folder.get() < 0) {
    if (errno == ENOENT || errno == ENOTDIR) return listing;
    ThrowOpenError(shown, errno);
  }
  const std::string above = prefix.empty() ? "" : prefix + "/";
  for (const FolderEntry& entry : ReadFolder(folder.get(), shown)) {
    if (S_ISDIR(entry.info.st_mode)) {
      listing.folders.push_back(above + entry.name);
    } else if (S_ISREG(entry.info.st_mode) && !IsHidden(entry.name)) {
      listing.keys.push_back(above + entry.name);
    }
  }
  std::sort(listing.keys.begin(), listing.keys.end());
  std::sort(listing.folders.begin(), listing.folders.end());
  return listing;
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

std::unique_ptr<KeyLock> LocalStore::LockKey(const std::string& key, LockWhen when) {
  if (!lock_writes_ && when != LockWhen::kAlways) return nullptr;
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
