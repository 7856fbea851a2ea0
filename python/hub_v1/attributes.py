"""User attributes of arrays and datasets: ``arr.attrs`` and ``ds.attrs``."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, MutableMapping
from typing import Any

from hub_v1 import _core
from hub_v1.errors import InvalidArgumentError


def _to_json(changes: Mapping[str, Any]) -> str:
    for key in changes:
        if not isinstance(key, str):
            raise InvalidArgumentError(f"attribute names are strings, not {key!r}")
    try:
        return json.dumps(dict(changes), allow_nan=False)
    except (TypeError, ValueError) as error:
        raise InvalidArgumentError(
            f"attribute values must be JSON values (dict, list, str, int, float, bool, None; "
            f"no NaN or infinity): {error}"
        ) from None


class Attributes(MutableMapping[str, Any]):
    """The JSON attributes of an array or a dataset, kept in its ``zarr.json`` (``attributes``,
    beside hub_v1's own key ``hub_v1``, which is neither shown nor settable), so any Zarr v3
    reader sees them.

    Read once when ``.attrs`` is taken; every change (``attrs[k] = v``, ``del attrs[k]``,
    ``attrs.update(...)``, one rewrite for all its keys) is written at once and merged with
    what is stored then, so writers of different keys in one process all land. Two processes
    changing one node's attributes at the same moment may lose one of the changes.

    >>> import hub_v1 as hub
    >>> labels = hub.memory().connect().array("labels", shape=(4,), dtype="int64")
    >>> labels.attrs["class_names"] = ["cat", "dog"]
    >>> dict(labels.attrs)
    {'class_names': ['cat', 'dog']}
    """

    def __init__(self, store: _core.Store, path: str) -> None:
        self._store = store
        self._path = path
        self._values: dict[str, Any] = json.loads(_core.read_attributes(store, path))

    def _update(self, changes: Mapping[str, Any], removed: Iterable[str] = ()) -> None:
        stored = _core.update_attributes(self._store, self._path, _to_json(changes), list(removed))
        self._values = json.loads(stored)

    def __getitem__(self, key: str) -> Any:
        return self._values[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self._update({key: value})

    def __delitem__(self, key: str) -> None:
        if key not in self._values:
            raise KeyError(key)
        self._update({}, [key])

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def update(self, *args: Any, **kwargs: Any) -> None:  # type: ignore[override]
        """Sets many attributes in one rewrite of ``zarr.json``."""
        self._update(dict(*args, **kwargs))

    def refresh(self) -> None:
        """Reads the attributes again (another process may have changed them)."""
        self._values = json.loads(_core.read_attributes(self._store, self._path))

    def asdict(self) -> dict[str, Any]:
        """A copy of the attributes as a plain dict."""
        return json.loads(json.dumps(self._values))

    def __repr__(self) -> str:
        return f"Attributes({self._values!r})"
