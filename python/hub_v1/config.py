"""Process-wide engine settings: the decoded-chunk cache and the worker pool."""

from __future__ import annotations

from hub_v1 import _core
from hub_v1.errors import InvalidArgumentError


def cache_size() -> int:
    """Bytes the decoded-chunk cache may hold (default 256 MB)."""
    return int(_core.cache_budget_bytes())


def set_cache_size(nbytes: int) -> None:
    """Set the decoded-chunk cache budget in bytes; 0 disables the cache.

    The cache lets item-by-item reads from one chunk decode it once. It sees every write
    made through this process, not writes made by other processes.
    """
    if nbytes < 0:
        raise InvalidArgumentError("the cache size cannot be negative")
    _core.set_cache_budget_bytes(int(nbytes))


def cache_stats() -> dict[str, int]:
    """The decoded-chunk cache's ``used_bytes`` and its lookup ``hits`` and ``misses``."""
    return dict(_core.cache_stats())


def threads() -> int:
    """Worker threads the engine uses to fetch, decode and copy chunks."""
    return int(_core.thread_count())


def set_threads(count: int) -> None:
    """Set the number of engine worker threads (default: the number of CPUs)."""
    _core.set_thread_count(int(count))
