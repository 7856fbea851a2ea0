// hub::ParseStoreUrl, hub::OpenStore and the scheme registry (hub/store_url.h). The core has
// "file" and "memory"; hub_v1::cloud registers "s3" and "gs" (store/cloud_urls.cc).
#include <map>
#include <mutex>
#include <string>

#include "hub/disk_cache.h"
#include "hub/errors.h"
#include "hub/store_url.h"
#include "store/bucket_names.h"
#include "store/environment.h"

namespace hub {
namespace {

std::shared_ptr<Store> OpenLocal(const StoreLocation& location, const StoreOptions& options) {
  if (location.path.empty()) throw InvalidArgumentError("a local store needs a folder");
  return OpenLocalStore(location.path, options.lock_writes);
}

std::shared_ptr<Store> OpenMemory(const StoreLocation&, const StoreOptions&) {
  return MakeMemoryStore();
}

class SchemeRegistry {
 public:
  static SchemeRegistry& Instance() {
    static SchemeRegistry registry;
    return registry;
  }
  void Register(const std::string& scheme, StoreOpener opener) {
    std::lock_guard lock(mutex_);
    openers_[scheme] = opener;
  }
  StoreOpener Find(const std::string& scheme) const {
    std::lock_guard lock(mutex_);
    const auto found = openers_.find(scheme);
    return found == openers_.end() ? nullptr : found->second;
  }
  // "file, memory, s3, gs" and the schemes registered.
  std::string Names() const {
    std::map<std::string, StoreOpener> named = {{"s3", nullptr}, {"gs", nullptr}};
    {
      std::lock_guard lock(mutex_);
      named.insert(openers_.begin(), openers_.end());
    }
    std::string names = "file, memory";
    for (const auto& [scheme, opener] : named) {
      if (scheme != "file" && scheme != "memory") names += ", " + scheme;
    }
    return names;
  }

 private:
  SchemeRegistry() : openers_{{"file", &OpenLocal}, {"memory", &OpenMemory}} {}
  mutable std::mutex mutex_;
  std::map<std::string, StoreOpener> openers_;
};

std::string StripSlashes(const std::string& text) {
  const auto first = text.find_first_not_of('/');
  if (first == std::string::npos) return "";
  return text.substr(first, text.find_last_not_of('/') - first + 1);
}

// S3's and GCS's buckets checked by their rules, other schemes' as keys; the prefix as a key.
void CheckBucketAndPrefix(const StoreLocation& location) {
  if (location.scheme == "s3" || location.scheme == "gs") {
    store::ValidateBucketName(location.scheme == "s3" ? store::Cloud::kS3 : store::Cloud::kGcs,
                              location.bucket);
  } else {
    ValidateKey(location.bucket);
  }
  if (!location.prefix.empty()) ValidateKey(location.prefix);
}

// "bucket/some/prefix" after the scheme.
StoreLocation BucketLocation(const std::string& scheme, const std::string& rest) {
  const auto slash = rest.find('/');
  StoreLocation location{scheme, "", rest.substr(0, slash),
                         slash == std::string::npos ? "" : StripSlashes(rest.substr(slash))};
  CheckBucketAndPrefix(location);
  return location;
}

// What names a store's objects in a disk cache: two servers may hold a bucket of one name,
// so the endpoint is part of it, and each in-memory store is a store of its own.
std::string DiskCacheScope(const StoreLocation& location, const StoreOptions& options,
                           const Store& store) {
  std::string scope = store.Describe();
  if (!options.endpoint.empty()) scope.append(" at ").append(options.endpoint);
  if (location.scheme == "memory") {
    scope.append(" ").append(std::to_string(reinterpret_cast<std::uintptr_t>(&store)));
  }
  return scope;
}

}  // namespace

void RegisterStoreScheme(const std::string& scheme, StoreOpener opener) {
  if (scheme.empty() || scheme.find_first_of(":/") != std::string::npos || opener == nullptr) {
    throw InvalidArgumentError("a store scheme is a name without ':' or '/' and an opener");
  }
  SchemeRegistry::Instance().Register(scheme, opener);
}

StoreLocation ParseStoreUrl(const std::string& url) {
  const auto separator = url.find("://");
  if (separator == std::string::npos) return {"file", url, "", ""};
  std::string scheme = url.substr(0, separator);
  const std::string rest = url.substr(separator + 3);
  if (scheme == "file") return {"file", rest, "", ""};
  if (scheme == "memory") return {"memory", "", "", ""};
  if (scheme == "gcs") scheme = "gs";
  if (scheme == "s3" || scheme == "gs" || SchemeRegistry::Instance().Find(scheme)) {
    return BucketLocation(scheme, rest);
  }
  throw InvalidArgumentError("unsupported URL scheme '" + scheme + "' in '" + url + "' (" +
                             SchemeRegistry::Instance().Names() + ")");
}

std::shared_ptr<Store> OpenStore(const std::string& url, const StoreOptions& options) {
  return OpenStore(ParseStoreUrl(url), options);
}

std::shared_ptr<Store> OpenStore(const StoreLocation& location, const StoreOptions& options) {
  if (location.scheme != "file" && location.scheme != "memory") CheckBucketAndPrefix(location);
  if (const StoreOpener open = SchemeRegistry::Instance().Find(location.scheme)) {
    std::shared_ptr<Store> store = open(location, options);
    if (options.disk_cache.empty()) return store;
    DiskCacheOptions cache;
    cache.path = store::ExpandHome(options.disk_cache);
    cache.size_bytes = options.disk_cache_size;
    cache.scope = DiskCacheScope(location, options, *store);
    return WithDiskCache(std::move(store), cache);
  }
  throw UnsupportedError(location.scheme + ":// stores are in hub_v1::cloud (built with " +
                         "HUB_WITH_CLOUD); link hub_v1::cloud");
}

}  // namespace hub
