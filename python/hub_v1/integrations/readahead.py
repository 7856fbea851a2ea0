"""Reading planned batches ahead on background threads, for every loader.

A loader that knows its batch order (a plan: a list of index arrays, for one epoch) asks for
batch `p` and the next `depth` batches this process will ask for (``p + stride``,
``p + 2 * stride``, ...: a DataLoader worker gets every `stride`-th batch) are read while the
step runs. Engine reads
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
    """``get(plan, p, stride, epoch)`` returns ``read(plan[p], epoch)`` and starts the reads
    after it. A new plan or epoch drops the reads ahead of the old one."""

    def __init__(self, read: Callable[[np.ndarray, int], Batch], depth: int, threads: int = 2):
        if depth < 1:
            raise ValueError("read-ahead depth must be at least 1")
        self._read = read
        self._depth = depth
        self._threads = threads
        self._pid = -1
        self._pool: ThreadPoolExecutor | None = None
        self._pending: dict[int, Future[Batch]] = {}
        self._reading: tuple[Sequence[np.ndarray], int] | None = None  # what pending is for

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()  # threads and reads in flight stay in this process
        state.update(_pid=-1, _pool=None, _pending={}, _reading=None)
        return state

    def _executor(self) -> ThreadPoolExecutor:
        if self._pid != os.getpid():  # new, or forked: the parent's threads are not here
            self._pid = os.getpid()
            self._pool = ThreadPoolExecutor(self._threads, thread_name_prefix="hub_v1-readahead")
            self._pending = {}
        assert self._pool is not None
        return self._pool

    def get(
        self, plan: Sequence[np.ndarray], position: int, stride: int = 1, epoch: int = 0
    ) -> Batch:
        pool = self._executor()
        reading = self._reading
        if reading is None or reading[0] is not plan or reading[1] != epoch:
            self._cancel_pending()  # positions in another plan are other batches
            self._reading = (plan, epoch)
        wanted = range(position, min(len(plan), position + stride * (self._depth + 1)), stride)
        for stale in [p for p in self._pending if p not in wanted]:
            self._pending.pop(stale).cancel()
        for ahead in wanted:
            if ahead not in self._pending:
                self._pending[ahead] = pool.submit(self._read, plan[ahead], epoch)
        return self._pending.pop(position).result()

    def close(self) -> None:
        """Cancel reads not yet started and let the threads go."""
        self._cancel_pending()
        if self._pool is not None and self._pid == os.getpid():
            self._pool.shutdown(wait=False, cancel_futures=True)
        self._pool, self._pid = None, -1

    def _cancel_pending(self) -> None:
        for future in self._pending.values():
            future.cancel()
        self._pending, self._reading = {}, None
