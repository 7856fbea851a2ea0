"""Growing arrays and datasets along their first (sample) axis: `append`, `extend`, `resize`.

The engine writes new samples beyond the stored length, where no reader looks, and rewrites
``zarr.json`` last, so a reader, or a writer killed midway, sees the old length or the new one
with every sample in place. Growth never rewrites existing data, except the last partly
filled shard (or chunk) that the new samples complete.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sized
from typing import TYPE_CHECKING, Any

import numpy as np

from hub_v1 import _core
from hub_v1.errors import InvalidArgumentError, NotFoundError
from hub_v1.progress import progress_bar

if TYPE_CHECKING:
    from hub_v1.array import Array
    from hub_v1.dataset import Dataset
    from hub_v1.ragged import RaggedArray


def check_sample_shape(
    name: str, sample_shape: tuple[int, ...], got: tuple[int, ...], what: str
) -> None:
    """InvalidArgumentError naming the first axis where `got` differs from `sample_shape`."""
    if got == sample_shape:
        return
    if len(got) != len(sample_shape):
        raise InvalidArgumentError(
            f"{what} has shape {got}; samples of '{name}' have {len(sample_shape)} "
            f"dimensions, shape {sample_shape}"
        )
    axis = next(
        a for a, (want, have) in enumerate(zip(sample_shape, got, strict=True)) if want != have
    )
    raise InvalidArgumentError(
        f"{what} has shape {got}: axis {axis + 1} of '{name}' is {sample_shape[axis]} for "
        f"every sample, not {got[axis]}"
    )


def as_samples(array: Array, values: Any, what: str = "the samples") -> np.ndarray:
    """`values` (count x the sample shape) as a C-contiguous array of the array's dtype."""
    batch = array._as_values(values)
    if batch.ndim == 0:
        raise InvalidArgumentError(f"{what} must be a sequence of samples, not one value")
    check_sample_shape(array.name, array.shape[1:], batch.shape[1:], what)
    if batch.dtype != array.dtype:
        batch = batch.astype(array.dtype, casting="unsafe")
    return np.ascontiguousarray(batch)


def extend_array(array: Array, samples: Any, progress: bool | None) -> int:
    """Append `samples` (an array of samples, or an iterable of them) as one growth."""
    if isinstance(samples, np.ndarray):
        batch = as_samples(array, samples)
        array._core.extend(batch, len(batch))
        return len(batch)
    if not isinstance(samples, Iterable):
        raise InvalidArgumentError(
            f"extend takes an array or an iterable of samples, not {type(samples).__name__}; "
            "use append for one sample"
        )
    appender = _core.ArrayAppender(array._core)

    def prepare(item: Any, number: int) -> np.ndarray:
        value = array._as_values(item)
        check_sample_shape(array.name, array.shape[1:], value.shape, f"sample {number}")
        return value

    def write(batch: list[np.ndarray]) -> None:
        appender.write(array._core, as_samples(array, np.stack(batch)), len(batch))

    return append_in_batches(
        appender, samples, prepare, write, array.write_unit[0], f"extend {array.name}", progress
    )


def unit_batches(
    items: Iterable[Any], prepare: Callable[[Any, int], Any], start: int, unit: int
) -> Iterator[list[Any]]:
    """`items`, each made ready by ``prepare(item, number)``, in lists that end where
    ``start`` plus the count so far reaches a multiple of `unit` (so writing them at `start`
    fills whole shards or chunks), and a last shorter list. If an item fails, the items made
    ready before it come first, then the error."""
    pending: list[Any] = []
    try:
        for number, item in enumerate(items):
            pending.append(prepare(item, number))
            if (start + number + 1) % unit == 0:
                yield pending
                pending = []
    except Exception:
        if pending:
            yield pending
        raise
    if pending:
        yield pending


def append_in_batches(
    appender: _core.ArrayAppender | _core.RaggedAppender,
    samples: Iterable[Any],
    prepare: Callable[[Any, int], Any],
    write: Callable[[list[Any]], None],
    unit: int,
    description: str,
    progress: bool | None,
) -> int:
    """One growth from an iterable, as `extend` makes it: the samples in
    :func:`unit_batches` handed to `write`, then one commit. Any failure abandons the growth:
    the array keeps its old length. Returns how many samples were appended."""
    total = len(samples) if isinstance(samples, Sized) else None
    written = 0
    try:
        with progress_bar(total, description, "sample", progress) as bar:
            for batch in unit_batches(samples, prepare, appender.length, unit):
                write(batch)
                written += len(batch)
                bar.update(len(batch))
        appender.commit()
    finally:
        appender.abandon()  # the turn ends now, even while a traceback holds this frame
    return written


def resize_array(array: Array, shape: int | Iterable[int]) -> None:
    new_shape = (shape,) if isinstance(shape, int | np.integer) else tuple(shape)
    array._core.resize([int(extent) for extent in new_shape])


def extend_dataset(dataset: Dataset, samples: Mapping[str, Any]) -> int:
    """Append the same number of samples to every component, as one growth each."""
    if not isinstance(samples, Mapping):
        raise InvalidArgumentError(
            "a dataset grows from a mapping {component: samples}, one entry per component"
        )
    components = dataset.components  # iterating a dataset itself yields samples
    unknown = sorted(set(samples) - set(components))
    if unknown:
        raise NotFoundError(f"dataset '{dataset.name}' has no components {unknown}")
    missing = [name for name in components if name not in samples]
    if missing:
        raise InvalidArgumentError(
            f"appending to dataset '{dataset.name}' needs a value for every component; "
            f"missing {missing}"
        )
    batches = [
        (name, _component_batch(array, samples[name], f"the samples of component '{name}'"))
        for name, array in components.items()
    ]
    counts = {name: len(batch) for name, batch in batches}
    if len(set(counts.values())) > 1:
        raise InvalidArgumentError(
            f"appending to dataset '{dataset.name}' needs as many samples for every "
            f"component; got {counts}"
        )
    return int(dataset._core.extend(batches, len(batches[0][1])))


def _component_batch(array: Array | RaggedArray, values: Any, what: str) -> Any:
    """A dataset component's samples as the engine takes them: one block of values for a
    fixed-shape array, a list of samples for a ragged one."""
    from hub_v1.encoded import EncodedSample
    from hub_v1.ragged import RaggedArray

    if not isinstance(array, RaggedArray):
        return as_samples(array, values, what)
    if isinstance(values, EncodedSample | str | bytes) or not isinstance(values, Iterable):
        raise InvalidArgumentError(
            f"{what} must be a sequence of samples, not one {type(values).__name__}"
        )
    return [array._as_sample(value) for value in values]
