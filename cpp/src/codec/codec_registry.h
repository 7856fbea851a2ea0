// The codecs this build knows, by their Zarr v3 names.
#pragma once

#include <memory>
#include <string>
#include <variant>

#include "codec/codec.h"

namespace hub::codec {

using AnyCodec =
    std::variant<std::unique_ptr<ArrayToArrayCodec>, std::unique_ptr<ArrayToBytesCodec>,
                 std::unique_ptr<BytesToBytesCodec>>;

// Creates the codec a zarr.json codec entry names. UnsupportedError for unknown names.
AnyCodec MakeCodec(const nlohmann::json& entry);

}  // namespace hub::codec
