// GCS's JSON answers (see gcs_json.h).
#include "store/gcs/gcs_json.h"

#include <charconv>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <random>

#include "hub/errors.h"

namespace hub::gcs {
namespace {

nlohmann::json Parsed(std::string_view json) {
  return nlohmann::json::parse(json.begin(), json.end(), nullptr, /*allow_exceptions=*/false);
}

// JSON API numbers are strings ("size": "1234"); some servers send numbers.
std::uint64_t SizeOf(const nlohmann::json& size) {
  if (size.is_number_unsigned()) return size.get<std::uint64_t>();
  const std::string text = size.is_string() ? size.get<std::string>() : "";
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) {
    throw StorageError("cannot list: the server's listing names an object size '" +
                       text.substr(0, 40) + "'");
  }
  return value;
}

}  // namespace

store::ListPage ParseListPage(std::string_view json) {
  const auto page = Parsed(json);
  if (!page.is_object()) throw StorageError("cannot list: the answer is not a JSON object");
  store::ListPage listed;
  for (const auto& item : page.value("items", nlohmann::json::array())) {
    if (!item.is_object() || !item.contains("name") || !item["name"].is_string()) {
      throw StorageError("cannot list: a listed object has no name");
    }
    const auto size = item.find("size");
    listed.objects.push_back(
        {item["name"].get<std::string>(), size == item.end() ? 0 : SizeOf(*size)});
  }
  for (const auto& prefix : page.value("prefixes", nlohmann::json::array())) {
    if (prefix.is_string()) listed.prefixes.push_back(prefix.get<std::string>());
  }
  const auto token = page.find("nextPageToken");
  if (token != page.end() && token->is_string()) listed.next_token = token->get<std::string>();
  return listed;
}

std::string GenerationOf(std::string_view json) {
  const auto object = Parsed(json);
  if (!object.is_object()) return "";
  const auto generation = object.find("generation");
  if (generation == object.end()) return "";
  if (generation->is_string()) return generation->get<std::string>();
  if (generation->is_number_unsigned()) return std::to_string(generation->get<std::uint64_t>());
  return "";
}

MultipartUpload::MultipartUpload(const std::string& name,
                                 std::span<const std::span<const std::byte>> parts) {
  thread_local std::mt19937_64 random(std::random_device{}());
  char hex[33];
  std::snprintf(hex, sizeof hex, "%016llx%016llx", static_cast<unsigned long long>(random()),
                static_cast<unsigned long long>(random()));
  boundary_ = std::string("hub_v1_") + hex;
  head_ = "--" + boundary_ + "\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n" +
          nlohmann::json{{"name", name}}.dump() + "\r\n--" + boundary_ +
          "\r\nContent-Type: application/octet-stream\r\n\r\n";
  tail_ = "\r\n--" + boundary_ + "--\r\n";
  body_.push_back(std::as_bytes(std::span(head_)));
  for (const auto& part : parts) {
    if (!part.empty()) body_.push_back(part);
  }
  body_.push_back(std::as_bytes(std::span(tail_)));
}

std::string MultipartUpload::content_type() const {
  return "Content-Type: multipart/related; boundary=" + boundary_;
}

}  // namespace hub::gcs
