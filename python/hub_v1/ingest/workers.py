"""Where an ingest's parts are written: worker processes on this machine, or a Dask cluster.

Both run ``write_one_part(source, dataset, index, start, size, on_error)`` for each part. The
source and the dataset are sent to each worker once, as what they are read from (paths, a
store's location: a store's credentials never travel, each worker derives them as the parent
did); a task is the part's numbers.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Collection
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor
from concurrent.futures import wait as wait_for_futures
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING, Any

from hub_v1 import config
from hub_v1.errors import HubError
from hub_v1.ingest.parts import write_one_part

if TYPE_CHECKING:
    from hub_v1.dataset import Dataset
    from hub_v1.ingest.writer import Source

PR_SET_PDEATHSIG = 1  # prctl(2): the signal this process gets when its parent dies

# A worker process's ingest: (source, dataset), set once when it starts.
_INGEST: tuple[Source, Dataset] | None = None


# One process keeps about this many cores busy: its Python thread reads the source while the
# engine's threads write. On 2 cores one process was faster than two (bench_ingest.py: 32,249
# against 15,287 files/s for 30,000 JPEGs; Parquet alike), so processes start from 8 cores.
CORES_PER_WORKER = 4


def default_workers() -> int:
    """Worker processes that share this machine's cores (each with a share of engine
    threads): 1 below 8 cores."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, (cores or 1) // CORES_PER_WORKER)


class ProcessWorkers:
    """`count` worker processes, started with spawn (each imports hub_v1 afresh and opens the
    store itself; a script that ingests with workers needs the usual
    ``if __name__ == "__main__":`` guard)."""

    def __init__(self, count: int, source: Source, dataset: Dataset) -> None:
        self.slots = count
        # The cores shared out: each worker's engine threads, not every core each.
        threads = max(1, config.threads() // count)
        self._pool = ProcessPoolExecutor(
            count,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_worker,
            initargs=(os.getpid(), source, dataset, threads),
        )

    def submit(self, index: int, start: int, size: int, on_error: str) -> Any:
        """Writes part `index` (see ``write_one_part``) on a worker."""
        return self._pool.submit(_write_part_here, index, start, size, on_error)

    def wait_any(self, futures: Collection[Any]) -> set[Any]:
        return set(wait_for_futures(futures, return_when=FIRST_COMPLETED).done)

    @staticmethod
    def result(future: Any) -> Any:
        """The part a task wrote; a worker that died is a HubError saying what usually kills
        them at start."""
        try:
            return future.result()
        except BrokenProcessPool as error:
            raise HubError(
                f"an ingest worker process died ({error}); a spawned worker imports the main "
                'script again, so a script needs `if __name__ == "__main__":` around its '
                "work (or pass workers=1)"
            ) from None

    def close(self) -> None:
        """Waits for the tasks running (a part half-written by a task still running would be
        written over by the next run's) and drops those not started."""
        self._pool.shutdown(wait=True, cancel_futures=True)


def _start_worker(parent: int, source: Source, dataset: Dataset, threads: int) -> None:
    """A worker process's start: its ingest and its share of threads. It dies with the ingest
    that started it: a part's writer that outlived a killed ingest could race the rerun's
    writer of that part (from a new start, after a skip) and leave stale samples."""
    global _INGEST
    _die_with_parent(parent)
    _INGEST = source, dataset
    config.set_threads(threads)


def _die_with_parent(parent: int) -> None:
    """On Linux the kernel kills this process the moment `parent` dies (PR_SET_PDEATHSIG);
    elsewhere a thread looks every 0.1 s."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL) == 0:
            if os.getppid() != parent:  # it died before the call
                os._exit(1)
            return
    except (OSError, AttributeError):  # no libc prctl here
        pass

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.1)
        os._exit(1)

    threading.Thread(target=watch, name="hub_v1-ingest-parent", daemon=True).start()


def _write_part_here(index: int, start: int, size: int, on_error: str) -> Any:
    assert _INGEST is not None, "a worker process starts with its ingest"
    return write_one_part(*_INGEST, index, start, size, on_error)


class DaskWorkers:
    """The workers of a ``distributed.Client``'s cluster, each thread a slot."""

    def __init__(self, client: Any, source: Source, dataset: Dataset) -> None:
        self._client = client
        self.slots = max(1, sum(client.nthreads().values()))
        self._futures: set[Any] = set()
        # On every worker once (Dask keeps them), not in every task.
        self._ingest = client.scatter([source, dataset], broadcast=True)

    def submit(self, index: int, start: int, size: int, on_error: str) -> Any:
        """Writes part `index` (see ``write_one_part``) on a worker."""
        task = (*self._ingest, index, start, size, on_error)
        future = self._client.submit(write_one_part, *task, pure=False)
        self._futures.add(future)
        return future

    def wait_any(self, futures: Collection[Any]) -> set[Any]:
        from distributed import wait

        return set(wait(list(futures), return_when="FIRST_COMPLETED").done)

    @staticmethod
    def result(future: Any) -> Any:
        return future.result()

    def close(self) -> None:
        """Cancels the tasks not finished. Dask cannot stop a task already running: it writes
        its part to the end, which is the part a rerun writes from the same start."""

        pending = [future for future in self._futures if not future.done()]
        if pending:
            self._client.cancel(pending)
        self._futures.clear()
