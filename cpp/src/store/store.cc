// Store's shared behaviour: key validation (no store can be escaped) and default methods.
#include "hub/store.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <utility>

#include "hub/errors.h"
#include "store/read_range.h"

namespace hub {

void ValidateKey(const std::string& key) {
  auto reject = [&](const char* why) {
    throw InvalidArgumentError("invalid name '" + key + "': " + why);
  };
  if (key.empty()) reject("it is empty");
  if (key.front() == '/') reject("it must not start with '/'");
  if (key.back() == '/') reject("it must not end with '/'");
  std::size_t segment_start = 0;
  for (std::size_t i = 0; i <= key.size(); ++i) {
    if (i < key.size()) {
      const unsigned char c = static_cast<unsigned char>(key[i]);
      if (c == '\\') reject("backslashes are not allowed");
      if (c < 0x20 || c == 0x7f) reject("control characters are not allowed");
      if (c != '/') continue;
    }
    const std::string_view segment(key.data() + segment_start, i - segment_start);
    if (segment.empty()) reject("it has an empty path segment ('//')");
    if (segment == "." || segment == "..") reject("'.' and '..' segments are not allowed");
    segment_start = i + 1;
  }
}

namespace store {

ResolvedRange Resolve(const ByteRange& range, std::uint64_t object_size) {
  if (range.suffix) {
    const std::uint64_t count = std::min(range.length, object_size);
    return {object_size - count, count};
  }
  const std::uint64_t start = std::min(range.offset, object_size);
  return {start, std::min(range.length, object_size - start)};
}

std::uint64_t WantedBytes(const ReadOptions& options) {
  if (options.into.empty()) return options.range.length;
  std::uint64_t total = 0;
  for (const auto& buffer : options.into) total += buffer.size();
  return total;
}

void CopyIntoBuffers(std::span<const std::byte> bytes,
                     std::span<const std::span<std::byte>> buffers) {
  std::size_t offset = 0;
  for (const auto& buffer : buffers) {
    const std::size_t count = std::min(buffer.size(), bytes.size() - offset);
    if (count > 0) std::memcpy(buffer.data(), bytes.data() + offset, count);
    offset += count;
  }
}

ReadResult FoundResult(Buffer bytes, const ReadOptions& options, std::string generation,
                       std::optional<std::uint64_t> object_size) {
  ReadResult result{
      ReadResult::Status::kValue, {}, bytes.size(), std::move(generation), object_size};
  if (options.into.empty()) {
    result.value = std::move(bytes);
  } else {
    CopyIntoBuffers(bytes.span(), options.into);
  }
  return result;
}

}  // namespace store

std::optional<Buffer> Store::Get(const std::string& key, std::uint64_t max_bytes) {
  ReadOptions options;
  options.max_bytes = max_bytes;
  ReadResult result = Read(key, options);
  if (!result.found()) return std::nullopt;
  return std::move(result.value);
}

namespace store {

void CheckReadVersion(const std::string& key, const std::string& generation,
                      const ReadOptions& options) {
  if (options.if_generation.empty() || generation == options.if_generation) return;
  throw PreconditionFailedError("cannot read '" + key + "' at version " + options.if_generation +
                                ": it has changed since (now " + generation + ")");
}

void CheckReadSize(const std::string& key, std::uint64_t bytes, const ReadOptions& options) {
  if (bytes <= options.max_bytes) return;
  throw CorruptChunkError("'" + key + "' holds " + std::to_string(bytes) +
                          " bytes to read, more than the " + std::to_string(options.max_bytes) +
                          " it can validly hold; it was not read");
}

}  // namespace store

namespace {

// Reads in offset order merged while the gap to the next is at most kCoalesceGapBytes and the
// merged read stays within kCoalesceMaxBytes: `members` are indexes into the reads.
struct MergedRead {
  ByteRange range;
  std::vector<std::size_t> members;
};

std::vector<MergedRead> Coalesce(std::span<const Store::RangeRead> reads) {
  std::vector<std::size_t> order(reads.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return reads[a].range.offset < reads[b].range.offset;
  });
  auto bounded = [](const ByteRange& range) {
    return !range.suffix && range.length != ByteRange::kToEnd;
  };
  std::vector<MergedRead> merged;
  for (const std::size_t i : order) {
    const ByteRange& next = reads[i].range;
    if (!merged.empty() && bounded(merged.back().range) && bounded(next)) {
      ByteRange& range = merged.back().range;
      const std::uint64_t range_end = range.offset + range.length;
      const std::uint64_t new_end = std::max(range_end, next.offset + next.length);
      if (next.offset <= range_end + Store::kCoalesceGapBytes &&
          new_end - range.offset <= Store::kCoalesceMaxBytes) {
        range.length = new_end - range.offset;
        merged.back().members.push_back(i);
        continue;
      }
    }
    merged.push_back({next, {i}});
  }
  return merged;
}

}  // namespace

namespace {

// Each read forwarded to the store by key.
class KeyReader final : public ObjectReader {
 public:
  KeyReader(Store& store, std::string key) : store_(store), key_(std::move(key)) {}
  ReadResult Read(const ReadOptions& options) override { return store_.Read(key_, options); }
  std::vector<ReadResult> ReadRanges(std::span<const Store::RangeRead> reads) override {
    return store_.ReadRanges(key_, reads);
  }

 private:
  Store& store_;
  std::string key_;
};

}  // namespace

std::unique_ptr<ObjectReader> Store::OpenObject(const std::string& key) {
  return std::make_unique<KeyReader>(*this, key);
}

std::vector<ReadResult> Store::ReadEach(const std::string& key,
                                        std::span<const ReadOptions> reads) {
  std::vector<ReadResult> results;
  results.reserve(reads.size());
  for (const ReadOptions& options : reads) results.push_back(Read(key, options));
  return results;
}

std::vector<ReadResult> Store::ReadRanges(const std::string& key,
                                          std::span<const RangeRead> reads) {
  const std::vector<MergedRead> merged = Coalesce(reads);
  std::vector<ReadOptions> options(merged.size());
  for (std::size_t m = 0; m < merged.size(); ++m) {
    options[m].range = merged[m].range;
    const RangeRead& first = reads[merged[m].members[0]];
    options[m].if_generation = first.if_generation;
    options[m].generation_confirmed = first.generation_confirmed;
    // A read that stands alone goes straight into its own buffers.
    if (merged[m].members.size() == 1) options[m].into = reads[merged[m].members[0]].into;
  }
  std::vector<ReadResult> answers = ReadEach(key, options);
  std::vector<ReadResult> results(reads.size());
  for (std::size_t m = 0; m < merged.size(); ++m) {
    ReadResult& whole = answers[m];
    if (merged[m].members.size() == 1) {
      results[merged[m].members[0]] = std::move(whole);
      continue;
    }
    for (const std::size_t i : merged[m].members) {
      const RangeRead& read = reads[i];
      ReadResult& result = results[i];
      result.status = whole.status;
      result.generation = whole.generation;
      result.object_size = whole.object_size;
      if (!whole.found()) continue;
      const std::uint64_t begin =
          std::min<std::uint64_t>(read.range.offset - merged[m].range.offset, whole.value.size());
      const std::uint64_t count =
          std::min<std::uint64_t>(read.range.length, whole.value.size() - begin);
      Buffer part = whole.value.Slice(begin, count);
      result.size = count;
      if (read.into.empty()) {
        result.value = std::move(part);
      } else {
        store::CopyIntoBuffers(part.span(), read.into);
      }
    }
  }
  return results;
}

Store::FolderListing Store::ListFolder(const std::string& prefix) {
  FolderListing listing;
  const std::string folder = prefix.empty() ? "" : prefix + "/";
  for (auto& key : List(prefix)) {
    if (!key.starts_with(folder)) continue;
    const auto slash = key.find('/', folder.size());
    if (slash == std::string::npos) {
      listing.keys.push_back(std::move(key));
    } else if (std::string sub = key.substr(0, slash);
               listing.folders.empty() || listing.folders.back() != sub) {
      listing.folders.push_back(std::move(sub));  // List is sorted: repeats are adjacent
    }
  }
  std::sort(listing.folders.begin(), listing.folders.end());
  listing.folders.erase(std::unique(listing.folders.begin(), listing.folders.end()),
                        listing.folders.end());
  return listing;
}

std::vector<ObjectSize> Store::ListWithSizes(const std::string& prefix) {
  std::vector<ObjectSize> objects;
  for (auto& key : List(prefix)) {
    const auto value = Get(key);
    if (value) objects.push_back({std::move(key), value->size()});  // skips vanished keys
  }
  return objects;
}

std::unique_ptr<KeyLock> Store::LockKey(const std::string&, LockWhen) { return nullptr; }

std::string Store::PutPartsIf(const std::string& key, std::span<const std::span<const std::byte>>,
                              const WriteCondition&) {
  throw UnsupportedError(Describe() + " cannot write '" + key + "' conditionally");
}

void Store::DeletePrefix(const std::string& prefix) {
  for (const auto& key : List(prefix)) Delete(key);
  Delete(prefix);
}

}  // namespace hub
