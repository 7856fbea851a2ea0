// User attributes in zarr.json (see hub/attributes.h).
#include "hub/attributes.h"

#include "engine/metadata_io.h"
#include "engine/write_turns.h"
#include "format/json_text.h"
#include "hub/errors.h"

namespace hub {
namespace {

using nlohmann::json;

std::string MetadataKey(const std::string& path) {
  return path.empty() ? "zarr.json" : path + "/zarr.json";
}

// The node's zarr.json document; NotFoundError if none, InvalidArgumentError if it is not a
// Zarr v3 node document.
json ReadNodeDocument(Store& store, const std::string& path) {
  if (!path.empty()) ValidateKey(path);
  std::optional<json> document = engine::ReadJson(store, MetadataKey(path));
  if (!document) throw NotFoundError("no array or dataset at '" + path + "'");
  const json type = document->is_object() ? document->value("node_type", json()) : json();
  if (type != "array" && type != "group") {
    throw InvalidArgumentError("'" + MetadataKey(path) + "' is not Zarr v3 metadata");
  }
  if (!document->contains("attributes")) (*document)["attributes"] = json::object();
  if (!(*document)["attributes"].is_object()) {
    throw InvalidArgumentError("'" + MetadataKey(path) + "' has attributes that are not an object");
  }
  return *std::move(document);
}

json UserPart(const json& attributes) {
  json user = attributes;
  user.erase(kHubAttributesKey);
  return user;
}

}  // namespace

std::string ReadUserAttributes(Store& store, const std::string& path) {
  return UserPart(ReadNodeDocument(store, path)["attributes"]).dump();
}

std::string UpdateUserAttributes(Store& store, const std::string& path,
                                 const std::string& changes_json,
                                 const std::vector<std::string>& removed) {
  const json changes = format::ParseJson(changes_json, "the attributes");
  if (!changes.is_object()) throw InvalidArgumentError("attributes must be a JSON object");
  for (const std::string& key : removed) {
    if (key == kHubAttributesKey) {
      throw InvalidArgumentError("the attribute 'hub_v1' is hub_v1's own and cannot be removed");
    }
  }
  if (changes.contains(kHubAttributesKey)) {
    throw InvalidArgumentError("the attribute 'hub_v1' is hub_v1's own and cannot be set");
  }
  // Read, change, rewrite: one writer of this zarr.json at a time in this process.
  const engine::WriteTurn turn(store.Describe() + "|" + MetadataKey(path));
  json document = ReadNodeDocument(store, path);
  json& attributes = document["attributes"];
  for (const auto& [key, value] : changes.items()) attributes[key] = value;
  for (const std::string& key : removed) attributes.erase(key);
  engine::WriteJson(store, MetadataKey(path), document);
  return UserPart(attributes).dump();
}

}  // namespace hub
