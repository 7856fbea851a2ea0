// hub::WithDiskCache (hub/disk_cache.h): a store whose reads go through a DiskCacheFolder.
#include <algorithm>
#include <map>
#include <mutex>
#include <utility>

#include "hub/disk_cache.h"
#include "hub/errors.h"
#include "store/cache/disk_cache_folder.h"
#include "store/read_range.h"

namespace hub {
namespace {

using store::CachedRange;
using store::DiskCacheFolder;

class DiskCachedStore final : public Store {
 public:
  DiskCachedStore(std::shared_ptr<Store> inner, const DiskCacheOptions& options)
      : inner_(std::move(inner)),
        folder_(options.path, options.size_bytes),
        scope_(options.scope.empty() ? inner_->Describe() : options.scope) {}

  ReadResult Read(const std::string& key, const ReadOptions& options) override {
    return std::move(ReadEach(key, std::span(&options, 1)).front());
  }

  // Reads served by fresh entries are answered from disk; the others go to the store in one
  // batch, each asking only for a change of the entry it has.
  std::vector<ReadResult> ReadEach(const std::string& key,
                                   std::span<const ReadOptions> reads) override {
    const std::string object = Identity(key);
    std::vector<ReadResult> results(reads.size());
    std::vector<std::optional<CachedRange>> entries(reads.size());
    std::vector<ReadOptions> asked;
    std::vector<std::size_t> asked_for;
    for (std::size_t i = 0; i < reads.size(); ++i) {
      entries[i] = Lookup(object, reads[i]);
      if (entries[i] && Fresh(object, *entries[i], reads[i])) {
        results[i] = Serve(key, *entries[i], reads[i]);
        continue;
      }
      ReadOptions options = reads[i];
      if (entries[i]) options.unless_generation = entries[i]->generation;
      asked.push_back(options);
      asked_for.push_back(i);
    }
    if (asked.empty()) return results;
    std::vector<ReadResult> answers = inner_->ReadEach(key, asked);
    for (std::size_t a = 0; a < asked.size(); ++a) {
      const std::size_t i = asked_for[a];
      results[i] = Settle(key, reads[i], entries[i], std::move(answers[a]));
    }
    return results;
  }

  // Ranges held fresh are served from disk; the ranges missing go to the store together (so
  // that it may merge them); ranges held at a generation not confirmed lately are confirmed by
  // those reads when they report the same generation, else by one conditional read.
  std::vector<ReadResult> ReadRanges(const std::string& key,
                                     std::span<const RangeRead> reads) override {
    const std::string object = Identity(key);
    std::vector<ReadResult> results(reads.size());
    std::vector<std::optional<CachedRange>> entries(reads.size());
    std::vector<RangeRead> missing;
    std::vector<std::size_t> missing_for;
    std::vector<std::size_t> unconfirmed;
    for (std::size_t i = 0; i < reads.size(); ++i) {
      const ReadOptions wanted = Options(reads[i]);
      entries[i] = Lookup(object, wanted);
      if (!entries[i]) {
        missing.push_back(reads[i]);
        missing_for.push_back(i);
      } else if (Fresh(object, *entries[i], wanted)) {
        results[i] = Serve(key, *entries[i], wanted);
      } else {
        unconfirmed.push_back(i);
      }
    }
    std::string confirmed;  // the generation the store reported during this call
    bool gone = false;
    if (!missing.empty() && FetchesWhole(object)) {
      // Later reads of this object (the rest of an epoch's samples from this shard) are then
      // served from disk: one request instead of one per range.
      const ReadResult answer = ReadWhole(key, missing.front());
      gone = !answer.found();
      if (!gone) confirmed = answer.generation;
      for (const std::size_t i : missing_for) {
        if (gone) continue;
        const ReadOptions wanted = Options(reads[i]);
        const store::ResolvedRange part = store::Resolve(wanted.range, answer.value.size());
        results[i] = Serve(
            key,
            {answer.generation, answer.value.Slice(part.start, part.count), answer.object_size},
            wanted);
      }
      missing.clear();
    }
    if (!missing.empty()) {
      std::vector<ReadResult> answers = inner_->ReadRanges(key, missing);
      for (std::size_t m = 0; m < missing.size(); ++m) {
        const std::size_t i = missing_for[m];
        if (answers[m].found()) confirmed = answers[m].generation;
        gone = gone || !answers[m].found();
        results[i] = Settle(key, Options(reads[i]), std::nullopt, std::move(answers[m]));
      }
    }
    if (gone && !unconfirmed.empty()) folder_.Forget(object);
    for (const std::size_t i : unconfirmed) {
      const ReadOptions wanted = Options(reads[i]);
      if (gone) {
        results[i] = ReadResult{};
      } else if (!confirmed.empty() && entries[i]->generation == confirmed) {
        results[i] = Serve(key, *entries[i], wanted);
      } else {
        // A conditional read of this range: 304 confirms every entry of its generation.
        ReadOptions options = wanted;
        options.unless_generation = entries[i]->generation;
        results[i] = Settle(key, wanted, entries[i], inner_->Read(key, options));
        if (results[i].found()) confirmed = results[i].generation;
        gone = !results[i].found();
      }
    }
    return results;
  }

  StoreFeatures Features() const override { return inner_->Features(); }

  std::string PutParts(const std::string& key,
                       std::span<const std::span<const std::byte>> parts) override {
    return ThenForget(key, [&] { return inner_->PutParts(key, parts); });
  }
  std::string PutPartsIf(const std::string& key, std::span<const std::span<const std::byte>> parts,
                         const WriteCondition& condition) override {
    return ThenForget(key, [&] { return inner_->PutPartsIf(key, parts, condition); });
  }
  void Delete(const std::string& key) override {
    ThenForget(key, [&] {
      inner_->Delete(key);
      return std::string();
    });
  }
  void DeletePrefix(const std::string& prefix) override {
    const std::vector<std::string> keys = inner_->List(prefix);
    ThenForget(prefix, [&] {
      inner_->DeletePrefix(prefix);
      return std::string();
    });
    for (const std::string& key : keys) folder_.Forget(Identity(key));
  }

  std::vector<std::string> List(const std::string& prefix) override { return inner_->List(prefix); }
  FolderListing ListFolder(const std::string& prefix) override {
    return inner_->ListFolder(prefix);
  }
  std::vector<ObjectSize> ListWithSizes(const std::string& prefix) override {
    return inner_->ListWithSizes(prefix);
  }
  std::unique_ptr<KeyLock> LockKey(const std::string& key, LockWhen when) override {
    return inner_->LockKey(key, when);
  }
  std::string Describe() const override { return inner_->Describe(); }

 private:
  // Stores of other scopes may hold the same keys: each object is named by both.
  std::string Identity(const std::string& key) const { return scope_ + "\n" + key; }

  static ReadOptions Options(const RangeRead& read) {
    ReadOptions options;
    options.range = read.range;
    options.into = read.into;
    options.if_generation = read.if_generation;
    options.generation_confirmed = read.generation_confirmed;
    return options;
  }

  // The entry that may answer `wanted`: none of a version other than the one it asks for.
  std::optional<CachedRange> Lookup(const std::string& object, const ReadOptions& wanted) {
    std::optional<CachedRange> entry = folder_.Find(object, wanted.range);
    if (entry) NoteSize(object, entry->object_size);
    if (entry && !wanted.if_generation.empty() && entry->generation != wanted.if_generation) {
      return std::nullopt;
    }
    return entry;
  }

  // Whether an entry may answer `wanted` without asking the store: the caller has just had
  // the store confirm its version, or the store confirmed it within the staleness it allows.
  bool Fresh(const std::string& object, const CachedRange& entry, const ReadOptions& wanted) const {
    if (wanted.generation_confirmed && wanted.if_generation == entry.generation) return true;
    const double staleness = inner_->Features().max_staleness_seconds;
    return staleness > 0 && folder_.ConfirmedWithin(object, entry.generation, staleness);
  }

  void NoteConfirmed(const std::string& object, const std::string& generation) const {
    if (inner_->Features().max_staleness_seconds > 0 && !generation.empty()) {
      folder_.Confirm(object, generation);
    }
  }

  // Whether a read missing ranges of `object` fetches it whole: when its size (learnt from an
  // earlier answer, such as its shard index's) is small enough to keep.
  bool FetchesWhole(const std::string& object) const {
    const std::lock_guard lock(sizes_mutex_);
    const auto known = object_sizes_.find(object);
    return known != object_sizes_.end() &&
           known->second <= std::min(kWholeObjectBytes, folder_.size_bytes() / 8);
  }
  void NoteSize(const std::string& object, const std::optional<std::uint64_t>& size) {
    if (!size) return;
    const std::lock_guard lock(sizes_mutex_);
    if (object_sizes_.size() >= kSizesRemembered) object_sizes_.clear();
    object_sizes_[object] = *size;
  }

  // The whole object, at the version `like` asks for, kept on disk.
  ReadResult ReadWhole(const std::string& key, const RangeRead& like) {
    ReadOptions whole;
    whole.if_generation = like.if_generation;
    whole.generation_confirmed = like.generation_confirmed;
    ReadResult answer = inner_->Read(key, whole);
    if (!answer.found()) {
      folder_.Forget(Identity(key));
      return answer;
    }
    NoteConfirmed(Identity(key), answer.generation);
    if (!answer.generation.empty()) Keep(Identity(key), whole, answer);
    return answer;
  }

  // The entry as the answer to `wanted`.
  static ReadResult Serve(const std::string& key, const CachedRange& entry,
                          const ReadOptions& wanted) {
    if (!wanted.unless_generation.empty() && wanted.unless_generation == entry.generation) {
      return {ReadResult::Status::kUnchanged, {}, 0, entry.generation, entry.object_size};
    }
    store::CheckReadSize(key, entry.bytes.size(), wanted);
    return store::FoundResult(entry.bytes, wanted, entry.generation, entry.object_size);
  }

  // The answer to `wanted` from the store's `answer` to a read that asked about `entry`'s
  // generation (when there is an entry); what it brought is kept.
  ReadResult Settle(const std::string& key, const ReadOptions& wanted,
                    const std::optional<CachedRange>& entry, ReadResult answer) {
    const std::string object = Identity(key);
    switch (answer.status) {
      case ReadResult::Status::kMissing:
        if (entry) folder_.Forget(object);
        return answer;
      case ReadResult::Status::kUnchanged:
        NoteConfirmed(object,
                      answer.generation.empty() && entry ? entry->generation : answer.generation);
        return entry ? Serve(key, *entry, wanted) : answer;
      case ReadResult::Status::kValue:
        break;
    }
    NoteConfirmed(object, answer.generation);
    NoteSize(object, answer.object_size);
    if (!answer.generation.empty()) Keep(object, wanted, answer);
    if (!wanted.unless_generation.empty() && wanted.unless_generation == answer.generation) {
      return {ReadResult::Status::kUnchanged, {}, 0, answer.generation, answer.object_size};
    }
    return answer;
  }

  // Keeps what a read brought back: its buffer, or the caller's buffers it filled.
  void Keep(const std::string& object, const ReadOptions& wanted, const ReadResult& answer) {
    CachedRange entry{answer.generation, {}, answer.object_size};
    if (wanted.into.empty()) {
      entry.bytes = answer.value;
    } else {
      if (answer.size != store::WantedBytes(wanted)) return;  // the reader will refuse it
      entry.bytes = Buffer::Allocate(answer.size);
      std::size_t at = 0;
      for (const auto& buffer : wanted.into) {
        std::copy(buffer.begin(), buffer.end(), entry.bytes.mutable_span().begin() + at);
        at += buffer.size();
      }
    }
    folder_.Keep(object, wanted.range, entry);
  }

  // Runs a write of `key`, then drops the key's entries, whether the write succeeded or not
  // (a failed write may still have reached the store).
  template <typename Write>
  std::string ThenForget(const std::string& key, const Write& write) {
    try {
      std::string generation = write();
      folder_.Forget(Identity(key));
      return generation;
    } catch (...) {
      folder_.Forget(Identity(key));
      throw;
    }
  }

  // Objects up to this size are fetched whole when a read misses ranges of them (and the
  // cache holds eight of them at least); sizes are remembered for this many objects.
  static constexpr std::uint64_t kWholeObjectBytes = 64 << 20;
  static constexpr std::size_t kSizesRemembered = 1 << 16;

  std::shared_ptr<Store> inner_;
  DiskCacheFolder folder_;
  std::string scope_;
  mutable std::mutex sizes_mutex_;
  std::map<std::string, std::uint64_t> object_sizes_;  // by object, as answers reported them
};

}  // namespace

std::shared_ptr<Store> WithDiskCache(std::shared_ptr<Store> store,
                                     const DiskCacheOptions& options) {
  if (!store) throw InvalidArgumentError("WithDiskCache needs a store");
  if (options.path.empty()) throw InvalidArgumentError("a disk cache needs a folder");
  if (options.size_bytes == 0) throw InvalidArgumentError("a disk cache needs a size above 0");
  return std::make_shared<DiskCachedStore>(std::move(store), options);
}

}  // namespace hub
