"""An in-process store: ``hub.memory().connect()``."""

from __future__ import annotations

import itertools
import os
import weakref
from typing import Any

from hub_v1 import _core
from hub_v1.datahub import DataHub
from hub_v1.errors import NotFoundError

# In-memory stores by id, so that arrays pickled in this process (or inherited by a forked
# DataLoader worker) can find theirs again. Weak: a store lives as long as someone uses it.
_MEMORY_CONNECTIONS: weakref.WeakValueDictionary[int, MemoryConnection] = (
    weakref.WeakValueDictionary()
)
_MEMORY_IDS = itertools.count()


class MemoryConnection:
    """An in-process store for tests and scratch work; every connect() sees the same data."""

    def __init__(self) -> None:
        self._store = _core.open_store("memory://")
        self._id = next(_MEMORY_IDS)
        self._pid = os.getpid()  # a spawned process may reuse ids; a forked one keeps this
        _MEMORY_CONNECTIONS[self._id] = self

    def connect(self) -> DataHub:
        return DataHub(self._store, self)

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickles as its id: only this process and children it forks find it again."""
        return (_memory_connection, (self._pid, self._id))

    def __repr__(self) -> str:
        return f"hub_v1.memory() <{self._store.describe()}>"


def _memory_connection(creator_pid: int, memory_id: int) -> MemoryConnection:
    """The in-memory store a pickled connection names, if it lives in this process."""
    connection = _MEMORY_CONNECTIONS.get(memory_id)
    if connection is not None and connection._pid == creator_pid:
        return connection
    raise NotFoundError(
        "an in-memory store only exists in the process that made it (and in children it "
        "forks); use hub.fs(...) to share data with spawned processes"
    )


def memory() -> MemoryConnection:
    """A fresh in-memory store: ``hub.memory().connect()``."""
    return MemoryConnection()
