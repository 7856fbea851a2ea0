"""`Dataset`: named component arrays that share their leading axis, read item by item."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from hub_v1.array import Array
from hub_v1.errors import InvalidArgumentError, NotFoundError


def common_leading_shape(shapes: list[tuple[int, ...]]) -> tuple[int, ...]:
    """The longest shape prefix every component shares."""
    if not shapes:
        return ()
    prefix: list[int] = []
    for extents in zip(*shapes, strict=False):
        if any(extent != extents[0] for extent in extents):
            break
        prefix.append(extents[0])
    return tuple(prefix)


class Dataset:
    """A dictionary of arrays stored as a Zarr v3 group.

    ``ds["input"]`` is a component :class:`Array`; ``ds["input", 1:3]`` equals
    ``ds["input"][1:3]``; ``ds[i]`` and ``ds[a:b]`` return ``{name: ndarray}`` for every
    component. ``len(ds)`` is the shared first dimension.

    >>> import hub_v1 as hub
    >>> datahub = hub.memory().connect()
    >>> x = datahub.array("x", shape=(10, 2), dtype="uint8")
    >>> y = datahub.array("y", shape=(10,), dtype="int64")
    >>> ds = datahub.dataset("train", components={"input": x, "label": y})
    >>> sorted(ds[0:4]), len(ds)
    (['input', 'label'], 10)
    """

    def __init__(self, name: str, components: Mapping[str, Array]) -> None:
        if not components:
            raise InvalidArgumentError(f"dataset '{name}' needs at least one component")
        self._name = name
        self._components = dict(components)
        self._shape = common_leading_shape([array.shape for array in components.values()])
        if not self._shape:
            shapes = {key: array.shape for key, array in components.items()}
            raise InvalidArgumentError(
                f"the components of dataset '{name}' must share their first dimension; "
                f"got shapes {shapes}"
            )

    @property
    def name(self) -> str:
        return self._name

    @property
    def shape(self) -> tuple[int, ...]:
        """The leading shape all components share."""
        return self._shape

    @property
    def components(self) -> dict[str, Array]:
        return dict(self._components)

    def keys(self) -> list[str]:
        return list(self._components)

    def __contains__(self, component: object) -> bool:
        return component in self._components

    def __len__(self) -> int:
        return self._shape[0]

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for i in range(len(self)):
            yield self[i]

    def _component(self, component: str) -> Array:
        try:
            return self._components[component]
        except KeyError:
            raise NotFoundError(
                f"dataset '{self._name}' has no component {component!r}; "
                f"it has {sorted(self._components)}"
            ) from None

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            return self._component(key)
        if isinstance(key, tuple) and key and isinstance(key[0], str):
            index = key[1:] if len(key) > 2 else key[1] if len(key) == 2 else ...
            return self._component(key[0])[index]
        return {component: array[key] for component, array in self._components.items()}

    def __setitem__(self, key: Any, value: Any) -> None:
        if isinstance(key, tuple) and key and isinstance(key[0], str):
            index = key[1:] if len(key) > 2 else key[1] if len(key) == 2 else ...
            self._component(key[0])[index] = value
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
        return f"hub_v1.Dataset({self._name!r}, shape={self._shape}, components={{{parts}}})"

    def __array__(self) -> Any:
        raise TypeError("a Dataset holds several arrays; convert ds['component'] instead")
