"""Counter-based random numbers: the draws for (seed, epoch, sample, transform) are a pure
function of those four, so an augmentation is the same whichever worker, batch or resumed run
reads the sample, and a whole batch's draws are a few vectorised numpy operations."""

from __future__ import annotations

import numpy as np

_MASK = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15


def _mix_int(value: int) -> int:
    """SplitMix64's finaliser on a Python int."""
    value = (value + _GOLDEN) & _MASK
    value = ((value ^ (value >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    value = ((value ^ (value >> 27)) * 0x94D049BB133111EB) & _MASK
    return value ^ (value >> 31)


def _mix(values: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser on uint64 arrays (multiplication wraps, as it should)."""
    values = values + np.uint64(_GOLDEN)
    values = (values ^ (values >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    values = (values ^ (values >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return values ^ (values >> np.uint64(31))


def uniforms(seed: int, epoch: int, stream: int, indices: np.ndarray, count: int) -> np.ndarray:
    """(len(indices), count) floats in [0, 1): `count` draws per sample for one transform
    (`stream`, its place in the pipeline) in one epoch."""
    key = _mix_int(_mix_int(_mix_int(seed & _MASK) ^ (epoch & _MASK)) ^ (stream & _MASK))
    samples = np.asarray(indices, dtype=np.int64).astype(np.uint64)
    counters = (samples[:, None] * np.uint64(count) + np.arange(count, dtype=np.uint64)).astype(
        np.uint64
    )
    bits = _mix(_mix(np.bitwise_xor(counters, np.uint64(key))) ^ np.uint64(key))
    return (bits >> np.uint64(11)).astype(np.float64) * (1.0 / (1 << 53))
