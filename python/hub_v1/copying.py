"""Moving data in bulk: ``hub_v1.copy`` (any store to any store, optionally re-chunked or
re-compressed; what ``hub_v1 cp`` runs) and ``Array.write_from`` (an iterable of items)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import numpy as np

from hub_v1.progress import progress_bar

if TYPE_CHECKING:
    from hub_v1.array import Array
    from hub_v1.datahub import DataHub
    from hub_v1.ragged import RaggedArray

# A copy moves blocks of whole target chunks of about this size: large enough that each block
# keeps many chunk requests in flight, small enough to hold two (one read ahead) in memory.
BLOCK_BYTES = 64 << 20


def chunk_aligned_blocks(
    shape: tuple[int, ...], chunk: tuple[int, ...], itemsize: int
) -> Iterator[tuple[slice, ...]]:
    """Regions of `shape` made of whole chunks (``BLOCK_BYTES`` or one chunk, whichever is
    larger), so writing them block by block writes every chunk exactly once."""
    if any(extent == 0 for extent in shape):
        return
    block = list(chunk)
    chunk_bytes = int(np.prod(chunk, dtype=np.int64)) * itemsize
    block[0] = chunk[0] * max(1, BLOCK_BYTES // max(chunk_bytes, 1))
    starts = [range(0, extent, step) for extent, step in zip(shape, block, strict=True)]
    for corner in itertools.product(*starts):
        yield tuple(
            slice(start, min(start + step, extent))
            for start, step, extent in zip(corner, block, shape, strict=True)
        )


def copy(
    source: Array | RaggedArray,
    datahub: DataHub,
    name: str,
    chunk: Any = None,
    compress: str | None = None,
    compresslevel: float | None = None,
    overwrite: bool = False,
    progress: bool | None = None,
    shard: Any = None,
) -> Any:
    """Copy `source` into `datahub` as `name` and return the new array.

    `chunk`, `shard`, `compress` and `compresslevel` default to the source's (a new `chunk`
    alone drops the source's sharding); pass them to re-chunk, re-shard or re-compress on
    the way; the source's attributes (``attrs``) come along. The copy moves whole target
    chunks (whole shards when sharded), reading the next block while the current one is
    written, with many chunk requests in flight on each side.
    `progress`: see :mod:`hub_v1.progress`. A ragged array is copied sample by sample
    (`shard` is then the samples per shard; `chunk` is not taken), its image files byte for
    byte where the codec stays the same, into a new or empty ragged array.

    >>> import hub_v1 as hub, numpy as np
    >>> source = hub.memory().connect().array("x", shape=(100, 10), chunk=(10, 10), dtype="int32")
    >>> source[:] = np.arange(1000).reshape(100, 10)
    >>> copied = hub.copy(source, hub.memory().connect(), "y", chunk=(50, 10), compress="zstd")
    >>> copied.chunk, int(copied[99, 9])
    ((50, 10), 999)
    """
    from hub_v1.ragged import RaggedArray

    if isinstance(source, RaggedArray):
        return _copy_ragged(
            source, datahub, name, chunk, compress, compresslevel, overwrite, progress, shard
        )
    if shard is None and chunk is None:
        shard = source.shard
    target = datahub.array(
        name,
        shape=source.shape,
        chunk=source.chunk if chunk is None else chunk,
        shard=shard,
        dtype=source.dtype_name,
        compress=source.compress if compress is None else compress,
        compresslevel=source.compresslevel if compresslevel is None else compresslevel,
        overwrite=overwrite,
    )
    attributes = source.attrs
    if attributes:
        target.attrs.update(attributes)
    blocks = list(chunk_aligned_blocks(target.shape, target.write_unit, target.dtype.itemsize))
    description = f"copy {source.name}"
    with (
        progress_bar(source.nbytes, description, "B", progress) as bar,
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="hub_v1-copy") as reader,
    ):
        ahead = reader.submit(source.read, blocks[0]) if blocks else None
        for position, block in enumerate(blocks):
            assert ahead is not None
            data = ahead.result()
            if position + 1 < len(blocks):
                ahead = reader.submit(source.read, blocks[position + 1])
            target[block] = data
            bar.update(data.nbytes)
    return target


def _copy_ragged(
    source: RaggedArray,
    datahub: DataHub,
    name: str,
    chunk: Any,
    compress: str | None,
    compresslevel: float | None,
    overwrite: bool,
    progress: bool | None,
    shard: Any,
) -> RaggedArray:
    from hub_v1.encoded import EncodedSample
    from hub_v1.errors import ContainsNodeError, InvalidArgumentError

    if chunk is not None:
        raise InvalidArgumentError(
            f"'{source.name}' is a ragged array, one sample per chunk: give shard (samples per "
            "shard), not chunk"
        )
    target = datahub.array(
        name,
        shape=(0, *source.shape[1:]),
        shard=source.shard if shard is None else shard,
        dtype=source.dtype_name,
        compress=source.compress if compress is None else compress,
        compresslevel=source.compresslevel if compresslevel is None else compresslevel,
        overwrite=overwrite,
    )
    if len(target) and not overwrite:
        raise ContainsNodeError(
            f"'{name}' in {datahub.location} already holds {len(target)} samples; pass "
            "overwrite=True to replace it"
        )
    attributes = source.attrs
    if attributes:
        target.attrs.update(attributes)
    files_as_they_are = source.compress in ("jpeg", "png") and target.compress == source.compress
    step = source.samples_per_shard

    def samples() -> Iterator[Any]:
        for start in range(0, len(source), step):
            stop = min(start + step, len(source))
            if not files_as_they_are:
                yield from source[start:stop]
                continue
            stored = source.samples_array[start:stop]
            for data, shape in zip(stored, source.shapes[start:stop], strict=True):
                # An empty image stores no file: it is appended as the empty array it is.
                yield EncodedSample(data) if data else np.empty(shape, source.dtype)

    target.extend(samples(), progress=progress)
    return target
