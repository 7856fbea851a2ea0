"""Which samples an epoch visits, in which order, on which worker: plain numpy, no framework.

Samples are shuffled at chunk granularity (whole chunks of the first axis are dealt out in a
random order, so each read touches few chunks) and then within a bounded window of chunks.
Chunks are dealt round-robin to shards (ranks x workers), so every sample lands in exactly
one shard per epoch.
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
    starts = np.arange(0, length, block)
    rng = np.random.default_rng([seed, epoch])
    order = rng.permutation(len(starts)) if shuffle else np.arange(len(starts))
    mine = order[shard::num_shards]
    if len(mine) == 0:
        return np.empty(0, dtype=np.int64)
    indices = np.concatenate(
        [np.arange(starts[b], min(starts[b] + block, length), dtype=np.int64) for b in mine]
    )
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
