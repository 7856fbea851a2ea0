// Bucket naming rules (see bucket_names.h): AWS's for general purpose S3 buckets, Google's for
// GCS buckets.
#include "store/bucket_names.h"

#include <algorithm>
#include <array>
#include <string_view>

#include "hub/errors.h"

namespace hub::store {
namespace {

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// Four dot-separated runs of digits, like 192.168.5.4.
bool LooksLikeIpAddress(const std::string& name) {
  int parts = 0;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = name.find('.', start);
    const std::string_view part =
        std::string_view(name).substr(start, dot == std::string::npos ? dot : dot - start);
    if (part.empty() || part.size() > 3 ||
        !std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return false;
    }
    ++parts;
    if (dot == std::string::npos) return parts == 4;
    start = dot + 1;
  }
}

[[noreturn]] void Refuse(Cloud cloud, const std::string& bucket, const std::string& rule) {
  throw InvalidArgumentError(std::string(cloud == Cloud::kS3 ? "S3" : "GCS") + " bucket name '" +
                             bucket + "' is invalid: " + rule);
}

void ValidateS3(const std::string& bucket) {
  const Cloud s3 = Cloud::kS3;
  if (bucket.size() < 3 || bucket.size() > 63) Refuse(s3, bucket, "it must be 3-63 characters");
  for (const char c : bucket) {
    if (!IsLowerAlnum(c) && c != '.' && c != '-') {
      Refuse(s3, bucket,
             "only lowercase letters, digits, '.' and '-' are allowed (a prefix goes in "
             "prefix=, or after the bucket in s3://bucket/prefix)");
    }
  }
  if (!IsLowerAlnum(bucket.front()) || !IsLowerAlnum(bucket.back())) {
    Refuse(s3, bucket, "it must begin and end with a letter or digit");
  }
  if (bucket.find("..") != std::string::npos) Refuse(s3, bucket, "it has two adjacent periods");
  if (LooksLikeIpAddress(bucket)) Refuse(s3, bucket, "it is formatted as an IP address");
  constexpr std::array<std::string_view, 3> kReservedStarts = {"xn--", "sthree-", "amzn-s3-demo-"};
  constexpr std::array<std::string_view, 4> kReservedEnds = {"-s3alias", "--ol-s3", ".mrap",
                                                             "--x-s3"};
  for (const auto start : kReservedStarts) {
    if (bucket.starts_with(start)) Refuse(s3, bucket, "it starts with a reserved prefix");
  }
  for (const auto end : kReservedEnds) {
    if (bucket.ends_with(end)) Refuse(s3, bucket, "it ends with a reserved suffix");
  }
}

void ValidateGcs(const std::string& bucket) {
  const Cloud gcs = Cloud::kGcs;
  const bool dotted = bucket.find('.') != std::string::npos;
  if (bucket.size() < 3 || bucket.size() > (dotted ? 222u : 63u)) {
    Refuse(gcs, bucket, "it must be 3-63 characters (up to 222 with dots)");
  }
  for (const char c : bucket) {
    if (!IsLowerAlnum(c) && c != '.' && c != '-' && c != '_') {
      Refuse(gcs, bucket,
             "only lowercase letters, digits, '.', '-' and '_' are allowed (a prefix goes in "
             "prefix=, or after the bucket in gs://bucket/prefix)");
    }
  }
  if (!IsLowerAlnum(bucket.front()) || !IsLowerAlnum(bucket.back())) {
    Refuse(gcs, bucket, "it must begin and end with a letter or digit");
  }
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = bucket.find('.', start);
    const std::size_t length = (dot == std::string::npos ? bucket.size() : dot) - start;
    if (length == 0 || length > 63) {
      Refuse(gcs, bucket, "each dot-separated part must be 1-63 characters");
    }
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  if (LooksLikeIpAddress(bucket)) Refuse(gcs, bucket, "it is formatted as an IP address");
  if (bucket.starts_with("goog") || bucket.find("google") != std::string::npos) {
    Refuse(gcs, bucket, "names beginning with 'goog' or containing 'google' are reserved");
  }
}

}  // namespace

void ValidateBucketName(Cloud cloud, const std::string& bucket) {
  if (bucket.empty()) throw InvalidArgumentError("a bucket name is required");
  if (cloud == Cloud::kS3) {
    ValidateS3(bucket);
  } else {
    ValidateGcs(bucket);
  }
}

}  // namespace hub::store
