// Groups, node lookup, deletion and listing (see hub/node.h).
#include "hub/node.h"

#include <algorithm>

#include "engine/array_state.h"
#include "engine/chunk_cache.h"
#include "engine/metadata_io.h"
#include "format/json_text.h"
#include "hub/errors.h"
#include "hub/ragged_array.h"

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

bool KnownGroups::Contains(const std::string& path) const {
  std::lock_guard lock(mutex_);
  return paths_.contains(path);
}

void KnownGroups::Add(const std::string& path) {
  std::lock_guard lock(mutex_);
  paths_.insert(path);
}

void KnownGroups::Forget(const std::string& path) {
  std::lock_guard lock(mutex_);
  for (auto it = paths_.begin(); it != paths_.end();) {
    const bool below = path.empty() || *it == path || it->starts_with(path + "/");
    it = below ? paths_.erase(it) : std::next(it);
  }
}

void EnsureParentGroups(Store& store, const std::string& path, KnownGroups* known_groups) {
  std::string parent;
  std::size_t slash = std::string::npos;
  while (true) {
    if (!known_groups || !known_groups->Contains(parent)) {
      const NodeInfo node = ReadNode(store, parent);
      if (node.kind == NodeKind::kArray) {
        throw InvalidArgumentError("cannot create '" + path + "': '" + parent +
                                   "' is an array, and arrays cannot contain other nodes");
      }
      if (node.kind == NodeKind::kMissing) {
        engine::WriteJson(store, MetadataKey(parent), GroupDocument(json::object()));
      }
      if (known_groups) known_groups->Add(parent);
    }
    slash = path.find('/', slash == std::string::npos ? 0 : slash + 1);
    if (slash == std::string::npos) return;
    parent = path.substr(0, slash);
  }
}

void ClearForNewNode(Store& store, const std::string& path, KnownGroups* known_groups,
                     bool overwrite) {
  if (ReadNode(store, path).kind == NodeKind::kMissing) {
    // No metadata, but maybe chunks: what a killed delete or overwrite leaves. A new node must
    // never adopt them as its data.
    const std::vector<std::string> leftovers = store.List(path);
    if (leftovers.empty()) return;
    if (!overwrite) {
      throw ContainsNodeError(
          "cannot create '" + path + "' in " + store.Describe() + ": its folder holds " +
          std::to_string(leftovers.size()) + " object(s) but no zarr.json (such as '" +
          leftovers.front() +
          "', left by an interrupted delete or overwrite?); pass overwrite to remove them");
    }
    engine::ChunkCache::Instance().EraseWithPrefix(detail::CachePrefix(store, path));
    store.DeletePrefix(path);
    return;
  }
  if (!overwrite) {
    throw ContainsNodeError("'" + path + "' already exists in " + store.Describe() +
                            "; open it, or pass overwrite to replace it and its data");
  }
  DeleteNode(store, path, known_groups);
}

void CreateGroup(Store& store, const std::string& path, const std::string& attributes_json,
                 KnownGroups* known_groups) {
  ValidateKey(path);
  const json attributes = format::ParseJson(attributes_json, "the group attributes");
  if (!attributes.is_object()) {
    throw InvalidArgumentError("group attributes must be a JSON object");
  }
  EnsureParentGroups(store, path, known_groups);
  engine::WriteJson(store, MetadataKey(path), GroupDocument(attributes));
  if (known_groups) known_groups->Add(path);
}

void DeleteNode(Store& store, const std::string& path, KnownGroups* known_groups) {
  const NodeKind kind = ReadNode(store, path).kind;
  if (kind == NodeKind::kMissing) {
    throw NotFoundError("nothing named '" + path + "' in " + store.Describe());
  }
  if (known_groups) known_groups->Forget(path);
  // Metadata goes first, that of every node below too, so an interrupted delete never leaves
  // a node that opens half-empty; what it leaves, a new node refuses to adopt.
  store.Delete(MetadataKey(path));
  if (kind == NodeKind::kGroup) {
    for (const NodeInfo& below : ListNodes(store, path, /*children_only=*/false)) {
      store.Delete(MetadataKey(below.path));
    }
  }
  store.DeletePrefix(path);
  engine::ChunkCache::Instance().EraseWithPrefix(detail::CachePrefix(store, path));
}

std::vector<NodeInfo> ListNodes(Store& store, const std::string& prefix, bool children_only) {
  if (!prefix.empty()) ValidateKey(prefix);
  std::vector<NodeInfo> nodes;
  std::vector<std::string> folders = store.ListFolder(prefix).folders;
  while (!folders.empty()) {
    const std::string folder = std::move(folders.back());
    folders.pop_back();
    const NodeInfo node = ReadNode(store, folder);
    if (node.kind != NodeKind::kMissing) nodes.push_back(node);
    // An array holds chunks, never nodes (so its folder is not listed), and a ragged array
    // only its own two arrays; a group or a folder without metadata may hold nodes deeper.
    if (children_only || node.kind == NodeKind::kArray || IsRaggedArrayNode(node)) continue;
    const std::vector<std::string> inside = store.ListFolder(folder).folders;
    folders.insert(folders.end(), inside.begin(), inside.end());
  }
  std::sort(nodes.begin(), nodes.end(),
            [](const NodeInfo& a, const NodeInfo& b) { return a.path < b.path; });
  return nodes;
}

}  // namespace hub
