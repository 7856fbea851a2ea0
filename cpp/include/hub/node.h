// Groups and the node tree of a store: what lives at a path, creating groups, deleting.
// A hub_v1 dataset is a group whose attributes name its component arrays.
#pragma once

#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "hub/store.h"

namespace hub {

enum class NodeKind { kMissing, kArray, kGroup };

// What creating an array or dataset does when something is already at its path.
enum class OnExists {
  kError,         // ContainsNodeError
  kReopenIfSame,  // the array or dataset there if it has the same settings or components
  kOverwrite,     // delete what is there (a dataset's component arrays stay), then create
};

struct NodeInfo {
  std::string path;
  NodeKind kind = NodeKind::kMissing;
  std::string attributes_json = "{}";  // the node's `attributes` object, as JSON text
};

// What is at `path` ("" is the root).
NodeInfo ReadNode(Store& store, const std::string& path);

// Folders of one store known to hold a group, so that creating many nodes checks (and if
// need be creates) each parent group once instead of once per node: a Python DataHub keeps
// one. Thread-safe. Groups deleted by others after they were noted are not noticed.
class KnownGroups {
 public:
  bool Contains(const std::string& path) const;
  void Add(const std::string& path);
  // Forgets `path` and every folder below it (a node being deleted).
  void Forget(const std::string& path);

 private:
  mutable std::mutex mutex_;
  std::set<std::string> paths_;
};

// Writes (or rewrites) a group zarr.json with `attributes_json` (an object) at `path`, creating
// group files for parent folders that lack one. InvalidArgumentError if a parent is an array.
void CreateGroup(Store& store, const std::string& path, const std::string& attributes_json,
                 KnownGroups* known_groups = nullptr);

// Creates missing group files for every parent folder of `path` (one read each, none for
// folders in `known_groups`, which learns the rest).
void EnsureParentGroups(Store& store, const std::string& path, KnownGroups* known_groups = nullptr);

// Makes way for a new node at `path` (one read, and one listing where no node is): a
// ContainsNodeError if a node is there, or objects without a node (what an interrupted delete
// or overwrite leaves), unless `overwrite`, which deletes them.
void ClearForNewNode(Store& store, const std::string& path, KnownGroups* known_groups,
                     bool overwrite);

// Removes the node at `path` and everything below it; NotFoundError if nothing is there.
void DeleteNode(Store& store, const std::string& path, KnownGroups* known_groups = nullptr);

// Every array and group strictly below `prefix` ("" for the whole store), sorted by path;
// with `children_only`, those directly in it. Walks folders one listing at a time and never
// lists inside an array, so the cost grows with the nodes, not with their chunks.
std::vector<NodeInfo> ListNodes(Store& store, const std::string& prefix,
                                bool children_only = false);

}  // namespace hub
