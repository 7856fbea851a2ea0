"""Where data lives: one module per backend (local folders, memory, S3, GCS), each a
connection whose ``connect()`` gives a :class:`~hub_v1.DataHub`, and ``connect(url)`` for
all of them. A connection pickles as where its store is (never as credentials), and a
DataHub pickles as its connection, so other processes reconnect to the same store.
"""

from hub_v1.storage.gcs import GcsConnection, gs
from hub_v1.storage.local import FsConnection, fs
from hub_v1.storage.memory import MemoryConnection, memory
from hub_v1.storage.s3 import S3Connection, s3
from hub_v1.storage.urls import connect

__all__ = [
    "FsConnection",
    "GcsConnection",
    "MemoryConnection",
    "S3Connection",
    "connect",
    "fs",
    "gs",
    "memory",
    "s3",
]
