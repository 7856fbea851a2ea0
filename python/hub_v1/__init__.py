"""hub_v1: huge numpy arrays stored as Zarr v3 chunks, sliced like local numpy arrays.

>>> import hub_v1 as hub, numpy as np
>>> datahub = hub.memory().connect()
>>> arr = datahub.array("images", shape=(100, 8, 8), chunk=(10, 8, 8), dtype="uint8")
>>> arr[0] = np.ones((8, 8))
>>> int(arr[0:2].sum())
64
"""

from __future__ import annotations

from typing import Any

from hub_v1 import _core as _core  # loads the engine first
from hub_v1 import _logging, ingest
from hub_v1.array import Array
from hub_v1.config import cache_size, cache_stats, set_cache_size, set_threads, threads
from hub_v1.copying import copy
from hub_v1.datahub import DataHub
from hub_v1.dataset import Dataset
from hub_v1.encoded import EncodedSample, read
from hub_v1.errors import (
    ContainsNodeError,
    CorruptChunkError,
    HubError,
    InvalidArgumentError,
    NotFoundError,
    OutOfBoundsError,
    PermissionDeniedError,
    PreconditionFailedError,
    StorageError,
    UnsupportedError,
)
from hub_v1.ragged import RaggedArray
from hub_v1.storage import connect, fs, gs, memory, s3

__version__: str = _core.__version__  # pyproject.toml's version, compiled into the engine


def from_dask(darray: Any, datahub: DataHub, name: str, **kwargs: Any) -> Any:
    """Store a dask array as array `name` of `datahub`, written in parallel by the workers
    (needs ``dask``); see :func:`hub_v1.integrations.dask.from_dask` for the options.

    >>> import hub_v1 as hub, dask.array as da
    >>> datahub = hub.memory().connect()
    >>> arr = hub.from_dask(da.ones((8, 4), chunks=(2, 4)), datahub, "ones", compute=False)[0]
    >>> arr.chunk
    (2, 4)
    """
    from hub_v1.integrations.dask import from_dask as store_dask_array

    return store_dask_array(darray, datahub, name, **kwargs)


_logging.install()

__all__ = [
    "Array",
    "ContainsNodeError",
    "CorruptChunkError",
    "DataHub",
    "Dataset",
    "EncodedSample",
    "HubError",
    "InvalidArgumentError",
    "NotFoundError",
    "OutOfBoundsError",
    "PermissionDeniedError",
    "PreconditionFailedError",
    "RaggedArray",
    "StorageError",
    "UnsupportedError",
    "cache_size",
    "cache_stats",
    "connect",
    "copy",
    "from_dask",
    "fs",
    "gs",
    "ingest",
    "memory",
    "read",
    "s3",
    "set_cache_size",
    "set_threads",
    "threads",
]
