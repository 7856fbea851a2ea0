// Groups and the node tree of a store: what lives at a path, creating groups, deleting.
// A hub_v1 dataset is a group whose attributes name its component arrays.
#pragma once

#include <string>
#include <vector>

#include "hub/store.h"

namespace hub {

enum class NodeKind { kMissing, kArray, kGroup };

struct NodeInfo {
  std::string path;
  NodeKind kind = NodeKind::kMissing;
  std::string attributes_json = "{}";  // the node's `attributes` object, as JSON text
};

// What is at `path` ("" is the root).
NodeInfo ReadNode(Store& store, const std::string& path);

// Writes a group zarr.json with `attributes_json` (an object) at `path`, creating group files
// for parent folders that lack one. InvalidArgumentError if a parent is an array.
void CreateGroup(Store& store, const std::string& path, const std::string& attributes_json);

// Creates missing group files for every parent folder of `path`.
void EnsureParentGroups(Store& store, const std::string& path);

// Removes the node at `path` and everything below it; NotFoundError if nothing is there.
void DeleteNode(Store& store, const std::string& path);

// Every array and group strictly below `prefix` ("" for the whole store), sorted by path.
std::vector<NodeInfo> ListNodes(Store& store, const std::string& prefix);

}  // namespace hub
