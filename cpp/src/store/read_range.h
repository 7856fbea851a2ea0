// What every backend's Store::Read does with a ByteRange and the caller's buffers, in one place.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "hub/store.h"

namespace hub::store {

// The bytes [start, start + count) a range names in an object of `object_size` bytes.
struct ResolvedRange {
  std::uint64_t start = 0;
  std::uint64_t count = 0;
};
ResolvedRange Resolve(const ByteRange& range, std::uint64_t object_size);

// How many bytes a read with `options` asks for: the buffers' total when reading into them.
std::uint64_t WantedBytes(const ReadOptions& options);

// Throws CorruptChunkError unless a read of `bytes` bytes of `key` is within options.max_bytes.
// PreconditionFailedError unless the object `key`, found at `generation`, is the version
// options.if_generation names (when it names one).
void CheckReadVersion(const std::string& key, const std::string& generation,
                      const ReadOptions& options);

void CheckReadSize(const std::string& key, std::uint64_t bytes, const ReadOptions& options);

// Copies `bytes` into `buffers` in order, as far as both go.
void CopyIntoBuffers(std::span<const std::byte> bytes,
                     std::span<const std::span<std::byte>> buffers);

// The result of a read that found `bytes` (the whole range) at `generation`: a Buffer, or the
// bytes copied into options.into.
ReadResult FoundResult(Buffer bytes, const ReadOptions& options, std::string generation,
                       std::optional<std::uint64_t> object_size = std::nullopt);

}  // namespace hub::store
