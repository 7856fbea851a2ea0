// Changing an array's shape safely: samples first, beyond the stored length where no reader
// looks, then zarr.json, so a reader or a crash sees the old shape or the new one, whole.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <vector>

#include "engine/array_state.h"
#include "engine/write_turns.h"
#include "hub/appender.h"

namespace hub::engine {

// A copy of `array` with another shape (nothing stored changes).
std::shared_ptr<const detail::ArrayState> WithShape(const detail::ArrayState& array,
                                                    std::vector<std::int64_t> shape);

// The shape in the array's zarr.json now; NotFoundError if the array was deleted,
// InvalidArgumentError if it was replaced by one with other settings.
std::vector<std::int64_t> StoredShape(const detail::ArrayState& array);

// One change of shape. With kGrow, holds the array's metadata turn in this process (the turn
// attribute updates take too) and, on a store that locks, the store's lock on zarr.json, from
// the moment it reads the stored shape until it is destroyed. With kStage it holds nothing and
// only writes samples beyond the stored length: SetShape, Commit and Undo refuse.
class Growth {
 public:
  explicit Growth(std::shared_ptr<const detail::ArrayState> array,
                  AppendMode mode = AppendMode::kGrow);
  Growth(const Growth&) = delete;
  Growth& operator=(const Growth&) = delete;

  const std::vector<std::int64_t>& stored_shape() const { return stored_->metadata.shape; }
  // The shape Commit writes: the stored one, grown by writes or set by SetShape.
  const std::vector<std::int64_t>& shape() const { return target_->metadata.shape; }

  // Writes `count` samples (C order, this dtype) at `start` (at most the stored length, or the
  // length earlier writes of this growth reach) into
  // the array as grown to hold them; visible only after Commit.
  void WriteSamples(std::int64_t start, std::span<const std::byte> samples, std::int64_t count);
  // Sets the shape Commit writes (same rank), clearing data left beyond the stored bound
  // wherever it grows, so the new space reads as the fill value.
  void SetShape(std::vector<std::int64_t> shape);
  // Grows the first extent Commit writes to `length` (at least the current one), keeping
  // what is stored beyond the bound: samples staged by an appender that never committed.
  void AdoptStaged(std::int64_t length);
  // Writes zarr.json with the new shape (its other fields, attributes included, as stored)
  // and returns the array's new state.
  std::shared_ptr<const detail::ArrayState> Commit();
  // After Commit: writes the stored shape back (a dataset whose other components failed).
  void Undo();
  // After Commit: deletes the objects wholly outside the new shape (space, not correctness:
  // growth clears what it exposes). Failures are logged, not thrown.
  void DeleteOutside();

 private:
  // InvalidArgumentError for a kStage growth (`what` names the call).
  void CheckGrows(const char* what) const;

  std::optional<WriteTurn> turn_;
  std::unique_ptr<KeyLock> lock_;
  nlohmann::json document_;                           // zarr.json as read
  std::shared_ptr<const detail::ArrayState> stored_;  // at the stored shape
  std::shared_ptr<const detail::ArrayState> target_;  // at the shape Commit writes
};

}  // namespace hub::engine
