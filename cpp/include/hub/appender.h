// hub::Appender: one array's growth by a stream of batches, made visible at once. What
// ArrayAppender (hub/array.h) and RaggedAppender (hub/ragged_array.h) share, and what
// hub::Dataset grows its components together with.
#pragma once

#include <cstdint>

namespace hub {

// What an appender holds while it writes.
enum class AppendMode {
  // The array's metadata turn in this process (and, on a store that locks, its lock): one
  // such appender at a time grows the array, and it can Commit.
  kGrow,
  // Nothing: it only stages samples beyond the stored length, and cannot Commit. Many of
  // them, in any threads or processes (an ingest's workers), may write at once, each to its
  // own objects (whole chunks or shards, or the last ones); a kGrow appender that Resumes
  // past their samples commits them.
  kStage,
};

// A kGrow appender holds the array's metadata turn in this process (and, on a store that locks,
// its lock) from construction until Abandon or destruction: appends from threads take turns.
// Batches are written beyond the stored length, where no reader looks; Commit makes them all
// visible at once. Destroyed without Commit, the array keeps its old length.
class Appender {
 public:
  virtual ~Appender() = default;

  // The length stored when this appender took the turn.
  virtual std::int64_t stored_length() const = 0;
  // Where the next batch goes: the stored length, then moved on by each batch written.
  virtual std::int64_t length() const = 0;
  // Writes the next batches from `position` (0 to length()) instead, replacing the samples
  // there: a dataset appends at its own length, which a component that an interrupted
  // append grew alone exceeds. InvalidArgumentError for another position or after Commit.
  virtual void Rewind(std::int64_t position) = 0;
  // Takes the samples from length() up to `position` as written: staged there by an earlier
  // appender that wrote them but never committed (its process died), which a resumed job
  // continues after. Nothing there is checked or cleared; the next batch goes at `position`.
  // InvalidArgumentError for a position below length() or after Commit.
  virtual void Resume(std::int64_t position) = 0;
  // Commits (once) the length the writes reach, or the stored one where that is longer;
  // returns it. The turn is held on, so that Undo can follow.
  virtual std::int64_t Commit() = 0;
  // After Commit: writes the stored length back (a dataset whose other components failed).
  virtual void Undo() = 0;
  // Gives up the turn now rather than at destruction; without Commit, nothing is committed.
  virtual void Abandon() = 0;
};

}  // namespace hub
