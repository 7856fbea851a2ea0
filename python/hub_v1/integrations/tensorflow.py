"""``tf.data`` datasets over a hub_v1 Dataset (``ds.to_tensorflow()``).

Two shapes, as for PyTorch:

* ``ds.to_tensorflow()``: elements ``{component: tensor}``, read `read_batch` samples per
  engine call (the next read ahead on a thread) and unbatched, so ``.shuffle``, ``.batch``
  and ``.prefetch`` work as on any tf.data pipeline.
* ``ds.to_tensorflow(batch_size=64, shuffle=True)``: whole batches, each read with one engine
  call per component on tf.data's own parallel map, shuffled at chunk granularity, sharded
  with ``shard(num, index)`` semantics (``num_shards``/``shard_index``, or a
  ``tf.distribute.InputContext``) so each sample is in exactly one shard per epoch. A batch is
  a pure function of (seed, epoch, shard, position), so the iterator is checkpointable:
  ``tf.train.Checkpoint(iterator=it)`` saves and restores an epoch's exact place.

Engine image transforms (``transform={"images": Compose([...])}``) run while images decode,
on either shape; a function given as `transform` is mapped over elements (or batches).
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import numpy as np
import tensorflow as tf

from hub_v1.errors import InvalidArgumentError
from hub_v1.integrations.columns import Columns, split_transform
from hub_v1.integrations.loader_options import LoaderOptions
from hub_v1.integrations.readahead import ReadAhead
from hub_v1.integrations.sharding import even_rank_batches, shard_sizes
from hub_v1.progress import progress_bar

if TYPE_CHECKING:
    from hub_v1.dataset import Dataset


def _signature(columns: Columns, batch: int | None) -> dict[str, tf.TypeSpec]:
    """Each component's batch: a dense tensor, or for a ragged component a ``tf.RaggedTensor``
    whose ragged dimensions run up to the sample's last varying axis."""
    signature: dict[str, tf.TypeSpec] = {}
    for name in columns.names():
        shape, dtype = columns.sample_shape(name), tf.as_dtype(columns.dtype(name))
        if columns.is_list(name):
            levels = _ragged_levels(shape)
            signature[name] = tf.RaggedTensorSpec(
                (batch, *[None] * levels, *shape[levels:]),
                dtype,
                ragged_rank=levels,
                row_splits_dtype=tf.int64,
            )
        else:
            signature[name] = tf.TensorSpec((batch, *shape), dtype)
    return signature


def _ragged_levels(sample_shape: tuple[int | None, ...]) -> int:
    """How many of a ragged sample's leading axes are ragged dimensions: up to its last
    ``None``; the axes after it are the flat values' own."""
    return max(axis for axis, extent in enumerate(sample_shape) if extent is None) + 1


def _ragged_parts(
    samples: list[np.ndarray], sample_shape: tuple[int | None, ...], dtype: np.dtype[Any]
) -> list[Any]:
    """A batch of ragged samples as ``tf.RaggedTensor.from_nested_row_lengths`` takes it:
    the flat values, then each ragged dimension's row lengths."""
    levels = _ragged_levels(sample_shape)
    inner = tuple(int(extent or 0) for extent in sample_shape[levels:])
    shapes = np.array([sample.shape for sample in samples], dtype=np.int64)
    shapes = shapes.reshape(len(samples), len(sample_shape))
    flat = [sample.reshape(-1, *inner) for sample in samples]
    values = np.concatenate(flat) if flat else np.zeros((0, *inner), dtype)
    lengths = [shapes[:, 0]]
    for level in range(1, levels):
        lengths.append(np.repeat(shapes[:, level], np.prod(shapes[:, :level], axis=1)))
    return [values, *lengths]


def _dense_samples(element: dict[str, Any]) -> dict[str, Any]:
    """An unbatched element with its ragged samples as dense tensors of their own shapes."""
    return {
        name: value.to_tensor() if isinstance(value, tf.RaggedTensor) else value
        for name, value in element.items()
    }


def to_tensorflow(dataset: Dataset, options: LoaderOptions) -> tf.data.Dataset:
    """See :meth:`hub_v1.Dataset.to_tensorflow`."""
    names = options.component_names(dataset)
    function, pipelines = split_transform(options.transform, names)
    columns = Columns(dataset, names, pipelines)
    if options.batch_size is None:
        result = _elements(columns, len(dataset), options)
    else:
        shards = _shards(options.num_shards, options.shard_index, options.input_context)
        plan = EpochPlans(len(dataset), columns, options, *shards)
        result = _batches(columns, plan, options.epoch, options.epochs)
    if function is not None:
        result = result.map(function, num_parallel_calls=tf.data.AUTOTUNE)
    return result


def _shards(num_shards: int | None, shard_index: int | None, context: Any) -> tuple[int, int]:
    if context is not None:
        if num_shards is not None or shard_index is not None:
            raise ValueError("pass input_context or num_shards and shard_index, not both")
        return context.input_pipeline_id, context.num_input_pipelines
    if (num_shards is None) != (shard_index is None):
        raise ValueError("pass num_shards and shard_index together")
    if num_shards is None or shard_index is None:
        return 0, 1
    if not 0 <= shard_index < num_shards:
        raise ValueError(f"shard_index {shard_index} is outside {num_shards} shards")
    return shard_index, num_shards


class EpochPlans:
    """The sorted index batches shard `shard` of `num_shards` visits each epoch; the last two
    epochs' plans are kept, since tf.data's parallel reads straddle an epoch's end."""

    def __init__(
        self, length: int, columns: Columns, options: LoaderOptions, shard: int, num_shards: int
    ) -> None:
        if options.batch_size is None:
            raise InvalidArgumentError("batched epochs need a batch_size")
        self.length, self.batch_size = length, options.batch_size
        self.block = columns.shuffle_block()
        self.shuffle, self.seed, self.drop_last = options.shuffle, options.seed, options.drop_last
        self.shard, self.num_shards = shard, num_shards
        self._plans: dict[int, list[np.ndarray]] = {}
        self._lock = threading.Lock()

    def batch_count(self, epoch: int) -> int:
        sizes = shard_sizes(
            self.length, self.block, self.num_shards, self.shuffle, self.seed, epoch
        )
        if self.drop_last:  # every shard as many full batches as the one with fewest
            return int(sizes.min()) // self.batch_size
        return -(-int(sizes[self.shard]) // self.batch_size)

    def batch(self, epoch: int, position: int) -> np.ndarray:
        with self._lock:
            if epoch not in self._plans:
                self._plans = {e: p for e, p in self._plans.items() if e >= epoch - 1}
                self._plans[epoch] = even_rank_batches(
                    self.length,
                    self.block,
                    self.shard,
                    self.num_shards,
                    self.batch_size,
                    self.shuffle,
                    self.seed,
                    epoch,
                    self.drop_last,
                )
            return self._plans[epoch][position]


def _batches(columns: Columns, plan: EpochPlans, first_epoch: int, epochs: int) -> tf.data.Dataset:
    """(epoch, position) pairs, mapped in parallel to batches read by the engine."""
    if epochs < 1:
        raise ValueError("epochs must be at least 1")
    names = columns.names()
    counts = [plan.batch_count(first_epoch + k) for k in range(epochs)]
    signature = _signature(columns, plan.batch_size if plan.drop_last else None)
    # py_function returns plain tensors: a ragged component travels as its flat values and
    # row lengths, and becomes a RaggedTensor in the graph.
    parts = {
        name: 1 + signature[name].ragged_rank if columns.is_list(name) else 1 for name in names
    }
    dtypes = [
        dtype
        for name in names
        for dtype in [signature[name].dtype] + [tf.int64] * (parts[name] - 1)
    ]

    def read(epoch: tf.Tensor, position: tf.Tensor) -> list[np.ndarray]:
        indices = plan.batch(int(epoch), int(position))
        tensors = []
        for name in names:
            values = columns.read(name, indices, int(epoch))
            if columns.is_list(name):
                tensors += _ragged_parts(values, columns.sample_shape(name), columns.dtype(name))
            else:
                tensors.append(values)
        return tensors

    def read_batch(epoch: tf.Tensor, position: tf.Tensor) -> dict[str, Any]:
        tensors = iter(tf.py_function(read, [epoch, position], dtypes))
        batch: dict[str, Any] = {}
        for name in names:
            spec = signature[name]
            if not columns.is_list(name):
                batch[name] = next(tensors)
                batch[name].set_shape(spec.shape)
                continue
            values = next(tensors)
            values.set_shape((None, *spec.shape[1 + spec.ragged_rank :]))
            lengths = [next(tensors) for _ in range(spec.ragged_rank)]
            for length in lengths:
                length.set_shape((None,))
            batch[name] = tf.RaggedTensor.from_nested_row_lengths(values, lengths)
        return batch

    epochs_dataset = tf.data.Dataset.from_tensor_slices(
        (np.arange(first_epoch, first_epoch + epochs, dtype=np.int64), np.array(counts, np.int64))
    )
    positions = epochs_dataset.flat_map(
        lambda epoch, count: tf.data.Dataset.range(count).map(lambda position: (epoch, position))
    )
    options = tf.data.Options()
    # The reads are pure functions of (epoch, position): a checkpoint of the positions is a
    # checkpoint of the batches, so tf.data may ignore the py_function's "state".
    options.experimental_external_state_policy = tf.data.experimental.ExternalStatePolicy.IGNORE
    return (
        positions.map(read_batch, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
        .apply(tf.data.experimental.assert_cardinality(sum(counts)))
        .prefetch(tf.data.AUTOTUNE)
        .with_options(options)
    )


def _elements(columns: Columns, length: int, options: LoaderOptions) -> tf.data.Dataset:
    """Samples one by one, read `read_batch` at a time (the next read ahead); each pass over
    it is the next epoch for image transforms."""
    passes = itertools.count()  # the epoch of each pass over the dataset
    step = options.read_batch
    reads = [np.arange(start, min(length, start + step)) for start in range(0, length, step)]

    def read(indices: np.ndarray, epoch: int) -> dict[str, Any]:
        batch = {}
        for name in columns.names():
            values = columns.read(name, indices, epoch)
            if columns.is_list(name):
                flat, *lengths = _ragged_parts(
                    values, columns.sample_shape(name), columns.dtype(name)
                )
                values = tf.RaggedTensor.from_nested_row_lengths(flat, lengths)
            batch[name] = values
        return batch

    def generate() -> Iterator[dict[str, Any]]:
        epoch = next(passes)
        bar = progress_bar(length, "hub_v1 epoch", "sample", True) if options.progress else None
        readahead = ReadAhead(read, depth=1, threads=1)
        try:
            for position, indices in enumerate(reads):
                batch = readahead.get(reads, position, epoch=epoch)
                if bar is not None:
                    bar.update(len(indices))
                yield batch
        finally:
            readahead.close()
            if bar is not None:
                bar.close()

    elements = tf.data.Dataset.from_generator(
        generate, output_signature=_signature(columns, None)
    ).unbatch()
    if any(columns.is_list(name) for name in columns.names()):
        elements = elements.map(_dense_samples)
    return elements.apply(tf.data.experimental.assert_cardinality(length))  # len(), Keras
