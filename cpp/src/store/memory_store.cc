// MemoryStore: a thread-safe map from key to immutable bytes, for tests and scratch work.
#include <algorithm>
#include <atomic>
#include <cstring>
#include <map>
#include <mutex>

#include "hub/errors.h"
#include "hub/store.h"
#include "store/read_range.h"

namespace hub {
namespace {

class MemoryStore final : public Store {
 public:
  MemoryStore() : id_(next_id_.fetch_add(1)) {}

  ReadResult Read(const std::string& key, const ReadOptions& options) override {
    ValidateKey(key);  // as every store: the same keys are valid everywhere
    Buffer bytes;
    std::string generation;
    {
      std::lock_guard lock(mutex_);
      auto it = objects_.find(key);
      if (it == objects_.end()) return {};
      bytes = it->second.bytes;  // shares the immutable bytes
      generation = std::to_string(it->second.generation);
    }
    store::CheckReadVersion(key, generation, options);
    if (!options.unless_generation.empty() && generation == options.unless_generation) {
      return {ReadResult::Status::kUnchanged, {}, 0, std::move(generation), bytes.size()};
    }
    const auto range = store::Resolve(options.range, bytes.size());
    store::CheckReadSize(key, range.count, options);
    return store::FoundResult(bytes.Slice(range.start, range.count), options, std::move(generation),
                              bytes.size());
  }

  StoreFeatures Features() const override {
    return {.generations = true, .conditional_writes = true};
  }

  std::string PutParts(const std::string& key,
                       std::span<const std::span<const std::byte>> parts) override {
    return PutPartsIf(key, parts, {});
  }

  std::string PutPartsIf(const std::string& key, std::span<const std::span<const std::byte>> parts,
                         const WriteCondition& condition) override {
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
    const auto found = objects_.find(key);
    if ((condition.if_absent && found != objects_.end()) ||
        (!condition.if_generation.empty() &&
         (found == objects_.end() ||
          std::to_string(found->second.generation) != condition.if_generation))) {
      throw PreconditionFailedError("cannot write '" + key + "' to " + Describe() +
                                    ": another writer changed it since it was read");
    }
    const std::uint64_t generation = ++last_generation_;
    objects_[key] = Object{std::move(copy), generation};
    return std::to_string(generation);
  }

  void Delete(const std::string& key) override {
    ValidateKey(key);
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
