// Where hub::OpenStore (in hub_v1::core) finds the cloud stores: hub_v1::cloud, which links
// libcurl and OpenSSL, fills this in when it is linked into a program
// (register_cloud_stores.cc), so the core library depends on neither.
#pragma once

#include <memory>

#include "hub/cloud_store.h"

namespace hub::store {

struct CloudOpeners {
  std::shared_ptr<Store> (*s3)(const S3StoreOptions&) = nullptr;
  std::shared_ptr<Store> (*gcs)(const GcsStoreOptions&) = nullptr;
};

CloudOpeners& RegisteredCloudOpeners();

}  // namespace hub::store
