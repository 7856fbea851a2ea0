"""Knowing the order: hub_v1's batch sampler, rank resolution and resumable DataLoaders.

* :class:`HubBatchSampler` deals a map-style dataset's batches to ranks in a seeded,
  chunk-local order (a drop-in for ``DistributedSampler`` + ``BatchSampler``). Because the
  order is a pure function of (seed, epoch, rank), the dataset reads the next batches ahead in
  whichever process (main or DataLoader worker) will ask for them.
* :class:`HubDataLoader` is a ``DataLoader`` that counts the batches it has yielded, so
  ``state_dict()`` says exactly where an epoch stands and ``load_state_dict()`` resumes it:
  every remaining sample once, none twice, with the same workers and ranks.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Protocol

import numpy as np
import torch
from torch.utils.data import DataLoader, Sampler

from hub_v1.integrations.sharding import even_rank_batches

STATE_VERSION = 1


def process_group_rank() -> tuple[int, int] | None:
    """(rank, world size) of this process's initialised ``torch.distributed`` group, if any."""
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        return torch.distributed.get_rank(), torch.distributed.get_world_size()
    return None


class RankResolver:
    """Explicit rank and world size, or the process group's, resolved where it exists.

    A spawned DataLoader worker has no process group, so the rank is resolved in the process
    that builds the loader (at construction, each epoch and when pickled) and travels with it.
    """

    def __init__(self, rank: int | None, world_size: int | None) -> None:
        if (rank is None) != (world_size is None):
            raise ValueError("pass rank and world_size (num_replicas) together")
        if world_size is not None and rank is not None and not 0 <= rank < world_size:
            raise ValueError(f"rank {rank} is outside a world of {world_size}")
        self.explicit = None if rank is None or world_size is None else (rank, world_size)
        self.resolved = self.explicit
        self.resolve()

    def resolve(self) -> tuple[int, int]:
        if self.explicit is None:
            self.resolved = process_group_rank() or self.resolved
        return self.resolved or (0, 1)


class ResumableSource(Protocol):
    """What HubDataLoader needs of the sampler or iterable behind it."""

    def set_epoch(self, epoch: int) -> None: ...

    def state_after(self, epoch: int, yielded: int, num_workers: int) -> dict[str, Any]: ...

    def load_state_dict(self, state: dict[str, Any], num_workers: int) -> None: ...


def check_state(state: Any, expected: dict[str, Any]) -> None:
    """Raise ValueError unless `state` was saved by a loader configured like this one."""
    if not isinstance(state, dict):
        raise ValueError(f"a loader state is a dict, not {type(state).__name__}")
    if state.get("version") != STATE_VERSION:
        raise ValueError(f"not a hub_v1 loader state (version {state.get('version')!r})")
    saved = state.get("config", {})
    if not isinstance(saved, dict):
        raise ValueError("this loader state's 'config' is not a dict")
    differences = [
        f"{key}: saved {saved.get(key)!r}, now {value!r}"
        for key, value in expected.items()
        if saved.get(key) != value
    ]
    if differences:
        raise ValueError(
            "this loader state was saved by a differently configured loader ("
            + "; ".join(differences)
            + "); resume with the same dataset, batch size, seed, workers and ranks"
        )


def state_count(value: Any, field: str, low: int, high: int, what: str) -> int:
    """`value`, a loader state's `field`, which must be an int in [low, high] (`what` says
    what it counts): a state edited, damaged or saved for another epoch length is refused,
    never a silent skip or repeat of samples."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(
            f"this loader state's {field!r} must be an int, not {type(value).__name__} {value!r}"
        )
    if not low <= value <= high:
        raise ValueError(
            f"this loader state's {field!r} is {value}, outside {low}..{high} ({what}); "
            "was it saved by another loader or edited?"
        )
    return value


# Epoch numbers a state may carry (an epoch's order is a function of it; numbers past this
# are a damaged state, not a long run).
MOST_EPOCHS = 2**31


class HubBatchSampler(Sampler[list[int]]):
    """Batches of a map-style dataset for one rank, seeded, and read ahead by the dataset.

    Whole chunks are shuffled and dealt to ranks (`num_replicas` and `rank`, else the
    ``torch.distributed`` group), then samples are shuffled within a window of chunks, so each
    sample is in exactly one rank's batches per epoch and each batch reads few chunks. As with
    ``DistributedSampler``, call ``set_epoch(e)`` for a new order each epoch (HubDataLoader
    does). Ranks may get different numbers of batches; with `drop_last` every rank gets the
    same number of full batches (what DistributedDataParallel needs) and the rest is left out.
    """

    def __init__(
        self,
        length: int,
        block: int,
        batch_size: int,
        shuffle: bool = False,
        seed: int = 0,
        drop_last: bool = False,
        num_replicas: int | None = None,
        rank: int | None = None,
    ) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self.length, self.block = length, max(1, block)
        self.batch_size, self.shuffle, self.seed = batch_size, shuffle, seed
        self.drop_last = drop_last
        self.ranks = RankResolver(rank, num_replicas)
        self.epoch = 0
        self._resume: tuple[int, int] | None = None  # (epoch, batches to skip)
        self._plans: dict[tuple[int, int, int], tuple[list[np.ndarray], dict[int, int]]] = {}

    def __getstate__(self) -> dict[str, Any]:
        self.ranks.resolve()  # pickled for a spawned worker: the rank goes along
        state = self.__dict__.copy()
        state["_plans"] = {}
        return state

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch
        if self._resume is not None and self._resume[0] != epoch:
            self._resume = None
        self.ranks.resolve()

    def _planned(self, epoch: int) -> tuple[list[np.ndarray], dict[int, int]]:
        rank, world_size = self.ranks.resolve()
        key = (epoch, rank, world_size)
        if key not in self._plans:
            plan = self._rank_plan(epoch, rank, world_size)
            lookup = {int(batch[0]): position for position, batch in enumerate(plan)}
            self._plans = {k: v for k, v in self._plans.items() if k[0] in (epoch - 1, epoch)}
            self._plans[key] = (plan, lookup)
        return self._plans[key]

    def _rank_plan(self, epoch: int, rank: int, world_size: int) -> list[np.ndarray]:
        return even_rank_batches(
            self.length,
            self.block,
            rank,
            world_size,
            self.batch_size,
            self.shuffle,
            self.seed,
            epoch,
            self.drop_last,
        )

    def plan(self, epoch: int) -> list[np.ndarray]:
        """Every batch of `epoch` for this rank, in order, each sorted."""
        return self._planned(epoch)[0]

    def _skip(self, epoch: int) -> int:
        return self._resume[1] if self._resume and self._resume[0] == epoch else 0

    def __len__(self) -> int:
        """Batches this epoch yields (fewer when it resumes part-way)."""
        return len(self.plan(self.epoch)) - self._skip(self.epoch)

    def __iter__(self) -> Iterator[list[int]]:
        for batch in self.plan(self.epoch)[self._skip(self.epoch) :]:
            yield batch.tolist()

    def position_of(self, indices: Any) -> tuple[list[np.ndarray], int] | None:
        """The plan holding batch `indices` and its place there: this epoch's or the next
        one's (persistent workers are not told about ``set_epoch``)."""
        if len(indices) == 0:
            return None
        for epoch in (self.epoch, self.epoch + 1):
            plan, lookup = self._planned(epoch)
            position = lookup.get(int(indices[0]))
            if position is not None and np.array_equal(plan[position], indices):
                self.epoch = epoch
                return plan, position
        return None

    def _config(self) -> dict[str, Any]:
        rank, world_size = self.ranks.resolve()
        return {
            "kind": "map-style",
            "length": self.length,
            "batch_size": self.batch_size,
            "shuffle": self.shuffle,
            "seed": self.seed,
            "drop_last": self.drop_last,
            "rank": rank,
            "world_size": world_size,
        }

    def state_after(self, epoch: int, yielded: int, num_workers: int) -> dict[str, Any]:
        # The DataLoader yields batches in this sampler's order, whichever worker read them.
        return {
            "version": STATE_VERSION,
            "epoch": epoch,
            "batches_done": self._skip(epoch) + yielded,
            "config": self._config(),
        }

    def load_state_dict(self, state: dict[str, Any], num_workers: int = 0) -> None:
        check_state(state, self._config())
        epoch = state_count(state.get("epoch"), "epoch", 0, MOST_EPOCHS, "an epoch number")
        batches = len(self.plan(epoch))
        done = state_count(
            state.get("batches_done"), "batches_done", 0, batches, f"epoch {epoch} has {batches}"
        )
        self.epoch = epoch
        self._resume = (epoch, done)


class HubDataLoader(DataLoader):
    """A ``torch.utils.data.DataLoader`` whose place in the epoch can be saved and resumed.

    Each ``iter()`` runs one epoch (the epoch number advances by itself). ``state_dict()``
    after any batch, saved with the model, and ``load_state_dict()`` in a restarted process
    with the same workers and ranks, continue that epoch with exactly the batches not yet
    yielded. Needs DataLoader's default ``in_order=True``.
    """

    def __init__(self, dataset: Any, source: ResumableSource, **kwargs: Any) -> None:
        if not kwargs.get("in_order", True):
            raise ValueError("HubDataLoader resumes epochs exactly only with in_order=True")
        super().__init__(dataset, **kwargs)
        self.source = source
        self.epoch = 0
        self._yielded = 0
        self._iterating = False

    def __iter__(self) -> Iterator[Any]:  # type: ignore[override]
        epoch = self.epoch
        self.source.set_epoch(epoch)
        self._yielded, self._iterating = 0, True
        for batch in super().__iter__():
            self._yielded += 1
            yield batch
        self._iterating = False
        self.epoch = epoch + 1
        self.source.set_epoch(self.epoch)  # which also forgets a resumed epoch's skip

    def state_dict(self) -> dict[str, Any]:
        """Where this loader stands: the epoch and the batches of it already yielded."""
        return self.source.state_after(
            self.epoch, self._yielded if self._iterating else 0, self.num_workers
        )

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Continue from `state` (from :meth:`state_dict` of a loader configured the same)."""
        self.source.load_state_dict(state, self.num_workers)
        self.epoch = int(state["epoch"])
        self._iterating = False
