"""Dask, for work that outgrows one machine: ``Array.to_dask()`` and ``hub_v1.from_dask``.

Arrays pickle as their location (store and name), so the graph carries no data: each task
reopens the array on its worker and reads or writes its own chunks through the engine.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

import dask.array as da
import numpy as np

if TYPE_CHECKING:
    import dask.bag as db

    from hub_v1.array import Array
    from hub_v1.datahub import DataHub
    from hub_v1.ragged import RaggedArray


def to_dask(array: Array) -> da.Array:
    """One dask block per stored object (shard, or chunk); see ``Array.to_dask``."""
    return da.from_array(
        array,
        chunks=array.write_unit,
        name=f"hub_v1-{uuid.uuid4().hex}",  # the stored data may change between calls
        lock=False,
        asarray=False,  # the engine already returns numpy arrays
        fancy=False,
        meta=np.empty((0,) * array.ndim, dtype=array.dtype),
    )


def _read_samples(array: RaggedArray, start: int, stop: int) -> list[np.ndarray]:
    return list(array[start:stop])


def ragged_to_dask_bag(array: RaggedArray) -> db.Bag:
    """One bag partition per shard of samples; see ``RaggedArray.to_dask``."""
    import dask.bag as db
    from dask import delayed

    step = array.samples_per_shard
    parts = [
        delayed(_read_samples, pure=False)(array, start, min(start + step, len(array)))
        for start in range(0, len(array), step)
    ]
    return db.from_delayed(parts) if parts else db.from_sequence([], npartitions=1)


def aligned_chunks(
    blocks: tuple[tuple[int, ...], ...], chunk: tuple[int, ...]
) -> tuple[tuple[int, ...] | int, ...]:
    """Dask chunking whose block edges fall on `chunk` edges: the given blocks where they
    already do, else blocks of whole chunks about as large as the first given block."""
    result: list[tuple[int, ...] | int] = []
    for sizes, step in zip(blocks, chunk, strict=True):
        edges = np.cumsum(sizes)[:-1]
        if np.all(edges % step == 0):
            result.append(sizes)
        else:
            result.append(step * max(1, round(sizes[0] / step)))
    return tuple(result)


def from_dask(
    darray: da.Array,
    datahub: DataHub,
    name: str,
    chunk: Any = None,
    compress: str = "default",
    compresslevel: float = 0.5,
    overwrite: bool = False,
    compute: bool = True,
    shard: Any = None,
) -> Any:
    """Store a dask array as array `name` of `datahub`, each worker writing its own blocks.

    `chunk` defaults to the dask array's first block along each axis; `shard` (optional)
    makes each stored object a shard of such chunks. Blocks are first re-chunked so that no
    two tasks write the same stored object (which would lose data), then
    written in parallel with ``da.store``. Returns the new ``hub_v1.Array``, or with
    ``compute=False`` a ``(array, delayed)`` pair to compute later.
    """
    if chunk is None:
        chunk = tuple(sizes[0] if sizes else 1 for sizes in darray.chunks)
    target = datahub.array(
        name,
        shape=darray.shape,
        chunk=chunk,
        shard=shard,
        dtype=darray.dtype,
        compress=compress,
        compresslevel=compresslevel,
        overwrite=overwrite,
    )
    aligned = darray.rechunk(aligned_chunks(darray.chunks, target.write_unit))
    stored = da.store(aligned, target, lock=False, compute=compute)
    return target if compute else (target, stored)
