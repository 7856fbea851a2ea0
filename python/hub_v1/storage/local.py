"""A folder on local disk: ``hub.fs(path).connect()``."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from hub_v1 import _core
from hub_v1.datahub import DataHub
from hub_v1.errors import InvalidArgumentError


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
        options = _core.StoreOptions(lock_writes=self.lock)
        return DataHub(_core.open_store(f"file://{self.path}", options), self)

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickles as the folder: another process connects to the same store."""
        return (FsConnection, (self.path, self.lock))

    def __repr__(self) -> str:
        return f"hub_v1.fs({self.path!r}" + (", lock=True)" if self.lock else ")")


def fs(path: str | os.PathLike[str], lock: bool = False) -> FsConnection:
    """Connect to a local folder: ``hub.fs("./data/cache").connect()``.

    Writers in several processes are safe when each writes whole, different chunks. With
    ``lock=True`` every chunk write holds a file lock (hidden ``.hub_lock.*`` files beside
    the chunks) from reading the old chunk to replacing it, so processes may also write
    different parts of the same chunk without losing each other's updates.
    """
    return FsConnection(path, lock)
