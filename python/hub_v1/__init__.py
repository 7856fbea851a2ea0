"""hub_v1: huge numpy arrays stored as Zarr v3 chunks, sliced like local numpy arrays.

>>> import hub_v1 as hub, numpy as np
>>> datahub = hub.memory().connect()
>>> arr = datahub.array("images", shape=(100, 8, 8), chunk=(10, 8, 8), dtype="uint8")
>>> arr[0] = np.ones((8, 8))
>>> int(arr[0:2].sum())
64
"""

from __future__ import annotations

import pyarrow.fs  # noqa: F401  (loads libarrow_s3 and registers Arrow's S3 finalizer)

from hub_v1 import _core as _core  # loads the engine first
from hub_v1 import _logging
from hub_v1.array import Array
from hub_v1.cloud import connect, gs, s3
from hub_v1.config import cache_size, cache_stats, set_cache_size, set_threads, threads
from hub_v1.connections import fs, memory
from hub_v1.datahub import DataHub
from hub_v1.dataset import Dataset
from hub_v1.errors import (
    ContainsNodeError,
    CorruptChunkError,
    HubError,
    InvalidArgumentError,
    NotFoundError,
    OutOfBoundsError,
    PermissionDeniedError,
    StorageError,
    UnsupportedError,
)

__version__ = "0.1.0"

_logging.install()

__all__ = [
    "Array",
    "ContainsNodeError",
    "CorruptChunkError",
    "DataHub",
    "Dataset",
    "HubError",
    "InvalidArgumentError",
    "NotFoundError",
    "OutOfBoundsError",
    "PermissionDeniedError",
    "StorageError",
    "UnsupportedError",
    "cache_size",
    "cache_stats",
    "connect",
    "fs",
    "gs",
    "memory",
    "s3",
    "set_cache_size",
    "set_threads",
    "threads",
]
