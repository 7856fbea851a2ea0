// One page of a cloud listing, as S3's ListObjectsV2 and GCS's objects.list give it.
#pragma once

#include <string>
#include <vector>

#include "hub/store.h"

namespace hub::store {

struct ListPage {
  std::vector<ObjectSize> objects;    // full object names and sizes
  std::vector<std::string> prefixes;  // folders of a delimiter listing, with their "/"
  std::string next_token;             // "" on the last page
};

}  // namespace hub::store
