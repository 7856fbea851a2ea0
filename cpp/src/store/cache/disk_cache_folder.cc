// The files of a disk cache (see disk_cache_folder.h).
#include "store/cache/disk_cache_folder.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <vector>

#include "codec/crc32c.h"
#include "hub/errors.h"
#include "hub/log.h"
#include "store/read_range.h"

namespace hub::store {
namespace {

namespace fs = std::filesystem;

constexpr char kMagic[8] = {'h', 'u', 'b', 'd', 'c', '1', '\n', '\0'};
constexpr std::uint64_t kUnknownSize = UINT64_MAX;
constexpr const char* kTempPrefix = ".tmp-";
constexpr const char* kLedgerName = "ledger";
constexpr const char* kConfirmedName = "confirmed";
// The cache's own folder inside the one given: eviction walks and deletes only in here, so a
// cache pointed at a folder that holds other files never touches them.
constexpr const char* kCacheFolderName = "hub_v1-disk-cache";
// An entry's fields before its bytes take at most this much (its object's scope and key).
constexpr std::uint64_t kLongestHeader = 64 << 10;
// A temporary file this old belongs to a writer that died: eviction removes it.
constexpr auto kAbandonedTempAge = std::chrono::minutes(10);

// 64-bit FNV-1a: the same name for an object in every process and every build.
std::uint64_t StableHash(std::string_view text) {
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  for (const char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

std::string Hex(std::uint64_t value) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string text(16, '0');
  for (int i = 15; i >= 0; --i, value >>= 4)
    text[static_cast<std::size_t>(i)] = kDigits[value & 15];
  return text;
}

std::string RangeFileName(const ByteRange& range) {
  if (range.IsWhole()) return "whole";
  std::string name(1, range.suffix ? 's' : 'b');
  if (!range.suffix) name.append(std::to_string(range.offset)).append(1, '-');
  return name.append(std::to_string(range.length));
}

// A file descriptor closed when it goes out of scope.
class File {
 public:
  explicit File(int fd) : fd_(fd) {}
  File(const File&) = delete;
  File& operator=(const File&) = delete;
  ~File() {
    if (fd_ >= 0) ::close(fd_);
  }
  int fd() const { return fd_; }
  bool ok() const { return fd_ >= 0; }

 private:
  int fd_;
};

bool WriteAll(int fd, const void* data, std::size_t size) {
  const auto* bytes = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t written = ::write(fd, bytes, size);
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) return false;
    bytes += written;
    size -= static_cast<std::size_t>(written);
  }
  return true;
}

bool ReadAll(int fd, void* data, std::size_t size, std::uint64_t offset) {
  auto* bytes = static_cast<char*>(data);
  while (size > 0) {
    const ssize_t got = ::pread(fd, bytes, size, static_cast<off_t>(offset));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return false;
    bytes += got;
    size -= static_cast<std::size_t>(got);
    offset += static_cast<std::uint64_t>(got);
  }
  return true;
}

// The entry's fields before its bytes, in the order the file holds them.
void AppendNumber(std::string& out, std::uint64_t value) {
  out.append(reinterpret_cast<const char*>(&value), sizeof value);
}
void AppendText(std::string& out, const std::string& text) {
  AppendNumber(out, text.size());
  out += text;
}

// Reads the fields EncodeHeader wrote, advancing `at`; false past the end.
struct HeaderReader {
  std::span<const std::byte> bytes;
  std::size_t at = 0;
  bool Number(std::uint64_t& value) {
    if (bytes.size() - at < sizeof value) return false;
    std::memcpy(&value, bytes.data() + at, sizeof value);
    at += sizeof value;
    return true;
  }
  bool Text(std::string& text) {
    std::uint64_t size = 0;
    if (!Number(size) || bytes.size() - at < size) return false;
    text.assign(reinterpret_cast<const char*>(bytes.data() + at), size);
    at += size;
    return true;
  }
};

// Writes `contents` (in parts) as `folder`/`name` atomically: a temporary file renamed over it.
bool WriteAtomically(const std::string& folder, const std::string& name,
                     std::span<const std::span<const std::byte>> contents) {
  static std::atomic<std::uint64_t> counter{0};
  const std::string temp = folder + "/" + kTempPrefix + std::to_string(::getpid()) + "-" +
                           std::to_string(counter.fetch_add(1));
  {
    const File file(::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
    if (!file.ok()) return false;
    for (const auto& part : contents) {
      if (!WriteAll(file.fd(), part.data(), part.size())) {
        ::unlink(temp.c_str());
        return false;
      }
    }
  }
  if (::rename(temp.c_str(), (folder + "/" + name).c_str()) != 0) {
    ::unlink(temp.c_str());
    return false;
  }
  return true;
}

// The fields of an entry before its bytes: nullopt unless they belong to `object` and agree
// with the file's size. `at` becomes the offset of the bytes.
std::optional<CachedRange> ParseHeader(std::span<const std::byte> head, const std::string& object,
                                       std::uint64_t file_size, std::size_t& at) {
  if (head.size() < sizeof kMagic || std::memcmp(head.data(), kMagic, sizeof kMagic) != 0) {
    return std::nullopt;
  }
  HeaderReader header{head, sizeof kMagic};
  std::string identity;
  CachedRange entry;
  std::uint64_t object_size = 0;
  std::uint64_t payload = 0;
  if (!header.Text(identity) || identity != object || !header.Text(entry.generation) ||
      !header.Number(object_size) || !header.Number(payload) ||
      file_size != header.at + payload + 4) {
    return std::nullopt;
  }
  if (object_size != kUnknownSize) entry.object_size = object_size;
  at = header.at;
  return entry;
}

// The entry file at `path` if it belongs to `object`; marks it used. Read whole (nullopt
// `part`), it must match its CRC-32C (a damaged entry is deleted). Only `part` of its bytes
// (a range of a whole object) is read without the whole file: a file is renamed into place
// complete, and the engine checks what it reads by the chunks' own checksums and codecs.
std::optional<CachedRange> ReadEntry(const std::string& path, const std::string& object,
                                     const std::optional<ByteRange>& part = std::nullopt) {
  const File file(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!file.ok()) return std::nullopt;
  struct stat info {};
  if (::fstat(file.fd(), &info) != 0 || info.st_size < static_cast<off_t>(sizeof kMagic + 4)) {
    return std::nullopt;
  }
  const auto file_size = static_cast<std::uint64_t>(info.st_size);
  std::optional<CachedRange> entry;
  if (!part) {
    Buffer contents = Buffer::Allocate(file_size);
    if (!ReadAll(file.fd(), contents.data(), contents.size(), 0)) return std::nullopt;
    const std::span<const std::byte> bytes = contents.span();
    std::uint32_t stored_crc = 0;
    std::memcpy(&stored_crc, bytes.data() + bytes.size() - 4, 4);
    if (codec::Crc32c(bytes.first(bytes.size() - 4)) != stored_crc) {
      ::unlink(path.c_str());  // damaged: never served, and its space comes back
      return std::nullopt;
    }
    std::size_t at = 0;
    entry = ParseHeader(bytes, object, file_size, at);
    if (!entry) return std::nullopt;
    entry->bytes = contents.Slice(at, file_size - at - 4);
  } else {
    Buffer head = Buffer::Allocate(std::min<std::uint64_t>(file_size, kLongestHeader));
    if (!ReadAll(file.fd(), head.data(), head.size(), 0)) return std::nullopt;
    std::size_t at = 0;
    entry = ParseHeader(head.span(), object, file_size, at);
    if (!entry) return std::nullopt;
    const ResolvedRange range = Resolve(*part, file_size - at - 4);
    entry->bytes = Buffer::Allocate(range.count);
    if (!ReadAll(file.fd(), entry->bytes.data(), range.count, at + range.start)) {
      return std::nullopt;
    }
  }
  ::futimens(file.fd(), nullptr);  // used now: the last to be evicted
  return entry;
}

}  // namespace

DiskCacheFolder::DiskCacheFolder(std::string root, std::uint64_t size_bytes)
    : root_(std::move(root) + "/" + kCacheFolderName), size_bytes_(size_bytes) {
  std::error_code error;
  fs::create_directories(root_, error);
  if (error || !fs::is_directory(root_)) {
    throw StorageError("cannot make the disk cache folder '" + root_ + "': " + error.message());
  }
}

bool DiskCacheFolder::Keepable(const ByteRange& range) {
  return range.IsWhole() || range.suffix || range.length != ByteRange::kToEnd;
}

std::string DiskCacheFolder::ObjectFolder(const std::string& object) const {
  const std::string name = Hex(StableHash(object));
  return root_ + "/" + name.substr(0, 2) + "/" + name;
}

std::optional<CachedRange> DiskCacheFolder::Find(const std::string& object,
                                                 const ByteRange& range) const {
  if (!Keepable(range)) return std::nullopt;
  const std::string folder = ObjectFolder(object);
  if (auto exact = ReadEntry(folder + "/" + RangeFileName(range), object)) return exact;
  if (range.IsWhole()) return std::nullopt;
  return ReadEntry(folder + "/whole", object, range);
}

void DiskCacheFolder::Keep(const std::string& object, const ByteRange& range,
                           const CachedRange& entry) const {
  if (!Keepable(range)) return;
  std::string header(kMagic, sizeof kMagic);
  AppendText(header, object);
  AppendText(header, entry.generation);
  AppendNumber(header, entry.object_size.value_or(kUnknownSize));
  AppendNumber(header, entry.bytes.size());
  const std::uint64_t file_bytes = header.size() + entry.bytes.size() + 4;
  if (file_bytes > size_bytes_ / 4) return;  // one entry never crowds out most of the rest
  // The checksum covers the header and the bytes, which go out as they are, uncopied.
  const std::span<const std::byte> checked[] = {std::as_bytes(std::span(header)),
                                                entry.bytes.span()};
  const std::uint32_t sum = codec::Crc32cOfParts(checked);
  const std::span<const std::byte> parts[] = {checked[0], checked[1],
                                              std::as_bytes(std::span(&sum, 1))};
  const std::string folder = ObjectFolder(object);
  std::error_code error;
  fs::create_directories(folder, error);
  Reserve(file_bytes);
  if (error || !WriteAtomically(folder, RangeFileName(range), parts)) {
    Log(LogLevel::kDebug, "disk cache: could not keep an entry in " + folder);
  }
}

void DiskCacheFolder::Forget(const std::string& object) const {
  std::error_code error;
  for (const auto& file : fs::directory_iterator(ObjectFolder(object), error)) {
    std::error_code ignored;
    fs::remove(file.path(), ignored);
  }
}

void DiskCacheFolder::Confirm(const std::string& object, const std::string& generation) const {
  const std::string folder = ObjectFolder(object);
  std::error_code error;
  fs::create_directories(folder, error);
  const std::span<const std::byte> parts[] = {std::as_bytes(std::span(generation))};
  if (error || !WriteAtomically(folder, kConfirmedName, parts)) {
    Log(LogLevel::kDebug, "disk cache: could not note a confirmation in " + folder);
  }
}

bool DiskCacheFolder::ConfirmedWithin(const std::string& object, const std::string& generation,
                                      double seconds) const {
  if (seconds <= 0) return false;
  const std::string path = ObjectFolder(object) + "/" + kConfirmedName;
  const File file(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  struct stat info {};
  if (!file.ok() || ::fstat(file.fd(), &info) != 0 ||
      static_cast<std::size_t>(info.st_size) != generation.size()) {
    return false;
  }
  std::string stored(generation.size(), '\0');
  if (!ReadAll(file.fd(), stored.data(), stored.size(), 0) || stored != generation) return false;
  const auto confirmed_at = std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(
          std::chrono::seconds(info.st_mtim.tv_sec) +
          std::chrono::nanoseconds(info.st_mtim.tv_nsec)));
  const auto age = std::chrono::system_clock::now() - confirmed_at;
  return age >= std::chrono::seconds(0) && age < std::chrono::duration<double>(seconds);
}

void DiskCacheFolder::Reserve(std::uint64_t bytes) const {
  const std::string ledger = root_ + "/" + kLedgerName;
  const File file(::open(ledger.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
  if (!file.ok()) return;
  if (::flock(file.fd(), LOCK_EX) != 0) return;  // released when the file closes
  std::uint64_t held = 0;
  struct stat info {};
  const bool counted = ::fstat(file.fd(), &info) == 0 && info.st_size == sizeof held &&
                       ReadAll(file.fd(), &held, sizeof held, 0);
  if (!counted) held = HeldBytes();  // a new ledger (or a damaged one) starts from the files
  held += bytes;
  // Past the size, evict down to three quarters of it, so that eviction (a walk of the whole
  // folder) happens once per quarter of the size written rather than once per entry.
  // (Keep's entries are at most a quarter of the size, so the target is at least half of it.)
  if (held > size_bytes_) held = Evict(size_bytes_ / 4 * 3 - bytes) + bytes;
  if (::pwrite(file.fd(), &held, sizeof held, 0) != sizeof held) {
    Log(LogLevel::kDebug, "disk cache: could not update the ledger in " + root_);
  }
}

namespace {

struct FileUse {
  fs::file_time_type used;
  std::uint64_t bytes;
  fs::path path;
};

// Whether a file of that name is one the cache writes in an object's folder: an entry, a
// confirmation, or a temporary file (not the ledger, and nothing else).
bool IsCacheFile(const std::string& name) {
  if (name == "whole" || name == kConfirmedName || name.starts_with(kTempPrefix)) return true;
  return name.size() > 1 && (name[0] == 'b' || name[0] == 's') &&
         name.find_first_not_of("0123456789-", 1) == std::string::npos;
}

// Every entry file under `root` (not the ledger), oldest use first; temporary files of dead
// writers are deleted on the way.
std::vector<FileUse> EntryFiles(const std::string& root) {
  std::vector<FileUse> files;
  std::error_code error;
  const auto now = fs::file_time_type::clock::now();
  for (auto it = fs::recursive_directory_iterator(
           root, fs::directory_options::skip_permission_denied, error);
       !error && it != fs::recursive_directory_iterator(); it.increment(error)) {
    std::error_code ignored;
    if (!it->is_regular_file(ignored) || !IsCacheFile(it->path().filename().string())) continue;
    const auto used = it->last_write_time(ignored);
    const auto bytes = it->file_size(ignored);
    if (ignored) continue;  // gone meanwhile
    if (it->path().filename().string().starts_with(kTempPrefix) && now - used > kAbandonedTempAge) {
      fs::remove(it->path(), ignored);
      continue;
    }
    files.push_back({used, bytes, it->path()});
  }
  std::sort(files.begin(), files.end(),
            [](const FileUse& a, const FileUse& b) { return a.used < b.used; });
  return files;
}

}  // namespace

std::uint64_t DiskCacheFolder::HeldBytes() const {
  std::uint64_t held = 0;
  for (const FileUse& file : EntryFiles(root_)) held += file.bytes;
  return held;
}

std::uint64_t DiskCacheFolder::Evict(std::uint64_t target) const {
  const std::vector<FileUse> files = EntryFiles(root_);
  std::uint64_t held = 0;
  for (const FileUse& file : files) held += file.bytes;
  for (const FileUse& file : files) {
    if (held <= target) break;
    std::error_code error;
    if (fs::remove(file.path, error)) held -= file.bytes;
  }
  return held;
}

}  // namespace hub::store
