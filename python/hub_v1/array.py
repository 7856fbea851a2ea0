"""`Array`: a chunked N-dimensional array in a store, sliced like a numpy array."""

from __future__ import annotations

from collections.abc import Iterable, Sized
from typing import TYPE_CHECKING, Any

import numpy as np

from hub_v1 import _core
from hub_v1.attributes import Attributes
from hub_v1.encoded import EncodedSample
from hub_v1.errors import InvalidArgumentError, OutOfBoundsError
from hub_v1.indexing import normalize_key
from hub_v1.progress import progress_bar

if TYPE_CHECKING:
    import numpy.typing as npt

    from hub_v1.datahub import DataHub


def _reopen(datahub: DataHub, name: str) -> Any:
    return datahub.open(name)


class Array:
    """A Zarr v3 array read and written through hub_v1's engine.

    Indexing follows numpy: integers (negative too), slices with any step, ``...`` and one
    integer or boolean array per key. Reads return numpy arrays (a numpy scalar for a single
    element); writes broadcast the value and cast it to the array's dtype.

    >>> import hub_v1 as hub, numpy as np
    >>> arr = hub.memory().connect().array("x", shape=(4, 3), dtype="int32")
    >>> arr[1] = 7
    >>> arr[:2].tolist()
    [[0, 0, 0], [7, 7, 7]]
    """

    def __init__(self, core: _core.Array, datahub: DataHub) -> None:
        self._core = core
        self._datahub = datahub

    @property
    def datahub(self) -> DataHub:
        """The DataHub (store) this array lives in."""
        return self._datahub

    def __reduce__(self) -> tuple[Any, ...]:
        """An array pickles as its location (store and name) and reopens when unpickled, so it
        can be sent to DataLoader or Dask workers. No data is pickled."""
        return (_reopen, (self._datahub, self.name))

    @property
    def attrs(self) -> Attributes:
        """The array's user attributes, JSON values kept in its ``zarr.json``; see
        :class:`hub_v1.attributes.Attributes`."""
        return Attributes(self._datahub._store, self.name)

    @property
    def name(self) -> str:
        """The array's path in its store, e.g. ``"test/example:input"``."""
        return self._core.path

    @property
    def shape(self) -> tuple[int, ...]:
        return self._core.shape

    @property
    def chunk(self) -> tuple[int, ...]:
        """The shape of one chunk: the unit of compression, checksum and random access."""
        return self._core.chunk

    @property
    def shard(self) -> tuple[int, ...] | None:
        """The shape of one stored object when the array is sharded (a multiple of `chunk`
        holding many chunks, each read on its own by byte range), else None.

        >>> import hub_v1 as hub
        >>> datahub = hub.memory().connect()
        >>> datahub.array("x", shape=(100, 8), chunk=(1, 8), shard=(50, 8), dtype="uint8").shard
        (50, 8)
        """
        return self._core.shard

    @property
    def write_unit(self) -> tuple[int, ...]:
        """The block a write rewrites as one object: the shard, or the chunk if unsharded.
        Writes aligned to it never read the old data."""
        return self.shard or self.chunk

    @property
    def dtype(self) -> np.dtype[Any]:
        return self._core.dtype

    @property
    def dtype_name(self) -> str:
        """The dtype as :meth:`DataHub.array` takes it: numpy's name ("float32"), or "str" and
        "bytes" for text and bytes arrays (whose :attr:`dtype` is numpy's ``StringDType`` and
        ``object``).

        >>> import hub_v1 as hub
        >>> hub.memory().connect().array("captions", shape=(0,), dtype=str).dtype_name
        'str'
        """
        if self._holds_objects():
            return "str" if self.dtype.kind == "T" else "bytes"
        return str(self.dtype)

    @property
    def compress(self) -> str:
        return self._core.compress

    @property
    def compresslevel(self) -> float:
        return self._core.compresslevel

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64))

    @property
    def nbytes(self) -> int:
        """Bytes the whole array takes decoded (not what it takes in storage)."""
        return self.size * self.dtype.itemsize

    def nbytes_stored(self) -> int:
        """Bytes the array's written chunks take in storage (compressed, with checksums).

        >>> import hub_v1 as hub
        >>> arr = hub.memory().connect().array("x", shape=(8, 8), chunk=(4, 8), dtype="uint8")
        >>> arr[:4] = 1
        >>> arr.nbytes_stored(), arr.nchunks_initialized()
        (36, 1)
        """
        return sum(size for _, size in self._stored_chunks())

    def nchunks_initialized(self) -> int:
        """How many chunks are stored; the others read as zeros and take no space. In a
        sharded array, chunks holding only zeros are not stored either."""
        return int(self._core.count_stored()[1])

    def nshards_initialized(self) -> int | None:
        """How many shards are stored (None for an unsharded array)."""
        return None if self.shard is None else int(self._core.count_stored()[0])

    def _stored_chunks(self) -> list[tuple[str, int]]:
        objects = self._datahub._store.list_with_sizes(self.name)
        return [(key, size) for key, size in objects if key != f"{self.name}/zarr.json"]

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, key: Any) -> Any:
        region = self._core.select(normalize_key(key, self.shape))
        result = self._core.read(region)
        return result[()] if result.ndim == 0 else result

    def read(self, key: Any = ..., out: np.ndarray | None = None) -> np.ndarray:
        """Read ``self[key]``, into `out` if given (a C-contiguous array of this dtype and the
        selection's shape), so a training loop can reuse one buffer for every batch.

        >>> import hub_v1 as hub, numpy as np
        >>> arr = hub.memory().connect().array("x", shape=(8, 2), dtype="uint8")
        >>> buffer = np.empty((4, 2), np.uint8)
        >>> arr.read(slice(0, 4), out=buffer) is buffer
        True
        """
        region = self._core.select(normalize_key(key, self.shape))
        if out is None:
            return self._core.read(region)
        if out.shape != region.shape:
            raise InvalidArgumentError(
                f"out has shape {out.shape}; the selection of '{self.name}' has {region.shape}"
            )
        self._core.read_into(region, out)
        return out

    def __setitem__(self, key: Any, value: Any) -> None:
        region = self._core.select(normalize_key(key, self.shape))
        keys = key if isinstance(key, tuple) else (key,)
        one_element = all(isinstance(k, int | np.integer) and not isinstance(k, bool) for k in keys)
        self._core.write(region, self._prepare_value(value, region.shape, one_element))

    def write_from(self, items: Iterable[Any], start: int = 0, progress: bool | None = None) -> int:
        """Write `items` (each one element along the first axis, e.g. images from a folder)
        to ``self[start:]``, a whole chunk at a time; returns how many were written. Items
        before a failing one are written before the error is raised. `progress`: a tqdm bar
        (see :mod:`hub_v1.progress`).

        >>> import hub_v1 as hub, numpy as np
        >>> arr = hub.memory().connect().array("x", shape=(10, 2), chunk=(4, 2), dtype="int8")
        >>> arr.write_from(np.full(2, i) for i in range(10))
        10
        >>> arr[:, 0].tolist()
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
        """
        if not 0 <= start <= self.shape[0]:
            raise OutOfBoundsError(f"start {start} is outside the first axis of '{self.name}'")
        from hub_v1.growth import unit_batches

        def prepare(item: Any, number: int) -> np.ndarray:
            if start + number >= self.shape[0]:
                raise OutOfBoundsError(
                    f"more items than fit: '{self.name}' has {self.shape[0]} along "
                    f"its first axis and writing started at {start}"
                )
            value = self._as_values(item)
            if value.shape != self.shape[1:]:
                raise InvalidArgumentError(
                    f"item {number} has shape {value.shape}; items of '{self.name}' have "
                    f"shape {self.shape[1:]}"
                )
            return value

        total = len(items) if isinstance(items, Sized) else None
        position = start
        with progress_bar(total, f"write {self.name}", "item", progress) as bar:
            for batch in unit_batches(items, prepare, start, self.write_unit[0]):
                self[position : position + len(batch)] = np.stack(batch)
                position += len(batch)
                bar.update(len(batch))
        return position - start

    def append(self, sample: Any) -> None:
        """Add `sample` (shaped like ``self[0]``) after the last sample. See :meth:`extend`.

        >>> import hub_v1 as hub
        >>> arr = hub.memory().connect().array("x", shape=(0, 2), dtype="int32")
        >>> arr.append([1, 2])
        >>> arr.shape, arr[0].tolist()
        ((1, 2), [1, 2])
        """
        self.extend(self._as_values(sample)[np.newaxis])

    def extend(self, samples: Any, progress: bool | None = None) -> int:
        """Add `samples` after the last sample, as one growth: an array of samples, or an
        iterable of them (written a shard at a time as they come). Returns how many.

        Every sample must have the shape of ``self[0]`` (an error names the axis that
        differs); values are cast to the array's dtype. The samples are written first,
        beyond the stored length, and the new length is committed to ``zarr.json`` last: if
        anything fails (or the process dies), the array keeps its old length. Appends from
        threads of one process take turns; on local disk, so do other processes' (an flock on
        ``zarr.json``); on S3 and GCS, two processes appending to one array at once
        overwrite each other's samples: give each process its own array.

        >>> import hub_v1 as hub, numpy as np
        >>> arr = hub.memory().connect().array("x", shape=(0, 3), dtype="uint8")
        >>> arr.extend(np.ones((4, 3)))
        4
        >>> arr.extend(np.full(3, i) for i in range(2))
        2
        >>> len(arr), arr[5].tolist()
        (6, [1, 1, 1])
        """
        from hub_v1.growth import extend_array

        return extend_array(self, samples, progress)

    def resize(self, shape: int | Iterable[int]) -> None:
        """Set the array's shape (the same number of dimensions). New space reads as zeros;
        shrinking deletes the stored objects left wholly outside.

        >>> import hub_v1 as hub
        >>> arr = hub.memory().connect().array("x", shape=(2, 2), dtype="int8")
        >>> arr[:] = 5
        >>> arr.resize((3, 2))
        >>> arr[:].tolist()
        [[5, 5], [5, 5], [0, 0]]
        """
        from hub_v1.growth import resize_array

        resize_array(self, shape)

    def refresh(self) -> None:
        """Reread the shape from the store, to see growth made through other handles or by
        other processes."""
        self._core.refresh()

    def read_images(
        self,
        indices: Any,
        boxes: np.ndarray,
        flips: np.ndarray,
        height: int,
        width: int,
        float_chw: bool,
        mean: list[float],
        std: list[float],
        out: np.ndarray | None = None,
    ) -> np.ndarray:
        """Images `indices` of a uint8 image array with one image per chunk, each cropped to
        its box (top, left, height, width), resized to `height` x `width`, mirrored where
        `flips`, and laid out as uint8 HWC or normalised float CHW, by the engine as it
        decodes. :mod:`hub_v1.transforms` chooses the boxes; use it rather than this."""
        return _core.read_images(
            self._core, np.asarray(indices, dtype=np.int64), boxes, flips, height, width,
            float_chw, mean, std, out,
        )  # fmt: skip

    def to_dask(self) -> Any:
        """This array as a chunk-aligned ``dask.array.Array`` (needs ``dask``); each task
        reads its chunk through the engine, and the array pickles as its location, so the
        tasks run on any worker that can reach the store.

        >>> import hub_v1 as hub, numpy as np
        >>> arr = hub.memory().connect().array("x", shape=(6, 2), chunk=(2, 2), dtype="int16")
        >>> arr[:] = 1
        >>> arr.to_dask().sum().compute(scheduler="sync")
        np.int64(12)
        """
        from hub_v1.integrations.dask import to_dask

        return to_dask(self)

    def _prepare_value(
        self, value: Any, shape: tuple[int, ...], one_element: bool = False
    ) -> np.ndarray:
        array = self._as_values(value)
        if array.shape != shape:
            # As numpy: a value may carry extra leading length-1 axes, then broadcasts; a
            # single element addressed by integers alone takes only a scalar (`a[2, ...]` is a
            # 0-d view, which takes a value of length-1 axes as any view does).
            extra = array.ndim - len(shape)
            leading_ones = all(extent == 1 for extent in array.shape[:extra])
            if (shape or not one_element) and extra > 0 and leading_ones:
                array = array.reshape(array.shape[extra:])
            try:
                array = np.broadcast_to(array, shape)
            except ValueError:
                raise InvalidArgumentError(
                    f"cannot write a value of shape {array.shape} into a selection of shape "
                    f"{shape} of array '{self.name}'"
                ) from None
        if array.dtype != self.dtype:
            array = array.astype(self.dtype, casting="unsafe")
        return np.ascontiguousarray(array)

    def _as_values(self, value: Any) -> np.ndarray:
        """`value` as an array; text and bytes items as Python objects of this dtype, since
        ``np.asarray`` alone makes bytes fixed-width and drops their trailing NULs."""
        if isinstance(value, EncodedSample):  # one image file: decoded to a sample's channels
            return value.pixels_for(self.shape[1:], self.name)
        return np.asarray(value, dtype=self.dtype) if self._holds_objects() else np.asarray(value)

    def _holds_objects(self) -> bool:
        """True for a ``str`` or ``bytes`` array: one Python object per element."""
        return self.dtype.kind in "TO"

    def __array__(self, dtype: npt.DTypeLike | None = None, copy: bool | None = None) -> Any:
        data = self[...]
        return data if dtype is None else data.astype(dtype, copy=False)

    def __repr__(self) -> str:
        shard = f"shard={self.shard}, " if self.shard else ""
        return (
            f"hub_v1.Array({self.name!r}, shape={self.shape}, chunk={self.chunk}, {shard}"
            f"dtype='{self.dtype_name}', compress={self.compress!r}, "
            f"compresslevel={self.compresslevel:g}, store={self._datahub.location!r})"
        )
