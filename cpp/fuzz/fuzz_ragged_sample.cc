// libFuzzer target: a hostile row of a ragged array's shapes array with hostile stored sample
// bytes, through the sample decoder (raw values, JPEG and PNG image files, converted to the
// array's channels), and hostile bytes through the image file header reader that hub.read
// uses. The first byte picks the array; the next 16 are the row's two extents; the rest is the
// stored sample. Decoding may fail with a hub::Error; anything else is a bug.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "engine/ragged_samples.h"
#include "hub/errors.h"
#include "hub/ragged_array.h"

namespace {

hub::RaggedSpec Spec(std::vector<std::optional<std::int64_t>> shape, hub::DataType dtype,
                     const char* compress) {
  hub::RaggedSpec spec;
  spec.sample_shape = std::move(shape);
  spec.dtype = dtype;
  spec.compress = compress;
  spec.samples_per_shard = 16;
  return spec;
}

const std::vector<std::unique_ptr<hub::engine::SampleCoder>>& Coders() {
  static const auto* coders = [] {
    const hub::RaggedSpec specs[] = {
        Spec({std::nullopt, 4}, hub::DataType::kFloat32, "zstd"),
        Spec({std::nullopt, std::nullopt}, hub::DataType::kUint8, "default"),
        Spec({std::nullopt, std::nullopt, 3}, hub::DataType::kUint8, "jpeg"),
        Spec({std::nullopt, std::nullopt}, hub::DataType::kUint8, "jpeg"),
        Spec({std::nullopt, std::nullopt, 3}, hub::DataType::kUint8, "png"),
        Spec({std::nullopt, std::nullopt, 4}, hub::DataType::kUint8, "png"),
        Spec({std::nullopt, std::nullopt}, hub::DataType::kUint16, "png"),
    };
    auto* built = new std::vector<std::unique_ptr<hub::engine::SampleCoder>>;
    for (const auto& spec : specs) {
      built->push_back(std::make_unique<hub::engine::SampleCoder>("fuzz", spec));
    }
    return built;
  }();
  return *coders;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 17) return 0;
  const auto& coders = Coders();
  const hub::engine::SampleCoder& coder = *coders[data[0] % coders.size()];
  std::int64_t extents[2];
  std::memcpy(extents, data + 1, sizeof(extents));
  // Small extents are the interesting ones; keep the high bits rarely.
  for (std::int64_t& extent : extents) {
    if ((extent & 0x100000) == 0) extent &= 0xff;
  }
  const auto stored = std::as_bytes(std::span(data + 17, size - 17));
  const std::size_t columns = (data[0] % coders.size()) == 0 ? 1 : 2;
  try {
    const hub::Sample sample =
        coder.Decode(stored, std::span<const std::int64_t>(extents, columns), {}, 0);
    volatile std::byte sink{};
    for (const std::byte value : sample.values.span()) sink = sink ^ value;
  } catch (const hub::Error&) {
  }
  try {
    hub::ReadImageFileHeader(stored);
  } catch (const hub::Error&) {
  }
  return 0;
}
