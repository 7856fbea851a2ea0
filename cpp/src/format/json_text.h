// Parsing JSON text (zarr.json, codec lists, credential files) with a bound on nesting.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace hub::format {

// Parses `text` as JSON, refusing documents nested deeper than kMaxJsonDepth (a hostile
// zarr.json 100,000 levels deep must not exhaust the stack of whatever walks it).
// InvalidArgumentError naming `what` for either.
inline constexpr int kMaxJsonDepth = 128;
nlohmann::json ParseJson(std::string_view text, const std::string& what);

}  // namespace hub::format
