"""Turn a numpy-style key into the plain entries the engine understands.

The engine (``cpp/src/index``) does the numpy semantics: negative indices, slice clamping,
ellipsis expansion, bounds checks and where a gathered axis lands. This module only
converts Python types: numpy integers to ``int``, integer sequences to ``int64`` arrays,
boolean masks to the positions they select.
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as np

from hub_v1.errors import OutOfBoundsError

_VALID = "only integers, slices, '...', and integer or boolean arrays are valid indices"


def _slice_part(value: Any) -> int | None:
    if value is None:
        return None
    try:
        return operator.index(value)
    except TypeError:
        raise IndexError(
            f"slice indices must be integers or None, not {type(value).__name__}"
        ) from None


def _axis_of(position: int, key: tuple[Any, ...], ndim: int) -> int:
    """The array axis the entry at `position` indexes, counting an ellipsis before it."""
    if any(entry is Ellipsis for entry in key[:position]):
        return ndim - (len(key) - position)
    return position


def normalize_key(key: Any, shape: tuple[int, ...]) -> tuple[Any, ...]:
    """Return `key` as a tuple of ``int``, ``slice``, ``Ellipsis`` or 1-d ``int64`` arrays."""
    entries = key if isinstance(key, tuple) else (key,)
    result: list[Any] = []
    for position, entry in enumerate(entries):
        if entry is Ellipsis:
            result.append(entry)
        elif isinstance(entry, slice):
            result.append(
                slice(_slice_part(entry.start), _slice_part(entry.stop), _slice_part(entry.step))
            )
        elif entry is None:
            raise IndexError("np.newaxis (None) is not supported; add the axis to the result")
        elif isinstance(entry, (bool, np.bool_)):
            raise IndexError(_VALID)
        elif isinstance(entry, (int, np.integer)):
            result.append(operator.index(entry))
        elif isinstance(entry, (list, tuple, np.ndarray, range)) or hasattr(entry, "__array__"):
            # __array__: a torch or TensorFlow tensor (0-d ones index like integers)
            result.append(_index_array(entry, _axis_of(position, entries, len(shape)), shape))
        else:
            raise IndexError(f"{_VALID}; got {type(entry).__name__}")
    return tuple(result)


def _index_array(entry: Any, axis: int, shape: tuple[int, ...]) -> Any:
    array = np.asarray(entry)
    if array.dtype == np.bool_:
        if array.ndim != 1:
            raise IndexError("boolean masks must be one-dimensional")
        if axis >= len(shape) or array.shape[0] != shape[axis]:
            size = shape[axis] if axis < len(shape) else 0
            raise OutOfBoundsError(
                f"boolean index of length {array.shape[0]} does not match axis {axis} "
                f"with size {size}"
            )
        return np.flatnonzero(array).astype(np.int64)
    if array.size == 0:
        return np.empty(0, dtype=np.int64)
    if array.dtype.kind not in "iu":
        raise IndexError(f"{_VALID}; got an array of dtype {array.dtype}")
    if array.ndim == 0:
        return int(array)
    if array.ndim != 1:
        raise IndexError("integer index arrays must be one-dimensional")
    return array.astype(np.int64, copy=False)
