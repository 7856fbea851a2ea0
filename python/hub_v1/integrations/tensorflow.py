"""A ``tf.data.Dataset`` over a hub_v1 Dataset (``ds.to_tensorflow()``).

Samples are read in batches of `read_batch` through the engine (one gather per component,
the next batch read ahead on a thread while TensorFlow consumes the current one), then
unbatched, so ``.batch()``, ``.shuffle()`` and ``.prefetch(tf.data.AUTOTUNE)`` work as on any
tf.data pipeline and each element is ``{component: tensor}`` with a fixed ``element_spec``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import numpy as np
import tensorflow as tf

from hub_v1.progress import progress_bar

if TYPE_CHECKING:
    from hub_v1.dataset import Dataset


def to_tensorflow(
    dataset: Dataset,
    components: Sequence[str] | None = None,
    transform: Callable[[dict[str, tf.Tensor]], Any] | None = None,
    read_batch: int = 256,
    progress: bool = False,
) -> tf.data.Dataset:
    """See :meth:`hub_v1.Dataset.to_tensorflow`."""
    names = list(components or dataset.keys())
    arrays = {name: dataset[name] for name in names}
    length = len(dataset)
    signature = {
        name: tf.TensorSpec(shape=(None, *array.shape[1:]), dtype=tf.as_dtype(array.dtype))
        for name, array in arrays.items()
    }

    def read(start: int) -> dict[str, np.ndarray]:
        return {name: array[start : start + read_batch] for name, array in arrays.items()}

    def generate() -> Iterator[dict[str, np.ndarray]]:
        starts = range(0, length, read_batch)
        bar = None
        if progress:
            bar = progress_bar(length, "hub_v1 epoch", "sample", progress=True)
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="hub_v1-tf") as pool:
            ahead = pool.submit(read, starts[0]) if starts else None
            for position in range(len(starts)):
                assert ahead is not None
                batch = ahead.result()
                if position + 1 < len(starts):
                    ahead = pool.submit(read, starts[position + 1])
                if bar is not None:
                    bar.update(len(next(iter(batch.values()))))
                yield batch
        if bar is not None:
            bar.close()

    result = (
        tf.data.Dataset.from_generator(generate, output_signature=signature)
        .unbatch()
        .apply(tf.data.experimental.assert_cardinality(length))  # len() and Keras epochs work
    )
    if transform is not None:
        result = result.map(transform, num_parallel_calls=tf.data.AUTOTUNE)
    return result
