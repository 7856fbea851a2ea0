// Reading and writing zarr.json documents through a Store.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "hub/store.h"

namespace hub::engine {

// The parsed document, or nullopt if `key` does not exist. InvalidArgumentError if the
// object is not valid JSON.
std::optional<nlohmann::json> ReadJson(Store& store, const std::string& key);

void WriteJson(Store& store, const std::string& key, const nlohmann::json& document);

}  // namespace hub::engine
