"""Where data lives: ``hub.fs(path)`` and ``hub.memory()``, each ``.connect()``-ed to a DataHub."""

from __future__ import annotations

import os

from hub_v1 import _core
from hub_v1.datahub import DataHub
from hub_v1.errors import InvalidArgumentError


class FsConnection:
    """A folder on local disk (created on connect if missing).

    >>> import hub_v1 as hub, tempfile
    >>> hub.fs(tempfile.mkdtemp()).connect().list()
    []
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        path = os.fspath(path)
        if not path:
            raise InvalidArgumentError("hub.fs() needs a folder path")
        self.path = os.path.abspath(os.path.expanduser(path))

    def connect(self) -> DataHub:
        return DataHub(_core.local_store(self.path))

    def __repr__(self) -> str:
        return f"hub_v1.fs({self.path!r})"


class MemoryConnection:
    """An in-process store for tests and scratch work; every connect() sees the same data."""

    def __init__(self) -> None:
        self._store = _core.memory_store()

    def connect(self) -> DataHub:
        return DataHub(self._store)

    def __repr__(self) -> str:
        return f"hub_v1.memory() <{self._store.describe()}>"


def fs(path: str | os.PathLike[str]) -> FsConnection:
    """Connect to a local folder: ``hub.fs("./data/cache").connect()``."""
    return FsConnection(path)


def memory() -> MemoryConnection:
    """A fresh in-memory store: ``hub.memory().connect()``."""
    return MemoryConnection()
