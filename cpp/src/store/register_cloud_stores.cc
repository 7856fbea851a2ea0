// Part of hub_v1::cloud: hands OpenS3Store and OpenGcsStore to hub::OpenStore when the cloud
// library is linked in. hub_v1::cloud's link options keep this object in every program that
// links it (--undefined=hub_v1_cloud_stores), as a Bazel alwayslink would.
#include "hub/cloud_store.h"
#include "store/cloud_openers.h"

extern "C" {
extern const int hub_v1_cloud_stores;
const int hub_v1_cloud_stores = [] {
  auto& openers = hub::store::RegisteredCloudOpeners();
  openers.s3 = &hub::OpenS3Store;
  openers.gcs = &hub::OpenGcsStore;
  return 1;
}();
}
