"""Which samples an epoch visits, in which order, on which worker: plain numpy, no framework.

Samples are shuffled at chunk granularity (whole chunks of the first axis are dealt out in a
random order, so each read touches few chunks) and then within a bounded window of chunks.
Chunks are dealt round-robin to shards (ranks x workers, or ranks alone for a sampler), so
every sample lands in exactly one shard per epoch. The same functions say which batches a
DataLoader has already yielded, which is what a resumed epoch skips.
"""

from __future__ import annotations

import numpy as np


def epoch_indices(
    length: int,
    block: int,
    shard: int,
    num_shards: int,
    shuffle: bool,
    seed: int,
    epoch: int,
    window_blocks: int = 4,
) -> np.ndarray:
    """The sample indices shard `shard` of `num_shards` visits in `epoch`, in order."""
    starts = np.arange(0, length, block, dtype=np.int64)
    rng = np.random.default_rng([seed, epoch])
    order = rng.permutation(len(starts)) if shuffle else np.arange(len(starts))
    mine = order[shard::num_shards]
    if len(mine) == 0:
        return np.empty(0, dtype=np.int64)
    indices = (starts[mine, None] + np.arange(block, dtype=np.int64)).ravel()
    indices = indices[indices < length]  # only the last chunk is short
    if shuffle:
        window = block * window_blocks
        for first in range(0, len(indices), window):
            rng.shuffle(indices[first : first + window])
    return indices


def batches(indices: np.ndarray, batch_size: int, drop_last: bool) -> list[np.ndarray]:
    """`indices` cut into batches, each sorted so that one gather reads runs of a chunk."""
    cut = [np.sort(indices[i : i + batch_size]) for i in range(0, len(indices), batch_size)]
    if drop_last and cut and len(cut[-1]) < batch_size:
        cut.pop()
    return cut


def rank_batches(
    length: int,
    block: int,
    rank: int,
    world_size: int,
    batch_size: int,
    shuffle: bool,
    seed: int,
    epoch: int,
    drop_last: bool,
) -> list[np.ndarray]:
    """The batches rank `rank` of `world_size` visits in `epoch`, in order."""
    indices = epoch_indices(length, block, rank, world_size, shuffle, seed, epoch)
    return batches(indices, batch_size, drop_last)


def even_rank_batches(
    length: int,
    block: int,
    rank: int,
    world_size: int,
    batch_size: int,
    shuffle: bool,
    seed: int,
    epoch: int,
    drop_last: bool,
) -> list[np.ndarray]:
    """:func:`rank_batches`, except that with `drop_last` every rank keeps only as many full
    batches as the rank with fewest has: the same number of steps on every rank, which
    synchronous data-parallel training needs."""
    plan = rank_batches(
        length, block, rank, world_size, batch_size, shuffle, seed, epoch, drop_last
    )
    if drop_last and world_size > 1:
        sizes = shard_sizes(length, block, world_size, shuffle, seed, epoch)
        plan = plan[: int(sizes.min()) // batch_size]
    return plan


def shard_sizes(
    length: int, block: int, num_shards: int, shuffle: bool, seed: int, epoch: int
) -> np.ndarray:
    """How many samples each shard visits in `epoch` (what :func:`epoch_indices` deals out)."""
    chunks = -(-length // block)
    order = (
        np.random.default_rng([seed, epoch]).permutation(chunks) if shuffle else np.arange(chunks)
    )
    sizes = np.minimum(block, length - order * block)  # only the last chunk is short
    return np.array([sizes[shard::num_shards].sum() for shard in range(num_shards)], np.int64)


def batches_taken_per_worker(
    batch_counts: list[int], taken: int, first: int = 0
) -> tuple[list[int], int]:
    """How many of each worker's batches are among the first `taken` a DataLoader yields, and
    which worker's batch comes next.

    DataLoader (``in_order=True``, the default) takes one batch from each worker in turn,
    starting with worker `first` and skipping workers that have run out; worker ``w`` has
    ``batch_counts[w]`` batches.
    """
    if taken > sum(batch_counts):
        raise ValueError(f"{taken} batches taken but the workers only have {sum(batch_counts)}")
    workers = len(batch_counts)
    full_rounds = min(taken // workers, min(batch_counts))
    per_worker = [full_rounds] * workers
    remaining = taken - full_rounds * workers
    turn = first
    while remaining:
        if per_worker[turn] < batch_counts[turn]:
            per_worker[turn] += 1
            remaining -= 1
        turn = (turn + 1) % workers
    for _ in range(workers):  # the next worker that still has a batch
        if per_worker[turn] < batch_counts[turn]:
            break
        turn = (turn + 1) % workers
    return per_worker, turn
