// The read and write executors: fetch, decode and scatter (or gather, encode and store) every
// chunk a planned selection touches, many chunks at once on the engine's pool.
#pragma once

#include <span>

#include "engine/array_state.h"

namespace hub::engine {

void ReadRegion(const detail::ArrayState& array, const detail::RegionPlan& plan,
                std::span<std::byte> out);

void WriteRegion(const detail::ArrayState& array, const detail::RegionPlan& plan,
                 std::span<const std::byte> in);

}  // namespace hub::engine
