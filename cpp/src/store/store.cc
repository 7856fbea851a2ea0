// Store's shared behaviour: key validation (no store can be escaped) and default methods.
#include <algorithm>
#include <cstring>
#include <string>

#include "hub/errors.h"
#include "hub/store.h"

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

std::optional<std::uint64_t> Store::ReadInto(const std::string& key,
                                            std::span<const std::span<std::byte>> buffers) {
  const auto value = Get(key);
  if (!value) return std::nullopt;
  std::size_t offset = 0;
  for (const auto& buffer : buffers) {
    const std::size_t count = std::min(buffer.size(), value->size() - offset);
    if (count > 0) std::memcpy(buffer.data(), value->data() + offset, count);
    offset += count;
  }
  return value->size();
}

std::optional<std::uint64_t> Store::ReadKnownSize(
    const std::string& key, std::span<const std::span<std::byte>> buffers) {
  return ReadInto(key, buffers);
}

ConditionalRead Store::ReadIfChanged(const std::string& key, const std::string&) {
  auto value = Get(key);
  if (!value) return {};
  return {ConditionalRead::Status::kValue, std::move(*value), ""};
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
