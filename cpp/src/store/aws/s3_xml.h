// The few XML documents of S3's API that hub_v1 reads and writes: listings, multipart uploads
// and batched deletes. S3's answers are flat and machine-written, so a scan for named elements
// reads them; what is read is unescaped and what is written is escaped.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "store/list_page.h"

namespace hub::aws {

// The text inside each <tag>...</tag> of `xml`, in order, still escaped (tags do not nest in
// themselves in S3's documents).
std::vector<std::string_view> ElementsNamed(std::string_view xml, std::string_view tag);
// The first such element's text, unescaped, or nullopt.
std::optional<std::string> FirstElement(std::string_view xml, std::string_view tag);
// "&amp;" -> "&", "&#47;" -> "/", ...; and the reverse for text put into a document.
std::string XmlUnescape(std::string_view text);
std::string XmlEscape(std::string_view text);

// One page of a ListObjectsV2 answer; throws StorageError for an answer that is not one.
store::ListPage ParseListPage(std::string_view xml);

// CompleteMultipartUpload's body: the parts' ETags in part order (part numbers from 1).
std::string CompleteMultipartBody(std::span<const std::string> etags);

// DeleteObjects' body (quiet: the answer names only failures), and the keys of those failures
// with their error codes ("key: AccessDenied").
std::string DeleteObjectsBody(std::span<const std::string> objects);
std::vector<std::string> DeleteFailures(std::string_view answer);

}  // namespace hub::aws

namespace hub::aws {

// The base64 MD5 digest of `body`: the Content-MD5 header S3 requires of DeleteObjects.
std::string ContentMd5(std::string_view body);

}  // namespace hub::aws
