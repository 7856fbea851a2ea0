// Transformed image reads (hub/image_transform.h): fetch each requested image's stored chunk,
// many objects at once, then decode and transform every image on the engine's pool. jpeg
// chunks decode only the region and scale the output needs; other codecs decode whole.
#pragma once

#include <span>

#include "engine/array_state.h"
#include "hub/image_transform.h"

namespace hub::engine {

// Needs a uint8 array of images (N, H, W) or (N, H, W, C) with one whole image per codec
// chunk (InvalidArgumentError otherwise); out holds requests.size() images of `output`.
void ReadImages(const detail::ArrayState& array, std::span<const ImageRequest> requests,
                const ImageOutput& output, std::span<std::byte> out);

// InvalidArgumentError unless `output` is a positive size for `channels` (1 to 4) with
// positive stds, and `out_bytes` is exactly what `requests` such images take.
void CheckImageOutput(const ImageOutput& output, std::size_t requests, int channels,
                      std::size_t out_bytes);

}  // namespace hub::engine
