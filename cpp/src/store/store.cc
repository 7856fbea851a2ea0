// Store's shared behaviour: key validation (no store can be escaped) and default methods.
#include <algorithm>
#include <cstring>
#include <string>

#include "hub/errors.h"
#include "hub/store.h"
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
  ReadResult result{ReadResult::Status::kValue, {}, bytes.size(), std::move(generation),
                    object_size};
  if (options.into.empty()) {
    result.value = std::move(bytes);
  } else {
    CopyIntoBuffers(bytes.span(), options.into);
  }
  return result;
}

}  // namespace store

std::optional<Buffer> Store::Get(const std::string& key) {
  ReadResult result = Read(key, ReadOptions{});
  if (!result.found()) return std::nullopt;
  return std::move(result.value);
}

std::vector<ReadResult> Store::ReadRanges(const std::string& key,
                                          std::span<const RangeRead> reads) {
  std::vector<std::size_t> order(reads.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return reads[a].range.offset < reads[b].range.offset;
  });
  auto bounded = [](const ByteRange& range) {
    return !range.suffix && range.length != ByteRange::kToEnd;
  };
  std::vector<ReadResult> results(reads.size());
  for (std::size_t k = 0; k < order.size();) {
    // reads[order[k]] .. reads[order[end - 1]] become one read.
    std::size_t end = k + 1;
    ByteRange merged = reads[order[k]].range;
    while (bounded(merged) && end < order.size() && bounded(reads[order[end]].range)) {
      const ByteRange& next = reads[order[end]].range;
      const std::uint64_t merged_end = merged.offset + merged.length;
      const std::uint64_t new_end = std::max(merged_end, next.offset + next.length);
      if (next.offset > merged_end + kCoalesceGapBytes ||
          new_end - merged.offset > kCoalesceMaxBytes) {
        break;
      }
      merged.length = new_end - merged.offset;
      ++end;
    }
    if (end == k + 1) {
      const RangeRead& only = reads[order[k]];
      ReadOptions options;
      options.range = only.range;
      options.into = only.into;
      results[order[k]] = Read(key, options);
      k = end;
      continue;
    }
    ReadOptions options;
    options.range = merged;
    const ReadResult whole = Read(key, options);
    for (; k < end; ++k) {
      const RangeRead& read = reads[order[k]];
      ReadResult& result = results[order[k]];
      result.status = whole.status;
      result.generation = whole.generation;
      result.object_size = whole.object_size;
      if (!whole.found()) continue;
      const std::uint64_t begin = std::min<std::uint64_t>(read.range.offset - merged.offset,
                                                          whole.value.size());
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

std::vector<ObjectSize> Store::ListWithSizes(const std::string& prefix) {
  std::vector<ObjectSize> objects;
  for (auto& key : List(prefix)) {
    const auto value = Get(key);
    if (value) objects.push_back({std::move(key), value->size()});  // skips vanished keys
  }
  return objects;
}

std::unique_ptr<KeyLock> Store::LockKey(const std::string&) { return nullptr; }

void Store::DeletePrefix(const std::string& prefix) {
  for (const auto& key : List(prefix)) Delete(key);
  Delete(prefix);
}

}  // namespace hub
