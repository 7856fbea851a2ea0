// Zarr v3 array metadata (`zarr.json` with node_type "array"): parse, validate, serialise,
// and chunk keys. Hostile files give InvalidArgumentError/UnsupportedError, never a crash.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "hub/dtype.h"

namespace hub::format {

// Largest decoded chunk accepted, so a hostile zarr.json cannot demand absurd allocations.
inline constexpr std::uint64_t kMaxChunkBytes = std::uint64_t{1} << 32;
// numpy 2 allows 64 dimensions; deeper metadata is refused before anything recurses on it.
inline constexpr std::size_t kMaxRank = 64;

struct ArrayMetadata {
  std::vector<std::int64_t> shape;
  std::vector<std::int64_t> chunk_shape;
  DataType dtype = DataType::kFloat32;
  std::vector<std::byte> fill_value;  // one element, little endian
  nlohmann::json codecs = nlohmann::json::array();
  bool v2_chunk_keys = false;  // "v2" encoding: "0.1" instead of "c/0/1"
  char separator = '/';
  nlohmann::json attributes = nlohmann::json::object();

  std::size_t ChunkBytes() const;
  bool FillIsZero() const;
};

// `where` names the file in error messages.
ArrayMetadata ParseArrayMetadata(const nlohmann::json& document, const std::string& where);

nlohmann::json ToJson(const ArrayMetadata& metadata);

// The store key of chunk `grid_position`, relative to the array's folder.
std::string ChunkKey(const ArrayMetadata& metadata, std::span<const std::int64_t> grid_position);

// The grid position a chunk key (relative to the array's folder) names, or nullopt for any
// other key (zarr.json, lock files, keys of another encoding or rank).
std::optional<std::vector<std::int64_t>> ParseChunkKey(const ArrayMetadata& metadata,
                                                       std::string_view key);

// Checks shape/chunk extents and products; InvalidArgumentError naming the problem.
void ValidateGeometry(std::span<const std::int64_t> shape, std::span<const std::int64_t> chunk,
                      std::size_t item_size);

}  // namespace hub::format
