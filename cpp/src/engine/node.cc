// Groups, node lookup, deletion and listing (see hub/node.h).
#include "hub/node.h"

#include "engine/array_state.h"
#include "engine/chunk_cache.h"
#include "engine/metadata_io.h"
#include "hub/errors.h"

namespace hub {
namespace {

using nlohmann::json;

std::string MetadataKey(const std::string& path) {
  return path.empty() ? "zarr.json" : path + "/zarr.json";
}

NodeInfo NodeFromDocument(const std::string& path, const json& document) {
  NodeInfo info;
  info.path = path;
  const json type = document.is_object() ? document.value("node_type", json()) : json();
  if (type == "array") {
    info.kind = NodeKind::kArray;
  } else if (type == "group") {
    info.kind = NodeKind::kGroup;
  } else {
    throw InvalidArgumentError("'" + MetadataKey(path) + "' is not Zarr v3 metadata");
  }
  const json attributes = document.value("attributes", json::object());
  info.attributes_json = attributes.is_object() ? attributes.dump() : "{}";
  return info;
}

json GroupDocument(const json& attributes) {
  return json{{"zarr_format", 3}, {"node_type", "group"}, {"attributes", attributes}};
}

}  // namespace

NodeInfo ReadNode(Store& store, const std::string& path) {
  if (!path.empty()) ValidateKey(path);
  const auto document = engine::ReadJson(store, MetadataKey(path));
  if (!document) return NodeInfo{path, NodeKind::kMissing, "{}"};
  return NodeFromDocument(path, *document);
}

void EnsureParentGroups(Store& store, const std::string& path) {
  std::string parent;
  std::size_t slash = std::string::npos;
  while (true) {
    const NodeInfo node = ReadNode(store, parent);
    if (node.kind == NodeKind::kArray) {
      throw InvalidArgumentError("cannot create '" + path + "': '" + parent +
                                 "' is an array, and arrays cannot contain other nodes");
    }
    if (node.kind == NodeKind::kMissing) {
      engine::WriteJson(store, MetadataKey(parent), GroupDocument(json::object()));
    }
    slash = path.find('/', slash == std::string::npos ? 0 : slash + 1);
    if (slash == std::string::npos) return;
    parent = path.substr(0, slash);
  }
}

void CreateGroup(Store& store, const std::string& path, const std::string& attributes_json) {
  ValidateKey(path);
  const json attributes = json::parse(attributes_json, nullptr, /*allow_exceptions=*/false);
  if (!attributes.is_object()) {
    throw InvalidArgumentError("group attributes must be a JSON object");
  }
  EnsureParentGroups(store, path);
  engine::WriteJson(store, MetadataKey(path), GroupDocument(attributes));
}

void DeleteNode(Store& store, const std::string& path) {
  if (ReadNode(store, path).kind == NodeKind::kMissing) {
    throw NotFoundError("nothing named '" + path + "' in " + store.Describe());
  }
  // Metadata goes first, so an interrupted delete never leaves a node that opens half-empty.
  store.Delete(MetadataKey(path));
  store.DeletePrefix(path);
  engine::ChunkCache::Instance().EraseWithPrefix(detail::CachePrefix(store, path));
}

std::vector<NodeInfo> ListNodes(Store& store, const std::string& prefix) {
  if (!prefix.empty()) ValidateKey(prefix);
  std::vector<NodeInfo> nodes;
  for (const auto& key : store.List(prefix)) {
    constexpr std::string_view kSuffix = "/zarr.json";
    if (!key.ends_with(kSuffix)) continue;
    const std::string path = key.substr(0, key.size() - kSuffix.size());
    if (const auto document = engine::ReadJson(store, key)) {
      nodes.push_back(NodeFromDocument(path, *document));
    }
  }
  return nodes;
}

}  // namespace hub
