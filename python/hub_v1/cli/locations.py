"""Turning command-line arguments into stores, names and selections."""

from __future__ import annotations

import os
from pathlib import Path

import hub_v1 as hub
from hub_v1 import _core
from hub_v1.errors import InvalidArgumentError, NotFoundError


def connect_store(url: str, create: bool = False) -> hub.DataHub:
    """The DataHub at `url`: ``s3://bucket/prefix``, ``gs://...``, ``file://...`` or a path.
    A local folder must exist unless `create` (a copy's destination)."""
    scheme, folder, _, _ = _core.parse_store_url(url)
    if scheme == "memory":
        raise InvalidArgumentError(f"{url!r}: a memory store lives only in its own process")
    if scheme == "file" and not create and not Path(folder).is_dir():
        raise NotFoundError(f"no folder {folder!r}")
    return hub.connect(url)


def split_location(url: str, create: bool = False) -> tuple[hub.DataHub, str]:
    """(store, name) for the URL of an array or dataset.

    The store is the root of the Zarr hierarchy holding it: the highest folder above it with
    a ``zarr.json`` in every folder between (a dataset names its arrays from that root), e.g.
    ``s3://bucket/mnist/images`` -> (``s3://bucket``, ``mnist/images``) when ``mnist`` is a
    group of a hierarchy rooted at the bucket. A copy's destination (`create`) does not exist
    yet: its last segment is the name.
    """
    scheme, local, bucket, prefix = _core.parse_store_url(url)
    cloud = scheme in ("s3", "gs")
    if cloud:
        path = prefix
        if not path:
            raise InvalidArgumentError(
                f"{url!r} names a bucket; name an array in it, e.g. {url.rstrip('/')}/images"
            )
        root = f"{scheme}://{bucket}"
    else:
        path = os.path.normpath(local)
        root = ""
    folder, _, name = path.rpartition("/")
    if not name or name in (".", ".."):
        raise InvalidArgumentError(f"{url!r} does not name an array or dataset")

    def store_at(folder: str) -> hub.DataHub:
        if cloud:
            return connect_store(f"{root}/{folder}")
        return connect_store(folder or ("/" if path.startswith("/") else "."), create=create)

    datahub = store_at(folder)
    while not create and folder not in ("", "/"):
        parent, _, group = folder.rpartition("/")
        above = store_at(parent)
        if above.node_kind() == "missing":  # no group above: `folder` is the hierarchy's root
            break
        datahub, folder, name = above, parent, f"{group}/{name}"
    return datahub, name


def parse_items(text: str, length: int) -> slice:
    """``"0:16"``, ``":8"``, ``"5"`` -> a slice of the first axis (clipped to `length`)."""
    try:
        if ":" in text:
            start_text, stop_text = text.split(":", 1)
            start = int(start_text) if start_text else 0
            stop = int(stop_text) if stop_text else length
        else:
            start = int(text)
            stop = start + 1
    except ValueError:
        raise InvalidArgumentError(f"--items takes START:STOP or an index, got {text!r}") from None
    selection = slice(*slice(start, stop).indices(length)[:2])
    if selection.start >= selection.stop:
        raise InvalidArgumentError(f"--items {text} selects nothing of {length} items")
    return selection


def parse_extents(text: str) -> tuple[int, ...]:
    """``"100,28,28"`` -> (100, 28, 28)."""
    try:
        return tuple(int(part) for part in text.split(","))
    except ValueError:
        raise InvalidArgumentError(f"expected integers separated by commas, got {text!r}") from None
