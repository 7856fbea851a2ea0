"""``hub.connect(url)``: every store by URL, parsed by the engine (hub::ParseStoreUrl) as C++
programs parse it."""

from __future__ import annotations

from typing import Any

from hub_v1 import _core
from hub_v1.datahub import DataHub
from hub_v1.storage.gcs import gs
from hub_v1.storage.local import fs
from hub_v1.storage.memory import memory
from hub_v1.storage.s3 import s3


def connect(url: str, **kwargs: Any) -> DataHub:
    """One entry point for every store: ``s3://bucket/prefix``, ``gs://bucket/prefix``,
    ``file:///path`` or a plain path, and ``memory://``; `kwargs` go to the connection.
    URLs are parsed by the engine (``hub::ParseStoreUrl``), as C++ programs parse them."""
    scheme, path, bucket, prefix = _core.parse_store_url(url)
    if scheme == "s3":
        return s3(bucket, prefix=prefix, **kwargs).connect()
    if scheme == "gs":
        return gs(bucket, prefix=prefix, **kwargs).connect()
    if scheme == "memory":
        return memory().connect()
    return fs(path, **kwargs).connect()
