// What ObjectDialect leaves to the services that take it (see object_dialect.h).
#include "store/http/object_dialect.h"

#include "hub/errors.h"

namespace hub::http {
namespace {

[[noreturn]] void NotTaken(const ObjectDialect& dialect, const char* what) {
  throw UnsupportedError(std::string("the service of bucket '") + dialect.bucket() + "' takes no " +
                         what);
}

}  // namespace

HttpRequest ObjectDialect::BeginUpload(const std::string&) const {
  NotTaken(*this, "multipart uploads");
}
std::string ObjectDialect::UploadIdOf(const HttpResponse&) const {
  NotTaken(*this, "multipart uploads");
}
HttpRequest ObjectDialect::WritePart(const std::string&, const std::string&, std::size_t,
                                     std::span<const std::span<const std::byte>>) const {
  NotTaken(*this, "multipart uploads");
}
HttpRequest ObjectDialect::CompleteUpload(const std::string&, const std::string&,
                                          std::span<const std::string>,
                                          const WriteCondition&) const {
  NotTaken(*this, "multipart uploads");
}
HttpRequest ObjectDialect::AbortUpload(const std::string&, const std::string&) const {
  NotTaken(*this, "multipart uploads");
}
HttpRequest ObjectDialect::DeleteMany(std::span<const std::string>) const {
  NotTaken(*this, "batched deletes");
}
std::vector<std::string> ObjectDialect::FailedDeletes(const HttpResponse&) const {
  NotTaken(*this, "batched deletes");
}

std::string WithoutTrailingSlashes(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

}  // namespace hub::http
