"""Reading planned batches ahead on background threads, for every loader.

A loader that knows its batch order (a plan: a list of index arrays) asks for batch `p` and
the next `depth` batches this process will ask for (``p + stride``, ``p + 2 * stride``, ...:
a DataLoader worker gets every `stride`-th batch) are read while the step runs. Engine reads
release the GIL, so these threads decode while Python trains. Nothing here is framework code.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Generic, TypeVar

import numpy as np

Batch = TypeVar("Batch")


class ReadAhead(Generic[Batch]):
    """``get(plan, p, stride)`` returns ``read(plan[p])`` and starts the reads after it."""

    def __init__(self, read: Callable[[np.ndarray], Batch], depth: int, threads: int = 2):
        if depth < 1:
            raise ValueError("read-ahead depth must be at least 1")
        self._read = read
        self._depth = depth
        self._threads = threads
        self._pid = -1
        self._pool: ThreadPoolExecutor | None = None
        self._pending: dict[int, Future[Batch]] = {}

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()  # threads and reads in flight stay in this process
        state.update(_pid=-1, _pool=None, _pending={})
        return state

    def _executor(self) -> ThreadPoolExecutor:
        if self._pid != os.getpid():  # new, or forked: the parent's threads are not here
            self._pid = os.getpid()
            self._pool = ThreadPoolExecutor(self._threads, thread_name_prefix="hub_v1-readahead")
            self._pending = {}
        assert self._pool is not None
        return self._pool

    def get(self, plan: Sequence[np.ndarray], position: int, stride: int = 1) -> Batch:
        pool = self._executor()
        wanted = range(position, min(len(plan), position + stride * (self._depth + 1)), stride)
        for stale in [p for p in self._pending if p not in wanted]:
            self._pending.pop(stale).cancel()
        for ahead in wanted:
            if ahead not in self._pending:
                self._pending[ahead] = pool.submit(self._read, plan[ahead])
        return self._pending.pop(position).result()

    def close(self) -> None:
        """Cancel reads not yet started and let the threads go."""
        for future in self._pending.values():
            future.cancel()
        self._pending = {}
        if self._pool is not None and self._pid == os.getpid():
            self._pool.shutdown(wait=False, cancel_futures=True)
        self._pool, self._pid = None, -1
