// MemoryStore: a thread-safe map from key to immutable bytes, for tests and scratch work.
#include <algorithm>
#include <atomic>
#include <cstring>
#include <map>
#include <mutex>

#include "hub/errors.h"
#include "hub/store.h"

namespace hub {
namespace {

class MemoryStore final : public Store {
 public:
  MemoryStore() : id_(next_id_.fetch_add(1)) {}

  std::optional<Buffer> Get(const std::string& key) override {
    std::lock_guard lock(mutex_);
    auto it = objects_.find(key);
    if (it == objects_.end()) return std::nullopt;
    return it->second.bytes;  // shares the immutable bytes
  }

  bool HasGenerations() const override { return true; }
  ConditionalRead ReadIfChanged(const std::string& key,
                                const std::string& known_generation) override {
    std::lock_guard lock(mutex_);
    auto it = objects_.find(key);
    if (it == objects_.end()) return {};
    const std::string generation = std::to_string(it->second.generation);
    if (generation == known_generation) {
      return {ConditionalRead::Status::kUnchanged, {}, generation};
    }
    return {ConditionalRead::Status::kValue, it->second.bytes, generation};
  }

  std::optional<Buffer> GetRange(const std::string& key, std::uint64_t offset,
                                 std::uint64_t length) override {
    auto whole = Get(key);
    if (!whole) return std::nullopt;
    const std::uint64_t start = std::min<std::uint64_t>(offset, whole->size());
    const std::uint64_t count = std::min<std::uint64_t>(length, whole->size() - start);
    return whole->Slice(start, count);
  }

  std::string PutParts(const std::string& key,
                       std::span<const std::span<const std::byte>> parts) override {
    ValidateKey(key);
    std::size_t size = 0;
    for (const auto& part : parts) size += part.size();
    Buffer copy = Buffer::Allocate(size);
    std::size_t offset = 0;
    for (const auto& part : parts) {
      if (!part.empty()) std::memcpy(copy.data() + offset, part.data(), part.size());
      offset += part.size();
    }
    std::lock_guard lock(mutex_);
    const std::uint64_t generation = ++last_generation_;
    objects_[key] = Object{std::move(copy), generation};
    return std::to_string(generation);
  }

  void Delete(const std::string& key) override {
    std::lock_guard lock(mutex_);
    objects_.erase(key);
  }

  std::vector<std::string> List(const std::string& prefix) override {
    const std::string folder = prefix.empty() ? "" : prefix + "/";
    std::vector<std::string> keys;
    std::lock_guard lock(mutex_);
    for (auto it = objects_.lower_bound(folder); it != objects_.end(); ++it) {
      if (!it->first.starts_with(folder)) break;
      keys.push_back(it->first);
    }
    return keys;  // std::map iterates in sorted order
  }

  bool Exists(const std::string& key) override {
    std::lock_guard lock(mutex_);
    return objects_.contains(key);
  }

  std::string Describe() const override { return "memory://" + std::to_string(id_); }

 private:
  static inline std::atomic<int> next_id_{0};
  const int id_;
  struct Object {
    Buffer bytes;
    std::uint64_t generation = 0;
  };
  std::mutex mutex_;
  std::uint64_t last_generation_ = 0;
  std::map<std::string, Object> objects_;
};

}  // namespace

std::shared_ptr<Store> MakeMemoryStore() { return std::make_shared<MemoryStore>(); }

}  // namespace hub
