"""PyTorch datasets over a hub_v1 Dataset (``ds.to_pytorch()``).

Two shapes:

* ``ds.to_pytorch()``: a map-style ``torch.utils.data.Dataset`` (``len``, ``ds[i]`` -> dict
  of tensors) that works with every DataLoader option. It also answers DataLoader's batched
  fetch (``__getitems__``) with one gather per component instead of one read per sample.
* ``ds.to_pytorch(batch_size=32, shuffle=True)``: an ``IterableDataset`` yielding whole
  batches, read with one engine call per component, shuffled at chunk granularity, with
  `prefetch` batches in flight while the training step runs, sharded by DataLoader worker
  and by ``torch.distributed`` rank so each sample is seen exactly once per epoch. Use it
  with ``DataLoader(..., batch_size=None)`` or iterate it directly.

Both pickle as the dataset's location, so spawned workers reopen it; nothing crosses a fork
but the location (the engine re-creates its threads in each worker).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from torch.utils.data import Dataset as TorchMapDataset
from torch.utils.data import IterableDataset, get_worker_info

from hub_v1.integrations.sharding import batches, epoch_indices
from hub_v1.progress import progress_bar

if TYPE_CHECKING:
    from hub_v1.dataset import Dataset

Sample = dict[str, torch.Tensor]
Transform = Callable[[Sample], Any]


def _as_tensor(value: Any) -> torch.Tensor:
    return torch.from_numpy(np.asarray(value))  # zero-copy from the engine's output


class HubTorchDataset(TorchMapDataset):
    """Map-style: ``dataset[i]`` is ``{component: tensor}`` (after `transform`, if given)."""

    def __init__(
        self, dataset: Dataset, components: Sequence[str] | None, transform: Transform | None
    ) -> None:
        self.dataset = dataset
        self.components = list(components or dataset.keys())
        self.transform = transform

    def __len__(self) -> int:
        return len(self.dataset)

    def __getitem__(self, index: int) -> Any:
        sample = {name: _as_tensor(self.dataset[name][index]) for name in self.components}
        return self.transform(sample) if self.transform else sample

    def __getitems__(self, indices: Sequence[int]) -> list[Any]:
        """DataLoader's batched fetch: one sorted gather per component for the whole batch."""
        order = np.asarray(indices, dtype=np.int64)
        sorted_positions = np.argsort(order, kind="stable")
        columns = {
            name: _as_tensor(self.dataset[name].read(order[sorted_positions]))
            for name in self.components
        }
        samples: list[Any] = [None] * len(order)
        for row, position in enumerate(sorted_positions):
            sample = {name: column[row] for name, column in columns.items()}
            samples[position] = self.transform(sample) if self.transform else sample
        return samples


class HubBatchedIterable(IterableDataset):
    """Yields ``{component: tensor of batch_size samples}``, each epoch a new chunk-level order.

    Call ``set_epoch(e)`` before each epoch when DataLoader workers are not persistent (as
    with DistributedSampler); without workers the epoch advances on its own.
    """

    def __init__(
        self,
        dataset: Dataset,
        components: Sequence[str] | None,
        batch_size: int,
        shuffle: bool,
        seed: int,
        drop_last: bool,
        prefetch: int,
        rank: int | None,
        world_size: int | None,
        transform: Transform | None,
        progress: bool,
    ) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        if (rank is None) != (world_size is None):
            raise ValueError("pass rank and world_size together")
        self.dataset = dataset
        self.components = list(components or dataset.keys())
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.seed = seed
        self.drop_last = drop_last
        self.prefetch = max(1, prefetch)
        self.rank = rank
        self.world_size = world_size
        self.transform = transform
        self.progress = progress
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def _shard(self) -> tuple[int, int]:
        rank, world_size = self.rank, self.world_size
        if rank is None or world_size is None:
            distributed = torch.distributed.is_available() and torch.distributed.is_initialized()
            rank = torch.distributed.get_rank() if distributed else 0
            world_size = torch.distributed.get_world_size() if distributed else 1
        worker = get_worker_info()
        worker_id, num_workers = (worker.id, worker.num_workers) if worker else (0, 1)
        return rank * num_workers + worker_id, world_size * num_workers

    def epoch_batches(self, epoch: int) -> list[np.ndarray]:
        """The sorted index batches this process visits in `epoch`."""
        shard, num_shards = self._shard()
        block = self.dataset[self.components[0]].chunk[0]
        indices = epoch_indices(
            len(self.dataset), block, shard, num_shards, self.shuffle, self.seed, epoch
        )
        return batches(indices, self.batch_size, self.drop_last)

    def _read(self, indices: np.ndarray) -> Any:
        batch = {name: _as_tensor(self.dataset[name].read(indices)) for name in self.components}
        if self.transform is None:
            return batch
        samples = [self.transform({k: v[i] for k, v in batch.items()}) for i in range(len(indices))]
        return torch.utils.data.default_collate(samples)

    def __iter__(self) -> Iterator[Any]:
        epoch_batches = self.epoch_batches(self.epoch)
        self.epoch += 1
        progress = _progress_bar(len(epoch_batches)) if self.progress else None
        # Engine calls release the GIL, so these threads read ahead while the step runs.
        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="hub_v1-prefetch") as pool:
            pending: deque[Future[Any]] = deque()
            for indices in epoch_batches:
                pending.append(pool.submit(self._read, indices))
                if len(pending) >= self.prefetch:
                    yield _tick(progress, pending.popleft().result())
            while pending:
                yield _tick(progress, pending.popleft().result())
        if progress is not None:
            progress.close()


def _progress_bar(total: int) -> Any:
    return progress_bar(total, "hub_v1 epoch", "batch", progress=True)


def _tick(progress: Any, batch: Any) -> Any:
    if progress is not None:
        progress.update(1)
    return batch


def to_pytorch(
    dataset: Dataset,
    transform: Transform | None = None,
    components: Sequence[str] | None = None,
    batch_size: int | None = None,
    shuffle: bool = False,
    seed: int = 0,
    drop_last: bool = False,
    prefetch: int = 4,
    rank: int | None = None,
    world_size: int | None = None,
    progress: bool = False,
) -> HubTorchDataset | HubBatchedIterable:
    """See :meth:`hub_v1.Dataset.to_pytorch`."""
    for name in components or []:
        dataset[name]  # a clear KeyError for unknown components, now rather than in a worker
    if batch_size is None:
        return HubTorchDataset(dataset, components, transform)
    return HubBatchedIterable(
        dataset,
        components,
        batch_size,
        shuffle,
        seed,
        drop_last,
        prefetch,
        rank,
        world_size,
        transform,
        progress,
    )
