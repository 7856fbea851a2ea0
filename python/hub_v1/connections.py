"""Where data lives: ``hub.fs(path)`` and ``hub.memory()``, each ``.connect()``-ed to a DataHub."""

from __future__ import annotations

import itertools
import os
import weakref
from pathlib import Path
from typing import Any

from hub_v1 import _core
from hub_v1.datahub import DataHub
from hub_v1.errors import InvalidArgumentError, NotFoundError

# In-memory stores by id, so that arrays pickled in this process (or inherited by a forked
# DataLoader worker) can find theirs again. Weak: a store lives as long as someone uses it.
_MEMORY_CONNECTIONS: weakref.WeakValueDictionary[int, MemoryConnection] = (
    weakref.WeakValueDictionary()
)
_MEMORY_IDS = itertools.count()


class FsConnection:
    """A folder on local disk (created on connect if missing).

    >>> import hub_v1 as hub, tempfile
    >>> hub.fs(tempfile.mkdtemp()).connect().list()
    []
    """

    def __init__(self, path: str | os.PathLike[str], lock: bool = False) -> None:
        path = os.fspath(path)
        if not path:
            raise InvalidArgumentError("hub.fs() needs a folder path")
        # abspath normalises '..' without following symlinks; pathlib has no such method.
        self.path = os.path.abspath(Path(path).expanduser())  # noqa: PTH100
        self.lock = lock

    def connect(self) -> DataHub:
        return DataHub(_core.local_store(self.path, self.lock), self)

    def spec(self) -> tuple[str, Any]:
        """What another process needs to connect to the same store."""
        return ("fs", (self.path, self.lock))

    def __repr__(self) -> str:
        return f"hub_v1.fs({self.path!r}" + (", lock=True)" if self.lock else ")")


class MemoryConnection:
    """An in-process store for tests and scratch work; every connect() sees the same data."""

    def __init__(self) -> None:
        self._store = _core.memory_store()
        self._id = next(_MEMORY_IDS)
        self._pid = os.getpid()  # a spawned process may reuse ids; a forked one keeps this
        _MEMORY_CONNECTIONS[self._id] = self

    def connect(self) -> DataHub:
        return DataHub(self._store, self)

    def spec(self) -> tuple[str, Any]:
        return ("memory", (self._pid, self._id))

    def __repr__(self) -> str:
        return f"hub_v1.memory() <{self._store.describe()}>"


def reconnect(spec: tuple[str, Any]) -> DataHub:
    """The DataHub a connection's spec() names, in this process (used when unpickling)."""
    kind, where = spec
    if kind == "fs":
        path, lock = where
        return FsConnection(path, lock).connect()
    if kind == "memory":
        creator_pid, memory_id = where
        connection = _MEMORY_CONNECTIONS.get(memory_id)
        if connection is not None and connection._pid == creator_pid:
            return connection.connect()
        raise NotFoundError(
            "an in-memory store only exists in the process that made it (and in children it "
            "forks); use hub.fs(...) to share data with spawned processes"
        )
    if kind == "s3":
        from hub_v1.cloud import S3Connection

        return S3Connection(**where).connect()
    if kind == "gs":
        from hub_v1.cloud import GcsConnection

        return GcsConnection(**where).connect()
    raise InvalidArgumentError(f"unknown store kind {kind!r}")


def fs(path: str | os.PathLike[str], lock: bool = False) -> FsConnection:
    """Connect to a local folder: ``hub.fs("./data/cache").connect()``.

    Writers in several processes are safe when each writes whole, different chunks. With
    ``lock=True`` every chunk write holds a file lock (hidden ``.hub_lock.*`` files beside
    the chunks) from reading the old chunk to replacing it, so processes may also write
    different parts of the same chunk without losing each other's updates.
    """
    return FsConnection(path, lock)


def memory() -> MemoryConnection:
    """A fresh in-memory store: ``hub.memory().connect()``."""
    return MemoryConnection()
