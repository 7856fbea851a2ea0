// Typed errors thrown by the hub_v1 engine.
// Each class maps to one Python exception in hub_v1.errors; messages never carry secrets.
#pragma once

#include <stdexcept>
#include <string>

namespace hub {

// The root of every error the engine throws on purpose.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A named array, group or object does not exist.
class NotFoundError : public Error {
 public:
  using Error::Error;
};

// An argument is malformed: bad shape, dtype, codec, name or value shape.
class InvalidArgumentError : public Error {
 public:
  using Error::Error;
};

// Something different already exists under the name being created.
class ContainsNodeError : public InvalidArgumentError {
 public:
  using InvalidArgumentError::InvalidArgumentError;
};

// An index lies outside the array's bounds.
class OutOfBoundsError : public Error {
 public:
  using Error::Error;
};

// Stored bytes failed a checksum or could not be decoded.
class CorruptChunkError : public Error {
 public:
  using Error::Error;
};

// The storage backend failed (I/O error, disk full, network).
class StorageError : public Error {
 public:
  using Error::Error;
};

// The storage backend refused access.
class PermissionDeniedError : public StorageError {
 public:
  using StorageError::StorageError;
};

// A conditional write found the object changed (or created) by another writer since it was
// read (Store::PutPartsIf); nothing was written.
class PreconditionFailedError : public StorageError {
 public:
  using StorageError::StorageError;
};

// A selection whose result could not be held in memory, or whose plan would pass its bound:
// refused before anything is planned, allocated or read.
class SelectionTooLargeError : public Error {
 public:
  using Error::Error;
};

// Valid input that this build of hub_v1 cannot handle (codec, key encoding, ...).
class UnsupportedError : public Error {
 public:
  using Error::Error;
};

}  // namespace hub
