"""PyTorch datasets over a hub_v1 Dataset (``ds.to_pytorch()``).

Two shapes:

* ``ds.to_pytorch()``: a map-style ``torch.utils.data.Dataset`` (``len``, ``ds[i]`` -> dict
  of tensors) that works with every DataLoader option. It answers DataLoader's batched fetch
  (``__getitems__``) with one gather per component, and when its own batch sampler
  (``batch_sampler()``, or ``loader()``) draws the batches it reads the next ones ahead.
* ``ds.to_pytorch(batch_size=32, shuffle=True)``: an ``IterableDataset`` yielding whole
  batches, read with one engine call per component, shuffled at chunk granularity, with
  `prefetch` batches in flight while the training step runs, sharded by DataLoader worker
  and by ``torch.distributed`` rank so each sample is seen exactly once per epoch. Use it
  with ``DataLoader(..., batch_size=None)``, its ``loader()``, or iterate it directly.

``loader()`` on either gives a :class:`HubDataLoader`, whose ``state_dict()`` resumes an epoch
exactly. Both pickle as the dataset's location, so spawned workers reopen it; nothing crosses
a fork but the location (the engine re-creates its threads in each worker).
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import torch
from torch.utils.data import Dataset as TorchMapDataset
from torch.utils.data import IterableDataset, get_worker_info
from torch.utils.data._utils.collate import default_collate_fn_map

from hub_v1.errors import InvalidArgumentError
from hub_v1.integrations.columns import Columns, split_transform
from hub_v1.integrations.loader_options import LoaderOptions
from hub_v1.integrations.readahead import ReadAhead
from hub_v1.integrations.sharding import batches, batches_taken_per_worker, epoch_indices
from hub_v1.integrations.torch_loader import (
    MOST_EPOCHS,
    STATE_VERSION,
    HubBatchSampler,
    HubDataLoader,
    RankResolver,
    check_state,
    state_count,
)
from hub_v1.progress import progress_bar

if TYPE_CHECKING:
    from hub_v1.dataset import Dataset

Sample = dict[str, torch.Tensor]
# A per-sample function, or {component: hub_v1.transforms pipeline} run by the engine.
Transform = Callable[[Sample], Any] | Mapping[str, Any]


def _as_tensor(value: Any) -> Any:
    """A tensor of numbers, zero-copy from the engine's output. Text and bytes, which tensors
    cannot hold, stay Python objects: a ``str`` / ``bytes`` per sample, a list per batch."""
    if isinstance(value, str | bytes):
        return value
    array = np.asarray(value)
    if array.dtype.kind in "TO":
        return array.tolist()
    return torch.from_numpy(array)


class RaggedSample(torch.Tensor):
    """A sample of a ragged component (a tensor of its own shape) as a map-style dataset's
    items hold it: DataLoader's default collate gathers these into a list, since samples of
    different shapes cannot be stacked. Torch operations on it keep the type, so a per-sample
    transform's result is listed too; ``t.as_subclass(torch.Tensor)`` gives a plain tensor."""


def _collate_ragged(batch: Sequence[RaggedSample], *, collate_fn_map: Any = None) -> list[Any]:
    return [sample.as_subclass(torch.Tensor) for sample in batch]


# default_collate looks a batch's element type up in this map before stacking tensors.
default_collate_fn_map[RaggedSample] = _collate_ragged


def _item(columns: Columns, name: str, value: Any) -> Any:
    """One sample of component `name` as a map-style item holds it."""
    if columns.is_list(name):
        return value.as_subclass(RaggedSample)
    return value


def read_batch(columns: Columns, name: str, indices: np.ndarray, epoch: int) -> Any:
    """Component `name`'s samples `indices` as a tensor, or a list of tensors for a ragged
    component. In a DataLoader worker the engine decodes straight into shared memory, the one
    place a batch can cross to the training process without a copy (it is how
    ``default_collate`` allocates there too)."""
    if columns.is_list(name):
        return [torch.from_numpy(sample) for sample in columns.read(name, indices, epoch)]
    numpy_dtype = columns.dtype(name)
    if get_worker_info() is None or numpy_dtype.kind in "TO":
        return _as_tensor(columns.read(name, indices, epoch))
    shape = (len(indices), *cast(tuple[int, ...], columns.sample_shape(name)))  # not ragged
    dtype = torch.from_numpy(np.empty(0, numpy_dtype)).dtype
    storage = torch.UntypedStorage._new_shared(math.prod(shape) * numpy_dtype.itemsize)
    batch = torch.empty(0, dtype=dtype).set_(storage).view(shape)
    columns.read(name, indices, epoch, out=batch.numpy())
    return batch


class SampleList(list):
    """What ``__getitems__`` returns: the samples, and the batch they are rows of, so that
    :func:`collate` can hand the batch on instead of stacking the samples again."""

    batch: dict[str, torch.Tensor] | None = None


def collate(samples: list[Any]) -> Any:
    """``default_collate``, except that a batch read whole is passed on as it is."""
    if isinstance(samples, SampleList) and samples.batch is not None:
        return samples.batch
    return torch.utils.data.default_collate(samples)


class HubTorchDataset(TorchMapDataset):
    """Map-style: ``dataset[i]`` is ``{component: tensor}`` (after `transform`, if given).

    DataLoader's batched fetch (``__getitems__``) reads a whole batch with one gather per
    component. Batches drawn by this dataset's own :meth:`batch_sampler` (or :meth:`loader`)
    are also read ahead: the sampler's order is known, so the batches this process will be
    asked for next are read on background threads while the step runs.

    Engine image transforms (``transform={"images": Compose([...])}``) draw for the sampler's
    epoch when it drew the batch, else for the epoch given to :meth:`set_epoch`.
    """

    def __init__(self, dataset: Dataset, options: LoaderOptions | None = None) -> None:
        options = options or LoaderOptions()
        self.dataset = dataset
        self.components = options.component_names(dataset)
        self.transform, pipelines = split_transform(options.transform, self.components)
        self.columns = Columns(dataset, self.components, pipelines)
        self.epoch = 0
        self.sampler: HubBatchSampler | None = None
        self._readahead = ReadAhead(self._read_columns, depth=options.readahead_depth)

    def __len__(self) -> int:
        return len(self.dataset)

    def set_epoch(self, epoch: int) -> None:
        """The epoch image transforms draw for, for batches not drawn by :meth:`batch_sampler`
        (call it each epoch, as for ``DistributedSampler``, for new augmentations)."""
        self.epoch = epoch

    def __getitem__(self, index: int) -> Any:
        sample = {}
        for name in self.components:
            if name in self.columns.pipelines:
                position = operator.index(index)
                if not -len(self) <= position < len(self):
                    raise IndexError(f"sample {index} of a dataset of {len(self)}")
                rows = np.array([position % len(self)])
                sample[name] = _as_tensor(self.columns.read(name, rows, self.epoch)[0])
            else:
                sample[name] = _item(self.columns, name, _as_tensor(self.dataset[name][index]))
        return self.transform(sample) if self.transform else sample

    def batch_sampler(
        self,
        batch_size: int,
        shuffle: bool = False,
        seed: int = 0,
        drop_last: bool = False,
        num_replicas: int | None = None,
        rank: int | None = None,
    ) -> HubBatchSampler:
        """A batch sampler for ``DataLoader(dataset, batch_sampler=...)`` whose batches this
        dataset reads ahead; see :class:`HubBatchSampler` (``DistributedSampler``'s options,
        the ranks taken from ``torch.distributed`` unless given)."""
        self.sampler = HubBatchSampler(
            len(self),
            self.columns.shuffle_block(),
            batch_size,
            shuffle,
            seed,
            drop_last,
            num_replicas,
            rank,
        )
        return self.sampler

    def loader(
        self,
        batch_size: int,
        shuffle: bool = False,
        seed: int = 0,
        drop_last: bool = False,
        num_replicas: int | None = None,
        rank: int | None = None,
        **dataloader_options: Any,
    ) -> HubDataLoader:
        """A resumable DataLoader over this dataset with its read-ahead batch sampler;
        `dataloader_options` (``num_workers``, ``pin_memory``, ...) go to DataLoader."""
        sampler = self.batch_sampler(batch_size, shuffle, seed, drop_last, num_replicas, rank)
        dataloader_options.setdefault("collate_fn", collate)
        return HubDataLoader(self, sampler, batch_sampler=sampler, **dataloader_options)

    def _read_columns(self, indices: np.ndarray, epoch: int) -> dict[str, torch.Tensor]:
        """One sorted gather per component."""
        return {name: read_batch(self.columns, name, indices, epoch) for name in self.components}

    def _planned_columns(self, order: np.ndarray) -> dict[str, torch.Tensor] | None:
        """The batch read ahead for `order` if it is one of our sampler's batches."""
        found = self.sampler.position_of(order) if self.sampler is not None else None
        if found is None:
            return None
        plan, position = found
        assert self.sampler is not None
        worker = get_worker_info()  # worker w of W is given every W-th batch
        stride = worker.num_workers if worker else 1
        return self._readahead.get(plan, position, stride, self.sampler.epoch)

    def __getitems__(self, indices: Sequence[int]) -> list[Any]:
        """DataLoader's batched fetch: one gather per component for the whole batch."""
        order = np.asarray(indices, dtype=np.int64)
        columns = self._planned_columns(order)
        if columns is not None:
            sorted_positions = np.arange(len(order))
        else:
            sorted_positions = np.argsort(order, kind="stable")
            columns = self._read_columns(order[sorted_positions], self.epoch)
        samples = SampleList([None] * len(order))
        for row, position in enumerate(sorted_positions):
            sample = {
                name: _item(self.columns, name, column[row]) for name, column in columns.items()
            }
            samples[position] = self.transform(sample) if self.transform else sample
        if self.transform is None and np.array_equal(sorted_positions, np.arange(len(order))):
            samples.batch = columns  # rows in the order asked for: the batch as collated
        return samples


class HubBatchedIterable(IterableDataset):
    """Yields ``{component: tensor of batch_size samples}``, each epoch a new chunk-level order.

    Each DataLoader worker of each rank reads its own whole chunks, `prefetch` batches ahead.
    Without workers the epoch advances by itself; with workers (which hold copies), call
    ``set_epoch(e)`` before each epoch, or use :meth:`loader`, which also saves and resumes
    an epoch's place.
    """

    def __init__(self, dataset: Dataset, options: LoaderOptions) -> None:
        if options.batch_size is None:
            raise InvalidArgumentError("a batched loader needs a batch_size")
        self.dataset = dataset
        self.components = options.component_names(dataset)
        self.transform, pipelines = split_transform(options.transform, self.components)
        self.columns = Columns(dataset, self.components, pipelines)
        self.batch_size = options.batch_size
        self.shuffle = options.shuffle
        self.seed = options.seed
        self.drop_last = options.drop_last
        self.prefetch = options.readahead_depth
        self.ranks = RankResolver(options.rank, options.world_size)
        self.progress = options.progress
        self.epoch = 0
        self._resume: ResumePoint | None = None

    def __getstate__(self) -> dict[str, Any]:
        self.ranks.resolve()  # pickled for a spawned worker: the rank goes along
        return self.__dict__.copy()

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch
        if self._resume is not None and self._resume.epoch != epoch:
            self._resume = None
        self.ranks.resolve()

    def _worker_batches(self, epoch: int, shard: int, num_workers: int) -> list[np.ndarray]:
        """The batches of this rank's `shard` (one per DataLoader worker) in `epoch`."""
        rank, world_size = self.ranks.resolve()
        block = self.columns.shuffle_block()
        indices = epoch_indices(
            len(self.dataset),
            block,
            rank * num_workers + shard,
            world_size * num_workers,
            self.shuffle,
            self.seed,
            epoch,
        )
        return batches(indices, self.batch_size, self.drop_last)

    def epoch_batches(self, epoch: int) -> list[np.ndarray]:
        """The sorted index batches this process (rank and DataLoader worker) visits."""
        worker = get_worker_info()
        worker_id, num_workers = (worker.id, worker.num_workers) if worker else (0, 1)
        if self._resume is None or self._resume.epoch != epoch:
            return self._worker_batches(epoch, worker_id, num_workers)
        # A resumed epoch: worker 0 takes over the shard whose batch was next, so the
        # DataLoader's round-robin yields the remaining batches in the original order.
        shard = (worker_id + self._resume.next_shard) % num_workers
        return self._worker_batches(epoch, shard, num_workers)[self._resume.done[shard] :]

    def _read(self, indices: np.ndarray, epoch: int) -> Any:
        batch = {name: read_batch(self.columns, name, indices, epoch) for name in self.components}
        if self.transform is None:
            return batch
        samples = [
            self.transform({k: _item(self.columns, k, v[i]) for k, v in batch.items()})
            for i in range(len(indices))
        ]
        return torch.utils.data.default_collate(samples)

    def __iter__(self) -> Iterator[Any]:
        epoch = self.epoch
        epoch_batches = self.epoch_batches(epoch)
        self.epoch += 1
        progress = _progress_bar(len(epoch_batches)) if self.progress else None
        readahead = ReadAhead(self._read, depth=self.prefetch)
        try:
            for position in range(len(epoch_batches)):
                yield _tick(progress, readahead.get(epoch_batches, position, epoch=epoch))
        finally:
            readahead.close()
            if progress is not None:
                progress.close()

    def loader(self, **dataloader_options: Any) -> HubDataLoader:
        """A resumable ``DataLoader(self, batch_size=None, ...)``; `dataloader_options`
        (``num_workers``, ``pin_memory``, ...) go to DataLoader. Workers are not persistent:
        each epoch's workers get that epoch's place."""
        if dataloader_options.get("persistent_workers"):
            raise ValueError(
                "a batched loader's workers hold the epoch and its place, so they cannot be "
                "persistent; use ds.to_pytorch().loader(...) for persistent workers"
            )
        return HubDataLoader(self, self, batch_size=None, **dataloader_options)

    def _config(self, num_workers: int) -> dict[str, Any]:
        rank, world_size = self.ranks.resolve()
        return {
            "kind": "batched",
            "length": len(self.dataset),
            "batch_size": self.batch_size,
            "shuffle": self.shuffle,
            "seed": self.seed,
            "drop_last": self.drop_last,
            "rank": rank,
            "world_size": world_size,
            "num_workers": max(1, num_workers),
        }

    def state_after(self, epoch: int, yielded: int, num_workers: int) -> dict[str, Any]:
        workers = max(1, num_workers)
        resume = self._resume if self._resume and self._resume.epoch == epoch else None
        done = list(resume.done) if resume else [0] * workers
        first = resume.next_shard if resume else 0
        left = [
            len(self._worker_batches(epoch, shard, workers)) - done[shard]
            for shard in range(workers)
        ]
        # This run's DataLoader worker w read shard (w + first) % workers.
        rotated = [left[(w + first) % workers] for w in range(workers)]
        taken, next_worker = batches_taken_per_worker(rotated, yielded)
        for worker, count in enumerate(taken):
            done[(worker + first) % workers] += count
        return {
            "version": STATE_VERSION,
            "epoch": epoch,
            "shard_batches_done": done,
            "next_shard": (next_worker + first) % workers,
            "config": self._config(num_workers),
        }

    def load_state_dict(self, state: dict[str, Any], num_workers: int = 0) -> None:
        check_state(state, self._config(num_workers))
        workers = max(1, num_workers)
        epoch = state_count(state.get("epoch"), "epoch", 0, MOST_EPOCHS, "an epoch number")
        done_per_shard = state.get("shard_batches_done")
        if not isinstance(done_per_shard, list) or len(done_per_shard) != workers:
            raise ValueError(
                "this loader state's 'shard_batches_done' must be a list of one count per "
                f"worker ({workers}), not {done_per_shard!r}"
            )
        done = []
        for shard, count in enumerate(done_per_shard):
            batches = len(self._worker_batches(epoch, shard, workers))
            share = f"worker {shard}'s share of epoch {epoch} has {batches}"
            done.append(state_count(count, "shard_batches_done", 0, batches, share))
        next_shard = state_count(
            state.get("next_shard"), "next_shard", 0, workers - 1, f"{workers} workers"
        )
        self.epoch = epoch
        self._resume = ResumePoint(epoch, done, next_shard)


@dataclass(frozen=True)
class ResumePoint:
    """Where a resumed batched epoch starts: batches done per shard, and the next shard."""

    epoch: int
    done: list[int]
    next_shard: int


def _progress_bar(total: int) -> Any:
    return progress_bar(total, "hub_v1 epoch", "batch", progress=True)


def _tick(progress: Any, batch: Any) -> Any:
    if progress is not None:
        progress.update(1)
    return batch


def to_pytorch(dataset: Dataset, options: LoaderOptions) -> HubTorchDataset | HubBatchedIterable:
    """See :meth:`hub_v1.Dataset.to_pytorch`."""
    if options.batch_size is None:
        return HubTorchDataset(dataset, options)
    return HubBatchedIterable(dataset, options)
