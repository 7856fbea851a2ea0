"""`Dataset`: named component arrays that share their leading axis, read item by item."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from hub_v1 import _core
from hub_v1.array import Array
from hub_v1.attributes import Attributes
from hub_v1.errors import InvalidArgumentError, NotFoundError, OutOfBoundsError
from hub_v1.ragged import RaggedArray

if TYPE_CHECKING:
    from hub_v1.datahub import DataHub


def _reopen(datahub: DataHub, name: str) -> Dataset:
    found = datahub.open(name)
    if not isinstance(found, Dataset):
        raise NotFoundError(f"'{name}' in {datahub.location} is no longer a dataset")
    return found


def _component(core: _core.Array | _core.RaggedArray, datahub: DataHub) -> Array | RaggedArray:
    if isinstance(core, _core.RaggedArray):
        return RaggedArray(core, datahub)
    return Array(core, datahub)


class Dataset:
    """A dictionary of arrays stored as a Zarr v3 group.

    ``ds["input"]`` is a component :class:`Array` (or :class:`RaggedArray`);
    ``ds["input", 1:3]`` equals ``ds["input"][1:3]``; ``ds[i]`` and ``ds[a:b]`` return
    ``{name: value}`` for every component: an ndarray, or for a ragged component read with a
    slice, a list of ndarrays. ``len(ds)`` is the shared first dimension.

    >>> import hub_v1 as hub
    >>> datahub = hub.memory().connect()
    >>> x = datahub.array("x", shape=(10, 2), dtype="uint8")
    >>> y = datahub.array("y", shape=(10,), dtype="int64")
    >>> ds = datahub.dataset("train", components={"input": x, "label": y})
    >>> sorted(ds[0:4]), len(ds)
    (['input', 'label'], 10)
    """

    def __init__(self, core: _core.Dataset, datahub: DataHub) -> None:
        """The engine's dataset `core` (created, opened or assembled and checked by it)."""
        self._core = core
        self._datahub = datahub
        self._name = core.path
        self._components = {
            name: _component(core.component(name), datahub) for name, _ in core.components
        }

    @property
    def attrs(self) -> Attributes:
        """The dataset's user attributes, JSON values kept in its ``zarr.json``; see
        :class:`hub_v1.attributes.Attributes`."""
        return Attributes(self._datahub._store, self.name)

    @property
    def name(self) -> str:
        return self._name

    @property
    def datahub(self) -> DataHub:
        """The DataHub (store) this dataset lives in."""
        return self._datahub

    def __reduce__(self) -> tuple[Any, ...]:
        """A dataset pickles as its location (store and name) and reopens when unpickled:
        DataLoader workers started with spawn get their own engine and files."""
        return (_reopen, (self._datahub, self._name))

    @property
    def shape(self) -> tuple[int, ...]:
        """The leading shape all components share; the length is the shortest component's
        (a component may hold samples past it, left by an interrupted append)."""
        return self._core.shape

    def append(self, sample: Mapping[str, Any]) -> None:
        """Add one sample, ``{component: value}`` for every component. See :meth:`extend`.

        >>> import hub_v1 as hub
        >>> datahub = hub.memory().connect()
        >>> ds = datahub.dataset("d", components={
        ...     "x": datahub.array("x", shape=(0, 2), dtype="uint8"),
        ...     "y": datahub.array("y", shape=(0,), dtype="int64")})
        >>> ds.append({"x": [1, 2], "y": 7})
        >>> len(ds), ds[0]["y"]
        (1, np.int64(7))
        """
        self.extend({name: [value] for name, value in sample.items()})

    def extend(self, samples: Mapping[str, Any]) -> int:
        """Add as many samples to every component, ``{component: samples}``, the components
        growing together: if a component is missing, a shape is wrong or the store fails,
        every component keeps its old length. A ragged component takes a sequence of samples
        (ndarrays of any allowed shape, or :func:`hub_v1.read` files). Returns the new length.

        >>> import hub_v1 as hub, numpy as np
        >>> datahub = hub.memory().connect()
        >>> ds = datahub.dataset("coco", components={
        ...     "boxes": datahub.array("boxes", shape=(0, None, 4), dtype="float32"),
        ...     "label": datahub.array("label", shape=(0,), dtype="int64")})
        >>> ds.extend({"boxes": [np.ones((2, 4)), np.ones((0, 4))], "label": [3, 5]})
        2
        >>> [b.shape for b in ds[0:2]["boxes"]], ds[1]["label"]
        ([(2, 4), (0, 4)], np.int64(5))
        """
        from hub_v1.growth import extend_dataset

        return extend_dataset(self, samples)

    def refresh(self) -> None:
        """Reread every component's shape (growth through other handles or processes)."""
        self._core.refresh()

    @property
    def components(self) -> dict[str, Array | RaggedArray]:
        return dict(self._components)

    def keys(self) -> list[str]:
        """Component names, in creation order (iterating ``ds`` itself yields samples)."""
        return list(self._components)

    def values(self) -> list[Array | RaggedArray]:
        """Component arrays, in the order of :meth:`keys`."""
        return list(self._components.values())

    def items(self) -> list[tuple[str, Array | RaggedArray]]:
        """``(name, Array)`` pairs, in the order of :meth:`keys`.

        >>> import hub_v1 as hub
        >>> datahub = hub.memory().connect()
        >>> ds = datahub.dataset("d", components={
        ...     "b": datahub.array("b", shape=(2,)), "a": datahub.array("a", shape=(2, 3))})
        >>> [(name, array.shape) for name, array in ds.items()]
        [('b', (2,)), ('a', (2, 3))]
        """
        return list(self._components.items())

    def __contains__(self, component: object) -> bool:
        return component in self._components

    def __len__(self) -> int:
        return self.shape[0]

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for i in range(len(self)):
            yield self[i]

    def _component(self, component: str) -> Array | RaggedArray:
        try:
            return self._components[component]
        except KeyError:
            raise NotFoundError(
                f"dataset '{self._name}' has no component {component!r}; "
                f"it has {sorted(self._components)}"
            ) from None

    def _component_and_index(self, key: Any) -> tuple[Array | RaggedArray, Any] | None:
        """For ``ds["name", index...]``: the component and the rest of the key; else None."""
        if not (isinstance(key, tuple) and key and isinstance(key[0], str)):
            return None
        index = key[1:] if len(key) > 2 else key[1] if len(key) == 2 else ...
        return self._component(key[0]), index

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            return self._component(key)
        if (component := self._component_and_index(key)) is not None:
            array, index = component
            return array[index]
        key = self._within_length(key)
        return {component: array[key] for component, array in self._components.items()}

    def _within_length(self, key: Any) -> Any:
        """`key` with its first index resolved against the dataset's length, where some
        component is longer (samples left by an interrupted append are not the dataset's)."""
        length = len(self)
        if all(array.shape[0] == length for array in self._components.values()):
            return key
        keys = key if isinstance(key, tuple) else (key,)
        if not keys or keys[0] is Ellipsis:
            return (slice(0, length), *keys)
        first = keys[0]
        if isinstance(first, slice):
            span = range(length)[first]
            first = slice(span.start, span.stop if span.stop >= 0 else None, span.step)
        elif isinstance(first, int | np.integer):
            if not -length <= first < length:
                raise OutOfBoundsError(
                    f"index {first} is outside dataset '{self._name}' of length {length}"
                )
            first = range(length)[first]
        else:
            first = np.arange(length)[np.asarray(first)]
        return (first, *keys[1:])

    def __setitem__(self, key: Any, value: Any) -> None:
        if (component := self._component_and_index(key)) is not None:
            array, index = component
            array[index] = value
            return
        if isinstance(key, str):
            self._component(key)[...] = value
            return
        if not isinstance(value, Mapping):
            raise InvalidArgumentError(
                "writing items of a dataset needs a mapping {component: value}, "
                "or index one component: ds['name', index] = value"
            )
        unknown = set(value) - set(self._components)
        if unknown:
            raise NotFoundError(f"dataset '{self._name}' has no components {sorted(unknown)}")
        for component, part in value.items():
            self._components[component][key] = part

    def __repr__(self) -> str:
        parts = ", ".join(
            f"{name!r}: {array.dtype}{list(array.shape)}"
            for name, array in self._components.items()
        )
        return f"hub_v1.Dataset({self._name!r}, shape={self.shape}, components={{{parts}}})"

    def to_pytorch(
        self,
        transform: Any = None,
        components: Sequence[str] | None = None,
        batch_size: int | None = None,
        shuffle: bool = False,
        seed: int = 0,
        drop_last: bool = False,
        prefetch: int = 4,
        rank: int | None = None,
        world_size: int | None = None,
        progress: bool = False,
    ) -> Any:
        """This dataset as a PyTorch dataset (needs ``torch``).

        Without `batch_size`: a map-style ``torch.utils.data.Dataset`` whose items are
        ``{component: tensor}`` (passed through `transform`, a per-sample function, if given,
        or ``{component: hub_v1.transforms pipeline}`` run by the engine as images decode);
        it works with every DataLoader option, workers forked or spawned. With `batch_size`: an
        ``IterableDataset`` of whole batches, read with one engine call per component, shuffled
        at chunk granularity (`seed`, and ``set_epoch(e)`` per epoch), `prefetch` batches read
        ahead, sharded across DataLoader workers and ``torch.distributed`` ranks (or explicit
        `rank`/`world_size`) so each sample is seen exactly once per epoch; use it with
        ``DataLoader(..., batch_size=None)`` or iterate it. `progress` shows a tqdm bar per epoch.
        Either result's ``loader(...)`` is a DataLoader whose ``state_dict()`` resumes an
        epoch exactly; the map-style one reads the next batches ahead (docs/loaders.md).

        >>> import hub_v1 as hub, torch
        >>> datahub = hub.memory().connect()
        >>> x = datahub.array("x", shape=(64, 4), dtype="float32")
        >>> ds = datahub.dataset("d", components={"x": x})
        >>> loader = torch.utils.data.DataLoader(ds.to_pytorch(), batch_size=16)
        >>> next(iter(loader))["x"].shape
        torch.Size([16, 4])
        """
        from hub_v1.integrations.loader_options import LoaderOptions
        from hub_v1.integrations.torch import to_pytorch

        options = LoaderOptions(
            components=components,
            transform=transform,
            batch_size=batch_size,
            shuffle=shuffle,
            seed=seed,
            drop_last=drop_last,
            prefetch=prefetch,
            rank=rank,
            world_size=world_size,
            progress=progress,
        )
        return to_pytorch(self, options)

    def to_tensorflow(
        self,
        components: Sequence[str] | None = None,
        transform: Any = None,
        read_batch: int = 256,
        progress: bool = False,
        batch_size: int | None = None,
        shuffle: bool = False,
        seed: int = 0,
        drop_last: bool = False,
        epoch: int = 0,
        epochs: int = 1,
        num_shards: int | None = None,
        shard_index: int | None = None,
        input_context: Any = None,
    ) -> Any:
        """This dataset as a ``tf.data.Dataset`` (needs TensorFlow).

        Without `batch_size`: elements ``{component: tensor}``, read `read_batch` samples per
        engine call (the next batch ahead on a thread) and unbatched, so ``.batch``,
        ``.shuffle`` and ``.prefetch`` work as usual. With `batch_size`: whole batches, each
        read with one engine call per component on tf.data's parallel map, for `epochs`
        epochs from `epoch`, shuffled at chunk granularity (`seed`), split into `num_shards`
        shards of which this is `shard_index` (or those of a ``tf.distribute.InputContext``)
        so each sample is in exactly one shard per epoch; `drop_last` gives every shard the
        same number of full batches. Its iterator checkpoints with
        ``tf.train.Checkpoint(iterator=...)`` and resumes an epoch exactly.

        `transform` is a function mapped over elements (or batches) in parallel, or
        ``{component: hub_v1.transforms pipeline}`` run by the engine while images decode.

        >>> import hub_v1 as hub
        >>> datahub = hub.memory().connect()
        >>> x = datahub.array("x", shape=(64, 4), dtype="float32")
        >>> ds = datahub.dataset("d", components={"x": x})
        >>> next(iter(ds.to_tensorflow().batch(16)))["x"].shape
        TensorShape([16, 4])
        >>> next(iter(ds.to_tensorflow(batch_size=16, shuffle=True)))["x"].shape
        TensorShape([16, 4])
        """
        from hub_v1.integrations.loader_options import LoaderOptions
        from hub_v1.integrations.tensorflow import to_tensorflow

        options = LoaderOptions(
            components=components,
            transform=transform,
            read_batch=read_batch,
            progress=progress,
            batch_size=batch_size,
            shuffle=shuffle,
            seed=seed,
            drop_last=drop_last,
            epoch=epoch,
            epochs=epochs,
            num_shards=num_shards,
            shard_index=shard_index,
            input_context=input_context,
        )
        return to_tensorflow(self, options)

    def __array__(self) -> Any:
        raise TypeError("a Dataset holds several arrays; convert ds['component'] instead")
