"""`DataHub`: one connected store, and the arrays and datasets in it."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import numpy as np

from hub_v1 import _core
from hub_v1.array import Array
from hub_v1.dataset import Dataset
from hub_v1.errors import InvalidArgumentError, NotFoundError
from hub_v1.ragged import RaggedArray

logger = logging.getLogger("hub_v1")


def _dtype_name(dtype: Any) -> str:
    """numpy's name for `dtype` ("float32"), or "string" / "bytes" for text and bytes of any
    length (``str``, ``"str"``, numpy's ``StringDType``; ``bytes``, ``"bytes"``); the engine
    says which it supports."""
    if dtype in (str, "str", "string") or isinstance(dtype, np.dtypes.StringDType):
        return "string"
    if dtype in (bytes, "bytes"):
        return "bytes"
    try:
        return np.dtype(dtype).name
    except TypeError:
        raise InvalidArgumentError(f"unknown dtype {dtype!r}") from None


def _extents(value: Any, what: str) -> tuple[int, ...]:
    extents = (value,) if isinstance(value, (int, np.integer)) else tuple(value)
    for extent in extents:
        if isinstance(extent, bool) or not isinstance(extent, (int, np.integer)):
            raise InvalidArgumentError(f"{what} must hold integers, got {value!r}")
    return tuple(int(extent) for extent in extents)


def _codec_name(compress: Any) -> str:
    """`compress` as the engine takes it: None is "default"; anything but a name is refused."""
    compress = "default" if compress is None else compress
    if not isinstance(compress, str):
        raise InvalidArgumentError(f"compress must be a codec name, got {compress!r}")
    return compress


class DataHub:
    """The arrays and datasets of one store; made by ``hub.fs(...).connect()`` and friends."""

    def __init__(self, store: _core.Store, connection: Any) -> None:
        self._store = store
        self._connection = connection  # keeps in-memory stores alive; says how to reconnect
        # Parent folders already checked for a group: creating many arrays checks each once.
        self._known_groups = _core.KnownGroups()

    @property
    def location(self) -> str:
        """Where the data lives, e.g. ``file:///data/cache`` (never holds credentials)."""
        return self._store.describe()

    def __repr__(self) -> str:
        return f"hub_v1.DataHub({self.location!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        """A DataHub pickles as its connection (where its store is, never credentials) and
        reconnects when unpickled."""
        return (_connect, (self._connection,))

    def array(
        self,
        name: str,
        shape: Any = None,
        chunk: Any = None,
        dtype: Any = "float32",
        compress: str | None = "default",
        compresslevel: float = 0.5,
        overwrite: bool = False,
        quality: int | None = None,
        shard: Any = None,
    ) -> Any:
        """Create an array of zeros that costs nothing until written, and return it.

        `chunk` is the unit of compression, checksum and random access; it defaults to about
        8 MB split along the first axis, except that samples (items along the first axis) of
        16 KiB or more get a chunk each, in shards of that 8 MB, when `shard` is omitted
        too. `shard`, a multiple of `chunk` on every axis, makes
        each stored object a Zarr v3 shard of many chunks, each read on its own by byte
        range: small chunks for random access, big objects for the store. With
        ``compress="jpeg"`` or ``"png"`` and `chunk` omitted, each chunk is one image and
        shards hold about 16-64 MB. `compress` is one of
        ``default`` (raw bytes), ``gzip``, ``zlib``, ``lz4``, ``zstd``, ``blosc`` (or
        ``blosc:cname=zstd,shuffle=bitshuffle,blocksize=0``, any of the options), ``jpeg`` or
        ``png``;
        `compresslevel` runs from 0 (smallest) to 1 (fastest). Image codecs encode each
        trailing image on its own: ``(H, W, C)`` for 4+ dimensions, ``(H, W)`` otherwise;
        jpeg takes uint8 with 1 or 3 channels, png uint8/uint16 with 1-4. `quality` (1-100)
        overrides jpeg's quality, ``50 + round(45 * compresslevel)``. If an array with the
        same settings exists under `name`, it is opened instead, so scripts can be re-run;
        anything else there raises :class:`ContainsNodeError` unless ``overwrite=True``
        deletes it first.

        ``None`` in `shape` (never first) marks an axis whose extent differs per sample:
        the result is a :class:`~hub_v1.ragged.RaggedArray` (images of any size with
        ``shape=(0, None, None, 3)``, a variable number of boxes with ``(0, None, 4)``), one
        sample per chunk, so `chunk` is not taken and `shard` is the number of samples per
        stored object (default: 256 images, else about 32 MB of samples). JPEG and PNG files
        read with :func:`hub_v1.read` are stored byte for byte in arrays of their format. A
        ragged array of the same settings under `name` is reopened at its own length.

        >>> import hub_v1 as hub
        >>> hub.memory().connect().array("images", shape=(10, 32, 32, 3), dtype="uint8").chunk
        (10, 32, 32, 3)
        """
        if shape is None:
            raise InvalidArgumentError("array() needs a shape")
        if not isinstance(shape, (int, np.integer)) and any(e is None for e in shape):
            return self._ragged_array(
                name, tuple(shape), chunk, dtype, compress, compresslevel, overwrite, quality,
                shard,
            )  # fmt: skip
        shape = _extents(shape, "shape")
        chunk = None if chunk is None else _extents(chunk, "chunk")
        shard = None if shard is None else _extents(shard, "shard")
        dtype_name = _dtype_name(dtype)
        compress = _codec_name(compress)
        _core.validate_name(name)
        settings = (
            list(shape),
            None if chunk is None else list(chunk),
            dtype_name,
            compress,
            float(compresslevel),
            None if quality is None else int(quality),
            None if shard is None else list(shard),
        )
        # One read to see that the name is free (or holds the same array), one write; the
        # settings are checked before anything is deleted or written.
        core = _core.Array.create(
            self._store,
            name,
            *settings,
            on_exists="overwrite" if overwrite else "reopen",
            known_groups=self._known_groups,
        )
        logger.debug("created or reopened array %s in %s", name, self.location)
        return Array(core, self)

    def _ragged_array(
        self,
        name: str,
        shape: tuple[Any, ...],
        chunk: Any,
        dtype: Any,
        compress: str | None,
        compresslevel: float,
        overwrite: bool,
        quality: int | None,
        shard: Any,
    ) -> RaggedArray:
        if shape[0] is None:
            raise InvalidArgumentError(
                f"the first axis of {shape} counts the samples and cannot be None"
            )
        sample_shape = [None if e is None else _extents(e, "shape")[0] for e in shape[1:]]
        if chunk is not None:
            raise InvalidArgumentError(
                "a ragged array (None in its shape) keeps one sample per chunk: leave chunk "
                "out, and give shard (samples per stored object) instead"
            )
        per_shard = () if shard is None else _extents(shard, "shard")
        if shard is not None and len(per_shard) != 1:
            raise InvalidArgumentError(
                f"shard of a ragged array is one number, the samples per shard; got {shard!r}"
            )
        compress = _codec_name(compress)
        _core.validate_name(name)
        core = _core.RaggedArray.create(
            self._store,
            name,
            sample_shape,
            _dtype_name(dtype),
            compress,
            float(compresslevel),
            None if quality is None else int(quality),
            per_shard[0] if per_shard else 0,  # 0: hub_v1 chooses
            on_exists="overwrite" if overwrite else "reopen",
            known_groups=self._known_groups,
        )
        array = RaggedArray(core, self)
        if shape[0] and len(array) == 0:  # new: that many empty samples
            array.resize(_extents(shape[0], "shape")[0])
        return array

    def dataset(
        self,
        name: str,
        components: Mapping[str, Array | RaggedArray | str],
        overwrite: bool = False,
    ) -> Dataset:
        """Group arrays of this store that share their first dimension as a dataset.

        A component is an :class:`Array` or :class:`RaggedArray` of this DataHub, or the name
        of one. A plain group at `name` (such as the folder holding the components) becomes
        the dataset; a dataset of the same components is reopened. The component
        arrays stay where they are; the dataset records their names.

        >>> import hub_v1 as hub
        >>> datahub = hub.memory().connect()
        >>> x = datahub.array("x", shape=(4, 2), dtype="uint8")
        >>> datahub.dataset("d", components={"x": x}).shape
        (4, 2)
        """
        if not isinstance(components, Mapping) or not components:
            raise InvalidArgumentError(
                "components must be a non-empty dict {name: Array or array name}"
            )
        arrays = {key: self._component_array(key, given) for key, given in components.items()}
        for key, array in arrays.items():
            if not isinstance(key, str):
                raise InvalidArgumentError(f"component names must be strings: {key!r}")
            if not isinstance(array, Array | RaggedArray):
                raise InvalidArgumentError(
                    f"component {key!r} is not a hub_v1 Array or RaggedArray"
                )
            if array.datahub.location != self.location:
                raise InvalidArgumentError(
                    f"component {key!r} lives in {array.datahub.location}, not in "
                    f"{self.location}; a dataset's arrays must share its store"
                )
        on_exists = "overwrite" if overwrite else "reopen"
        paths = [(key, array.name) for key, array in arrays.items()]
        handles = [array._core for array in arrays.values()]  # growth shows through both
        core = _core.Dataset.create(
            self._store, name, paths, on_exists, self._known_groups, handles
        )
        return Dataset(core, self)

    def _component_array(self, key: Any, given: Array | RaggedArray | str) -> Any:
        """A dataset component given by name: the array of that name in this DataHub."""
        if not isinstance(given, str):
            return given  # checked by dataset()
        found = self.open(given)  # KeyError (NotFoundError) naming it if absent
        if not isinstance(found, Array | RaggedArray):
            raise InvalidArgumentError(
                f"component {key!r}: '{given}' in {self.location} is a dataset, not an array"
            )
        return found

    def open(self, name: str) -> Array | RaggedArray | Dataset:
        """Open the array, ragged array or dataset stored under `name`; KeyError if there is
        none."""
        _core.validate_name(name)
        node = self._read_node(name)
        if node[1] == "array":
            return Array(_core.Array.open(self._store, name), self)
        if _core.is_ragged_array(node[1], node[2]):
            return RaggedArray(_core.RaggedArray.from_group(self._store, name, node[2]), self)
        if node[1] == "group":  # a dataset, or a plain Zarr group of arrays
            return Dataset(_core.Dataset.from_group(self._store, name, node[2]), self)
        raise NotFoundError(f"no array or dataset named '{name}' in {self.location}")

    def delete(self, name: str) -> None:
        """Delete the array or dataset `name` and its data. A dataset's component arrays are
        separate arrays and stay. KeyError if nothing is there."""
        _core.validate_name(name)
        _core.delete_node(self._store, name, known_groups=self._known_groups)

    def list(self, prefix: str = "") -> list[str]:
        """Names of the arrays (ragged ones too) and datasets under `prefix` (a folder-like
        name), sorted."""
        if prefix:
            _core.validate_name(prefix.rstrip("/"))
        names = []
        for path, kind, attributes in _core.list_nodes(self._store, prefix.rstrip("/")):
            if (
                kind == "array"
                or _core.is_ragged_array(kind, attributes)
                or _core.dataset_components(kind, attributes) is not None
            ):
                names.append(path)
        return sorted(names)

    def node_kind(self, name: str = "") -> str:
        """What is stored under `name` ("" is the store's root): ``"array"``, ``"group"``
        (a dataset or a plain Zarr group), ``"ragged"`` (a ragged array's group) or
        ``"missing"``."""
        _, kind, attributes = self._read_node(name)
        return "ragged" if _core.is_ragged_array(kind, attributes) else kind

    def _read_node(self, name: str) -> tuple[str, str, str]:
        return _core.read_node(self._store, name)


def _connect(connection: Any) -> DataHub:
    """The DataHub of an unpickled connection."""
    result: DataHub = connection.connect()
    return result
