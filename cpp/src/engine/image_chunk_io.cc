// Image-by-image chunk reads and writes (see image_chunk_io.h).
#include "engine/image_chunk_io.h"

#include <optional>

#include "codec/image_chunk.h"
#include "engine/chunk_cache.h"
#include "engine/thread_pool.h"

namespace hub::engine {
namespace {

using detail::ArrayState;

// Which images of the chunk the selection touches (by index within the chunk).
std::vector<bool> TouchedImages(const ArrayState& array, const ChunkTask& task) {
  const auto& chunk_shape = array.metadata.chunk_shape;
  const std::size_t leading = chunk_shape.size() - array.images->image_axes;
  std::vector<bool> touched(array.images->count, false);
  std::vector<std::int64_t> positions;  // odometer over the leading axes' picked positions
  auto visit = [&](auto& self, std::size_t axis, std::int64_t item) -> void {
    if (axis == leading) {
      touched[static_cast<std::size_t>(item)] = true;
      return;
    }
    for (const index::Run& run : task.pieces[axis]->runs) {
      for (std::int64_t i = 0; i < run.length; ++i) {
        self(self, axis + 1, item * chunk_shape[axis] + run.chunk_start + i);
      }
    }
  };
  visit(visit, 0, 0);
  return touched;
}

// True when the selection covers every pixel of each image it touches.
bool CoversWholeImages(const ArrayState& array, const ChunkTask& task) {
  const auto& chunk_shape = array.metadata.chunk_shape;
  for (std::size_t axis = chunk_shape.size() - array.images->image_axes; axis < chunk_shape.size();
       ++axis) {
    const auto& runs = task.pieces[axis]->runs;
    if (runs.size() != 1 || runs[0].chunk_start != 0 || runs[0].length != chunk_shape[axis]) {
      return false;
    }
  }
  return true;
}

std::span<std::byte> ImageIn(Buffer& chunk, const codec::ImageGeometry& images, std::size_t i) {
  return chunk.mutable_span().subspan(i * images.item_bytes, images.item_bytes);
}

// Decodes image `i`, naming it if its bytes are bad.
void DecodeImage(const ArrayState& array, const codec::ImageChunk& chunk, std::size_t i,
                 std::span<std::byte> pixels) {
  try {
    array.pipeline->image_codec()->DecodeImage(chunk.Image(i), pixels, *array.images);
  } catch (const CorruptChunkError& error) {
    throw CorruptChunkError("image " + std::to_string(i) + ": " + error.what());
  }
}

}  // namespace

void ReadImageChunk(const ArrayState& array, const ChunkTask& task, std::span<std::byte> out) {
  const codec::ImageGeometry& images = *array.images;
  std::optional<Buffer> encoded = array.store->Get(task.key);
  if (!encoded) {
    index::FillRegion(out.data(), task.geometry, array.metadata.fill_value);
    return;
  }
  try {
    const Buffer payload = array.pipeline->DecodeBytesStages(*encoded);
    const codec::ImageChunk chunk(payload, images.count);
    const auto image_bytes = static_cast<std::int64_t>(images.item_bytes);
    if (index::ContiguousBlockBytes(task.geometry) % image_bytes == 0) {
      // Whole images land contiguously in the output: decode each straight into place.
      std::vector<std::pair<std::size_t, std::int64_t>> targets;  // (image, output offset)
      index::ForEachMove(task.geometry, [&](std::int64_t chunk_at, std::int64_t output_at,
                                            std::int64_t bytes) {
        for (std::int64_t k = 0; k < bytes / image_bytes; ++k) {
          targets.emplace_back(static_cast<std::size_t>(chunk_at / image_bytes + k),
                               output_at + k * image_bytes);
        }
      });
      ParallelFor(targets.size(), [&](std::size_t t) {
        DecodeImage(array, chunk, targets[t].first,
                    out.subspan(static_cast<std::size_t>(targets[t].second), images.item_bytes));
      });
      return;
    }
    // Part of each image is wanted: decode only the touched images, then copy the part.
    Buffer scratch = Buffer::Allocate(array.metadata.ChunkBytes());
    const std::vector<bool> touched = TouchedImages(array, task);
    ParallelFor(images.count, [&](std::size_t i) {
      if (touched[i]) DecodeImage(array, chunk, i, ImageIn(scratch, images, i));
    });
    index::CopyRegion(index::CopyDirection::kChunkToOutput, scratch.data(), out.data(),
                      task.geometry);
  } catch (const CorruptChunkError& error) {
    throw ChunkError(array, task.key, error);
  }
}

void WriteImageChunk(const ArrayState& array, const ChunkTask& task,
                     std::span<const std::byte> in) {
  const codec::ImageGeometry& images = *array.images;
  const codec::ImageCodec& codec = *array.pipeline->image_codec();
  const std::vector<bool> touched = TouchedImages(array, task);
  const bool whole_images = CoversWholeImages(array, task);

  // The stored images this write keeps: untouched ones are reused byte for byte.
  std::optional<Buffer> old_payload;
  std::optional<codec::ImageChunk> old_chunk;
  std::size_t touched_count = 0;
  for (bool t : touched) touched_count += t ? 1 : 0;
  if (touched_count < images.count || !whole_images) {
    if (std::optional<Buffer> encoded = array.store->Get(task.key)) {
      try {
        old_payload = array.pipeline->DecodeBytesStages(*encoded);
        old_chunk.emplace(*old_payload, images.count);
      } catch (const CorruptChunkError& error) {
        throw ChunkError(array, task.key, error);
      }
    }
  }

  Buffer scratch = Buffer::Allocate(array.metadata.ChunkBytes());
  ParallelFor(images.count, [&](std::size_t i) {
    if (!touched[i] || whole_images) return;
    if (old_chunk) {
      try {
        DecodeImage(array, *old_chunk, i, ImageIn(scratch, images, i));
      } catch (const CorruptChunkError& error) {
        throw ChunkError(array, task.key, error);
      }
    } else {
      index::FillWithElement(ImageIn(scratch, images, i), array.metadata.fill_value);
    }
  });
  index::CopyRegion(index::CopyDirection::kOutputToChunk, scratch.data(),
                    const_cast<std::byte*>(in.data()), task.geometry);

  // Untouched images of a chunk that did not exist are fill images: encode one, share it.
  std::optional<Buffer> fill_image;
  if (!old_chunk && touched_count < images.count) {
    Buffer fill = Buffer::Allocate(images.item_bytes);
    index::FillWithElement(fill.mutable_span(), array.metadata.fill_value);
    fill_image = codec.EncodeImage(fill.span(), images);
  }
  std::vector<Buffer> fresh(images.count);
  std::vector<std::span<const std::byte>> views(images.count);
  ParallelFor(images.count, [&](std::size_t i) {
    if (touched[i]) {
      fresh[i] = codec.EncodeImage(ImageIn(scratch, images, i), images);
      views[i] = fresh[i].span();
    } else {
      views[i] = old_chunk ? old_chunk->Image(i) : fill_image->span();
    }
  });
  const Buffer chunk = array.pipeline->EncodeBytesStages(codec::ImageChunk::Assemble(views));
  array.store->Put(task.key, chunk.span());
  ChunkCache::Instance().Erase(task.CacheKey(array));
}

}  // namespace hub::engine
