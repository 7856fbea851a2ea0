// Reading and writing chunks of image arrays (hub_v1.jpeg, hub_v1.png), image by image:
// a read decodes only the images the selection touches, straight into the output when they
// land there whole; a write re-encodes only the images it touches and keeps the others'
// encoded bytes unchanged (no generation loss for lossy codecs).
#pragma once

#include <span>

#include "engine/chunk_task.h"

namespace hub::engine {

void ReadImageChunk(const detail::ArrayState& array, const ChunkTask& task,
                    std::span<std::byte> out);

void WriteImageChunk(const detail::ArrayState& array, const ChunkTask& task,
                     std::span<const std::byte> in);

}  // namespace hub::engine
