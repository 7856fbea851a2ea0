// Bucket names checked by each cloud's own naming rules before any request is made, so that a
// name like "data/../other" can never address another prefix or another bucket.
#pragma once

#include <string>

namespace hub::store {

enum class Cloud { kS3, kGcs };

// Throws InvalidArgumentError, saying which rule `bucket` breaks.
void ValidateBucketName(Cloud cloud, const std::string& bucket);

}  // namespace hub::store
