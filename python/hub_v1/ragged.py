"""`RaggedArray`: samples whose extents differ along the axes marked ``None``.

``datahub.array("images", shape=(0, None, None, 3), dtype="uint8", compress="jpeg")`` makes
one. It is stored as a Zarr v3 group of two standard arrays (see docs/format.md): ``samples``,
a sharded ``bytes`` array with one sample per inner chunk (its values, or its JPEG or PNG
file), and ``shapes``, an ``int64`` array of each sample's extents along the varying axes, so
``arr.shapes[...]`` never touches sample data and reading one sample costs one ranged read.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from hub_v1 import _core
from hub_v1.array import Array
from hub_v1.attributes import Attributes
from hub_v1.encoded import EncodedSample
from hub_v1.errors import InvalidArgumentError, NotFoundError
from hub_v1.indexing import normalize_key

if TYPE_CHECKING:
    from hub_v1.datahub import DataHub


def _reopen(datahub: DataHub, name: str) -> RaggedArray:
    found = datahub.open(name)
    if not isinstance(found, RaggedArray):
        raise NotFoundError(f"'{name}' in {datahub.location} is no longer a ragged array")
    return found


class RaggedArray:
    """An array of samples of any shape along its ``None`` axes (images of any size, a
    variable number of boxes).

    ``arr[i]`` is sample i's ndarray; any other first index (a slice, a list, a mask) gives
    a list of ndarrays, one per sample, with the rest of the key applied within each sample
    as numpy would. ``arr.shapes[...]`` gives the samples' shapes without reading them.

    >>> import hub_v1 as hub, numpy as np
    >>> boxes = hub.memory().connect().array("boxes", shape=(0, None, 4), dtype="float32")
    >>> boxes.extend([np.zeros((2, 4)), np.ones((0, 4)), np.ones((3, 4))])
    3
    >>> boxes.shape, boxes[2].shape, [b.shape for b in boxes[:2]]
    ((3, None, 4), (3, 4), [(2, 4), (0, 4)])
    >>> boxes.shapes[:].tolist()
    [[2, 4], [0, 4], [3, 4]]
    """

    def __init__(self, core: _core.RaggedArray, datahub: DataHub) -> None:
        self._core = core
        self._datahub = datahub

    @property
    def datahub(self) -> DataHub:
        """The DataHub (store) this array lives in."""
        return self._datahub

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickles as its location (store and name) and reopens when unpickled."""
        return (_reopen, (self._datahub, self.name))

    @property
    def attrs(self) -> Attributes:
        """The array's user attributes, JSON values kept in its group's ``zarr.json``."""
        return Attributes(self._datahub._store, self.name)

    @property
    def name(self) -> str:
        return self._core.path

    @property
    def shape(self) -> tuple[int | None, ...]:
        """The number of samples, then each sample's extents: ``None`` where they vary."""
        return self._core.shape

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def dtype(self) -> np.dtype[Any]:
        return self._core.dtype

    @property
    def dtype_name(self) -> str:
        """The dtype as :meth:`DataHub.array` takes it."""
        return str(self.dtype)

    @property
    def compress(self) -> str:
        return self._core.compress

    @property
    def compresslevel(self) -> float:
        return self._core.compresslevel

    @property
    def samples_per_shard(self) -> int:
        """Samples per stored object: the unit that `extend` writes at once."""
        return self._core.samples_per_shard

    @property
    def shard(self) -> tuple[int]:
        """``(samples_per_shard,)``, as :meth:`DataHub.array`'s ``shard`` takes it."""
        return (self.samples_per_shard,)

    @property
    def samples_array(self) -> Array:
        """The stored samples: a ``bytes`` array, one sample's values (C order, little
        endian) or image file per element."""
        return Array(self._core.samples_array, self._datahub)

    @property
    def shapes_array(self) -> Array:
        """The stored shapes: int64, one row per sample, one column per ``None`` axis."""
        return Array(self._core.shapes_array, self._datahub)

    @property
    def shapes(self) -> Shapes:
        """``arr.shapes[key]``: the shapes of the samples `key` picks, as int64 rows (one
        per sample, one column per axis of a sample), read without touching the samples."""
        return Shapes(self)

    def __len__(self) -> int:
        return int(self._core.length)

    def __getitem__(self, key: Any) -> np.ndarray | list[np.ndarray]:
        samples, single = self._core.read(self._normalize(key))
        return samples[0] if single else samples

    def __iter__(self) -> Iterator[np.ndarray]:
        """The samples in order, read a shard at a time."""
        step = self.samples_per_shard
        for start in range(0, len(self), step):
            yield from self._core.read((slice(start, start + step),))[0]

    def _normalize(self, key: Any) -> tuple[Any, ...]:
        entries = key if isinstance(key, tuple) else (key,)
        for entry in entries[1:]:
            if isinstance(entry, np.ndarray | list) and np.asarray(entry).dtype == np.bool_:
                raise IndexError("a boolean mask indexes the samples of a ragged array only")
        # Axes that vary take any extent here; the engine checks each sample against its own.
        extents = tuple(0 if extent is None else extent for extent in self.shape)
        return normalize_key(key, extents)

    def __setitem__(self, key: Any, value: Any) -> None:
        if isinstance(key, bool) or not isinstance(key, int | np.integer):
            raise IndexError(
                f"a ragged array replaces one whole sample at a time (arr[i] = sample), not {key!r}"
            )
        self._core.write(int(key), self._as_sample(value))

    def append(self, sample: Any) -> None:
        """Add one sample (an ndarray of an allowed shape, or ``hub.read(file)``)."""
        self.extend([sample])

    def extend(self, samples: Iterable[Any], progress: bool | None = None) -> int:
        """Add `samples` (ndarrays or :func:`hub_v1.read` image files, any iterable; an
        ndarray is its items along the first axis) after the last one, as one growth written a
        shard at a time; returns how many.

        A sample of the wrong rank or with a fixed axis that differs is an error naming it;
        then, or if the process dies, the array keeps its old length. Appends from threads
        of one process take turns (on local disk, other processes' too); two processes
        appending to one array on S3 or GCS overwrite each other's samples.
        """
        if isinstance(samples, EncodedSample) or not isinstance(samples, Iterable):
            raise InvalidArgumentError(
                f"extend takes an iterable of samples, not {type(samples).__name__}; use "
                "append for one sample"
            )
        from hub_v1.growth import append_in_batches

        appender = _core.RaggedAppender(self._core)
        return append_in_batches(
            appender,
            samples,
            lambda sample, _: self._as_sample(sample),
            lambda batch: appender.write(self._core, batch),
            self.samples_per_shard,
            f"extend {self.name}",
            progress,
        )

    def _as_sample(self, value: Any) -> Any:
        """What the engine takes: an image file's bytes, or a C-contiguous array of this
        dtype (values cast as numpy's ``astype`` does)."""
        if isinstance(value, EncodedSample):
            return value.data
        array = np.asarray(value)
        if array.dtype != self.dtype:
            array = array.astype(self.dtype, casting="unsafe")
        return np.ascontiguousarray(array)

    def resize(self, length: int | Iterable[int | None]) -> None:
        """Set the number of samples: new samples are empty (0 along each ``None`` axis),
        shrinking deletes the samples past the new length. A shape is taken too, as long as
        only its first entry differs."""
        if isinstance(length, int | np.integer):
            self._core.resize(int(length))
            return
        shape = tuple(length)
        if not shape or shape[1:] != self.shape[1:] or shape[0] is None:
            raise InvalidArgumentError(
                f"a ragged array changes only its length: {shape} is not (length, "
                f"*{self.shape[1:]})"
            )
        self._core.resize(int(shape[0]))

    def refresh(self) -> None:
        """Reread the length from the store (growth made through other handles)."""
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
        """Images `indices` of a ragged array of uint8 images, each cropped to its box (top,
        left, height, width, within that image's own size), resized to `height` x `width`,
        mirrored where `flips`, and laid out as uint8 HWC or normalised float CHW, by the
        engine as it decodes (a JPEG decodes only its box). :mod:`hub_v1.transforms`
        chooses the boxes from :attr:`shapes`; use it rather than this."""
        return _core.read_images(
            self._core, np.asarray(indices, dtype=np.int64), boxes, flips, height, width,
            float_chw, mean, std, out,
        )  # fmt: skip

    def to_dask(self) -> Any:
        """The samples as a ``dask.bag.Bag`` of ndarrays (needs ``dask``), one partition per
        shard; the array pickles as its location, so each task reads its own shard on
        whichever worker runs it.

        >>> import hub_v1 as hub, numpy as np
        >>> boxes = hub.memory().connect().array("b", shape=(0, None, 4), dtype="int8", shard=2)
        >>> boxes.extend(np.ones((k, 4)) for k in range(5))
        5
        >>> bag = boxes.to_dask()
        >>> bag.npartitions, bag.map(len).sum().compute(scheduler="sync")
        (3, 10)
        """
        from hub_v1.integrations.dask import ragged_to_dask_bag

        return ragged_to_dask_bag(self)

    def __repr__(self) -> str:
        return (
            f"hub_v1.RaggedArray({self.name!r}, shape={self.shape}, "
            f"samples_per_shard={self.samples_per_shard}, dtype='{self.dtype_name}', "
            f"compress={self.compress!r}, store={self._datahub.location!r})"
        )


class Shapes:
    """``arr.shapes``: index it as the array's first axis."""

    def __init__(self, array: RaggedArray) -> None:
        self._array = array

    def __getitem__(self, key: Any) -> np.ndarray:
        """(count, ndim - 1) int64 for a slice, list or mask; (ndim - 1,) for an integer."""
        if isinstance(key, tuple):
            raise IndexError("shapes takes one index, of samples")
        single = isinstance(key, int | np.integer) and not isinstance(key, bool)
        rows = self._array._core.shapes(normalize_key(key, (len(self._array),)))
        return rows[0] if single else rows

    def __len__(self) -> int:
        return len(self._array)
