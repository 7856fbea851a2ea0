// Parsing JSON text with a bound on nesting (see json_text.h).
#include "format/json_text.h"

#include <algorithm>

#include "hub/errors.h"

namespace hub::format {

namespace {

// The deepest nesting of arrays and objects in `text`, brackets inside strings not counted;
// stops counting past `limit`.
int NestingDepth(std::string_view text, int limit) {
  int depth = 0;
  int deepest = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size() && deepest <= limit; ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return deepest;
}

}  // namespace

nlohmann::json ParseJson(std::string_view text, const std::string& what) {
  if (NestingDepth(text, kMaxJsonDepth) > kMaxJsonDepth) {
    throw InvalidArgumentError(what + " nests JSON more than " + std::to_string(kMaxJsonDepth) +
                               " levels deep; hub_v1 refuses such metadata");
  }
  auto document = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded()) throw InvalidArgumentError(what + " is not valid JSON");
  return document;
}

}  // namespace hub::format
