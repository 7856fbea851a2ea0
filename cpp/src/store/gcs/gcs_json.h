// The JSON answers of GCS's JSON API that hub_v1 reads: listings and uploads.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "store/list_page.h"

namespace hub::gcs {

// One page of an objects.list answer; throws StorageError for an answer that is not one.
store::ListPage ParseListPage(std::string_view json);

// The "generation" of an upload's answer (the object's metadata), or "" if it names none.
std::string GenerationOf(std::string_view json);

// The body of a multipart upload (uploadType=multipart) of `parts` as object `name`: the
// object's metadata and its bytes as two parts of a multipart/related document, the bytes
// streamed from `parts` (not copied). The boundary is random, so the bytes cannot hold it but
// by a 2^-128 chance. `parts` must outlive it.
class MultipartUpload {
 public:
  MultipartUpload() = default;
  MultipartUpload(const std::string& name, std::span<const std::span<const std::byte>> parts);
  MultipartUpload(const MultipartUpload&) = delete;  // body() points into it
  MultipartUpload& operator=(const MultipartUpload&) = delete;
  std::span<const std::span<const std::byte>> body() const { return body_; }
  std::string content_type() const;  // the header, "Content-Type: multipart/related; ..."

 private:
  std::string boundary_;
  std::string head_;  // the metadata part and the bytes part's headers
  std::string tail_;  // the closing boundary
  std::vector<std::span<const std::byte>> body_;
};

}  // namespace hub::gcs
