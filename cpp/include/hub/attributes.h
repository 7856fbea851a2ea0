// User attributes of an array or a dataset: JSON values kept in the node's zarr.json
// `attributes` object, beside hub_v1's own key "hub_v1", which users neither see nor set.
// Other Zarr v3 readers see them as ordinary attributes.
#pragma once

#include <string>
#include <vector>

#include "hub/store.h"

namespace hub {

// hub_v1's own key in every node's attributes.
inline constexpr const char* kHubAttributesKey = "hub_v1";

// The user attributes of the node (array or group) at `path`, as the text of a JSON object.
// NotFoundError if no node is there.
std::string ReadUserAttributes(Store& store, const std::string& path);

// Sets every key of `changes_json` (the text of a JSON object) and then removes the keys in
// `removed` (missing ones are ignored), in one atomic rewrite of the node's zarr.json that keeps
// every other field; returns the user attributes now stored. Writers in one process take turns,
// so their updates of different keys all land; two processes updating one node at once may
// lose one of the updates. InvalidArgumentError (before anything is written) for text that is
// not a JSON object, or for the key "hub_v1"; NotFoundError if no node is there.
std::string UpdateUserAttributes(Store& store, const std::string& path,
                                 const std::string& changes_json,
                                 const std::vector<std::string>& removed = {});

}  // namespace hub
