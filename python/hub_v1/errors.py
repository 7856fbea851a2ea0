"""Exceptions raised by hub_v1.

Every error the engine raises is a :class:`HubError` and also subclasses the builtin a
Python user would reach for, so ``except KeyError`` around ``datahub.open(name)`` works.
Messages name the array, the chunk key or the argument at fault; they never carry secrets.
"""

from __future__ import annotations


class HubError(Exception):
    """Base class of every error hub_v1 raises on purpose."""


class NotFoundError(HubError, KeyError):
    """No array, dataset or object exists under the given name."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class InvalidArgumentError(HubError, ValueError):
    """An argument is malformed: shape, chunk, dtype, codec, name or value shape."""


class OutOfBoundsError(HubError, IndexError):
    """An index lies outside the array's bounds, or there are too many indices."""


class CorruptChunkError(HubError, OSError):
    """Stored bytes failed their checksum or could not be decoded; no data was returned."""


class StorageError(HubError, OSError):
    """The storage backend failed: an I/O error, a full disk, a network failure."""


class PermissionDeniedError(StorageError, PermissionError):
    """The storage backend refused access."""


class PreconditionFailedError(StorageError):
    """A conditional write found the object changed by another writer since it was read;
    nothing was written (a shard rewritten by two machines at once, retried until given up)."""


class UnsupportedError(HubError, ValueError):
    """Valid input that this version of hub_v1 cannot handle (a codec, a key encoding)."""


class SelectionTooLargeError(HubError, MemoryError):
    """A selection whose result could not be held in memory, or that touches too many chunks
    to plan: refused at once, before anything is read. Read it in parts."""


class ContainsNodeError(InvalidArgumentError):
    """Something different already exists under the name being created."""


__all__ = [
    "ContainsNodeError",
    "CorruptChunkError",
    "HubError",
    "InvalidArgumentError",
    "NotFoundError",
    "OutOfBoundsError",
    "PermissionDeniedError",
    "PreconditionFailedError",
    "SelectionTooLargeError",
    "StorageError",
    "UnsupportedError",
]
