"""Resumable, parallel ingestion: a source's samples appended to a dataset as one growth,
with progress kept in the store so that a killed ingest, run again, continues where it stopped.

The samples are written a part (1,024 samples) at a time beyond the dataset's stored length,
where no reader looks, by worker processes (or Dask's workers, or this process), each part by
one writer into objects of its own (see :mod:`hub_v1.ingest.parts`). After each part, a small
record ``<name>/.hub_ingest.json`` lists the parts in place; a run that finds the record (from
a run that died) writes only the others, so the dataset ends with every source sample once,
in source order, whatever the kills. One commit makes them all visible, and the record is
deleted. Nothing before the commit is visible as data.
"""

from __future__ import annotations

import json
import math
import threading
import time
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from itertools import islice
from queue import Empty, Full, Queue
from typing import TYPE_CHECKING, Any

from hub_v1 import _core
from hub_v1.dataset import Dataset
from hub_v1.errors import ContainsNodeError, InvalidArgumentError
from hub_v1.ingest import parts as ingest_parts
from hub_v1.ingest.parts import PartDone, PartPlan, read_parts, write_parts
from hub_v1.progress import progress_bar
from hub_v1.ragged import RaggedArray
from hub_v1.storage.local import FsConnection
from hub_v1.storage.memory import MemoryConnection

if TYPE_CHECKING:
    from tqdm import tqdm

    from hub_v1.datahub import DataHub
    from hub_v1.ingest.workers import DaskWorkers, ProcessWorkers

RECORD_NAME = ".hub_ingest.json"
PROVENANCE = "ingested_from"  # the dataset's attribute: the source and what was skipped
PARTS_AHEAD = 2  # parts handed out per worker: one written, one waiting


class SourceError(InvalidArgumentError):
    """One source item that cannot become a sample (bad input: a ``ValueError`` and a
    :class:`~hub_v1.errors.HubError`); the message names the file (and the member or row)."""


@dataclass(frozen=True)
class Component:
    """A component an ingest creates: ``datahub.array`` arguments and attributes."""

    shape: tuple[int | None, ...]
    dtype: str
    compress: str = "default"
    attrs: Mapping[str, Any] = field(default_factory=dict)

    def options(self, part_size: int) -> dict[str, Any]:
        """``datahub.array`` arguments: light arrays chunked to a part, images 256 a shard (or
        what divides a part), so that no object holds samples of two parts."""
        options: dict[str, Any] = {
            "shape": (0, *self.shape),
            "dtype": self.dtype,
            "compress": self.compress,
        }
        if None not in self.shape:
            options["chunk"] = (part_size, *self.shape)
        elif self.compress in ("jpeg", "png"):
            options["shard"] = math.gcd(256, part_size)
        else:
            options["shard"] = part_size
        return options


class Source:
    """What an ingest reads: its components, a fingerprint of what it will produce (a resumed
    run must read the same source), and its items in order, each a sample or a SourceError."""

    def components(self) -> dict[str, Component]:
        raise NotImplementedError

    def fingerprint(self) -> dict[str, Any]:
        raise NotImplementedError

    def count(self) -> int | None:
        """How many items there are, where known without reading them (needed to write parts
        on workers)."""
        return None

    def shareable(self) -> bool:
        """Whether worker processes can read this source (it names files or objects, rather
        than holding data in this process's memory)."""
        return True

    def items(self, start: int) -> Iterator[dict[str, Any] | SourceError]:
        """Items from the `start`-th on: a sample ``{component: value}`` or the error that
        item raises."""
        raise NotImplementedError


@dataclass
class Report:
    """What an ingest did: the samples the dataset holds after it, and the source items it
    skipped (``on_error="skip"``), each as its error's message."""

    dataset: Dataset
    skipped: list[str]

    def __len__(self) -> int:
        return len(self.dataset)


def ingest(
    source: Source,
    datahub: DataHub,
    name: str,
    on_error: str = "raise",
    overwrite: bool = False,
    progress: bool | None = None,
    workers: int | None = None,
    scheduler: Any = None,
) -> Report:
    """Write `source` to `datahub` as dataset `name` (resuming a killed run of the same
    ingest) with `workers` processes or on `scheduler`, a ``distributed.Client``; see
    :mod:`hub_v1.ingest`. By default every core works: this process alone below 8 cores
    (its engine threads use them), else a process per 4 cores."""
    if on_error not in ("raise", "skip"):
        raise InvalidArgumentError(f"on_error must be 'raise' or 'skip', not {on_error!r}")
    if workers is not None and workers < 1:
        raise InvalidArgumentError(f"workers must be at least 1, not {workers}")
    store = datahub._store
    record_key = f"{name}/{RECORD_NAME}"
    fingerprint = json.loads(json.dumps(source.fingerprint()))  # as it reads back
    where = f"'{name}' in {datahub.location}"
    record = _read_record(store, record_key, fingerprint, overwrite, where)
    if record is None:
        if not overwrite and (finished := _finished(datahub, name, fingerprint)) is not None:
            return finished  # this ingest ran to the end (and its process died after)
        if datahub.node_kind(name) != "missing":
            if not overwrite:
                raise ContainsNodeError(
                    f"'{name}' already exists in {datahub.location}; pass overwrite to replace it"
                )
            datahub.delete(name)
        # The record goes first: a run killed while it creates the arrays is resumed too.
        record = ingest_parts.SAMPLES_PER_PART, []
        _write_record(store, record_key, fingerprint, *record)
    part_size, parts = record
    dataset = _create(datahub, name, source.components(), part_size)
    plan = PartPlan(part_size, parts, source.count())

    def save() -> None:
        _write_record(store, record_key, fingerprint, part_size, plan.done())

    with progress_bar(source.count(), f"ingest {name}", "sample", progress) as bar:
        written = _Written(plan, bar, save)
        pool = _workers(source, dataset, plan, workers, scheduler)
        if pool is None:
            _write_here(source, dataset, plan, on_error, written)
        else:
            _write_on(pool, plan, on_error, written)
    last = plan.last()
    assert last is not None  # every part is in place
    skipped = [message for part in plan.chain() for message in part.skipped]
    appender = _core.DatasetAppender(dataset._core)
    try:
        length = last.index * part_size + last.samples
        if appender.length < length:  # a run that died after its commit left them committed
            appender.resume(length)
        dataset.attrs[PROVENANCE] = {"source": fingerprint, "skipped": skipped}
        appender.commit()
        store.delete(record_key)
    finally:
        appender.abandon()
    dataset.refresh()
    return Report(dataset, skipped)


class _Written:
    """What each part in place does: the plan takes it (or drops it, stale), its skips are
    warned of, the record is saved and the progress bar moves."""

    def __init__(self, plan: PartPlan, bar: tqdm[Any], save: Any) -> None:
        self.plan, self.bar, self.save = plan, bar, save
        self.started, self.stored_bytes = time.perf_counter(), 0
        self._show_items_in_place()

    def __call__(self, part: PartDone) -> None:
        if not self.plan.accept(part):
            return
        for message in part.skipped:
            warnings.warn(f"skipped: {message}", stacklevel=5)
        self.save()
        self.stored_bytes += part.stored_bytes
        self._show_items_in_place()
        seconds = max(time.perf_counter() - self.started, 1e-9)
        self.bar.set_postfix_str(f"{self.stored_bytes / 1e6 / seconds:.1f} MB/s")

    def _show_items_in_place(self) -> None:
        """The bar at the source items the parts in place took (a skip that moves later
        parts takes theirs back)."""
        self.bar.n = sum(part.end - part.start for part in self.plan.done())
        self.bar.refresh()


def _workers(
    source: Source, dataset: Dataset, plan: PartPlan, workers: int | None, scheduler: Any
) -> ProcessWorkers | DaskWorkers | None:
    """Where the parts are written: None for this process (one worker, one part left, a
    source of unknown length or one held in this process's memory, an in-memory store)."""
    from hub_v1.ingest.workers import DaskWorkers, ProcessWorkers, default_workers

    datahub = dataset.datahub
    if _parts_share_objects(dataset) and not isinstance(datahub._connection, FsConnection):
        if scheduler is not None or (workers or 1) > 1:
            warnings.warn(
                "ingesting in this process only: a ragged component's shapes array keeps many "
                "parts in one object, which writers in several processes may only share where "
                "the store locks (a local folder)",
                stacklevel=4,
            )
        return None
    if scheduler is not None and plan.total is not None:
        if isinstance(datahub._connection, MemoryConnection) or not source.shareable():
            raise InvalidArgumentError(
                "an ingest on a Dask cluster needs a store and a source its workers reach "
                "(not an in-memory store, a table in this process's memory)"
            )
        return DaskWorkers(scheduler, source, dataset)
    count = default_workers() if workers is None else workers
    # Starting a process costs about as much as writing a few parts here.
    least_parts = 2 if workers is not None else 4 * count
    if count < 2 or plan.total is None or len(plan.wanted(least_parts)) < least_parts:
        return None
    if isinstance(datahub._connection, MemoryConnection) or not source.shareable():
        return None  # nothing another process could reach
    try:
        datahub.__reduce__()  # how a worker reconnects; refused for explicit S3 keys
    except InvalidArgumentError as error:
        warnings.warn(f"ingesting in this process only: {error}", stacklevel=4)
        return None
    return ProcessWorkers(min(count, len(plan.wanted(count))), source, dataset)


def _parts_share_objects(dataset: Dataset) -> bool:
    """Whether some parts share objects: a ragged component's shapes array holds 65,536 rows
    per shard (its samples array holds a part's samples apart)."""
    return any(isinstance(dataset[key], RaggedArray) for key in dataset.keys())  # noqa: SIM118 (iterating a Dataset yields samples)


def _write_here(
    source: Source, dataset: Dataset, plan: PartPlan, on_error: str, written: _Written
) -> None:
    """Writes the parts not in place in this process, reading each part while the one before
    is written."""
    while wanted := plan.wanted(1):
        index, start = wanted[0], plan.start_of(wanted[0])
        following = plan.next_done(index)
        parts = read_parts(source.items(start), start, plan.total, plan.size)
        if following is not None:
            parts = islice(parts, following - index)
        for part in write_parts(source, dataset, read_ahead(parts, 1), index, plan.size, on_error):
            written(part)


def _write_on(
    pool: ProcessWorkers | DaskWorkers, plan: PartPlan, on_error: str, written: _Written
) -> None:
    """Writes the parts not in place on `pool`'s workers, a few parts ahead of the first one
    missing; a part written again (its start moved) waits until its stale writer is done."""
    running: dict[Any, int] = {}  # future -> part index
    try:
        while plan.last() is None:
            busy = set(running.values())
            for index in plan.wanted(pool.slots * PARTS_AHEAD):
                if index not in busy and len(running) < pool.slots * PARTS_AHEAD:
                    start = plan.start_of(index)
                    future = pool.submit(index, start, plan.size, on_error)
                    running[future] = index
            for future in pool.wait_any(list(running)):
                del running[future]
                written(pool.result(future))
    finally:
        pool.close()


def read_ahead(items: Iterator[Any], depth: int) -> Iterator[Any]:
    """`items`, produced on a thread up to `depth` ahead of the consumer, so that reading the
    source overlaps the engine's writes; its error comes where its item would have."""
    queue: Queue[tuple[bool, Any]] = Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                while not stop.is_set():
                    try:
                        queue.put((True, item), timeout=0.1)
                        break
                    except Full:
                        continue
                if stop.is_set():
                    return
            queue.put((False, None))
        except BaseException as error:  # handed to the consumer, raised there
            queue.put((False, error))

    thread = threading.Thread(target=produce, name="hub_v1-ingest-read", daemon=True)
    thread.start()
    try:
        while True:
            more, item = queue.get()
            if not more:
                if item is not None:
                    raise item
                return
            yield item
    finally:
        stop.set()
        while thread.is_alive():  # unblock a producer waiting on a full queue
            try:
                queue.get_nowait()
            except Empty:
                thread.join(timeout=0.1)


def _finished(datahub: DataHub, name: str, fingerprint: dict[str, Any]) -> Report | None:
    """The report of an ingest of this source that committed `name`, else None."""
    if datahub.node_kind(name) != "group":
        return None
    dataset = datahub.open(name)
    provenance = dataset.attrs.get(PROVENANCE)
    if not isinstance(provenance, dict) or provenance.get("source") != fingerprint:
        return None
    assert isinstance(dataset, Dataset)  # a group opens as one
    return Report(dataset, list(provenance.get("skipped", [])))


def _create(
    datahub: DataHub, name: str, components: Mapping[str, Component], part_size: int
) -> Dataset:
    """The dataset's arrays, created, or reopened (at whatever length) where a killed run
    created them."""
    arrays = {}
    for key, component in components.items():
        path = f"{name}/{key}"
        # A plain group there is what creating a ragged array leaves when killed midway.
        if datahub.node_kind(path) in ("missing", "group"):
            array = datahub.array(path, **component.options(part_size))
        else:
            array = datahub.open(path)
            if (
                isinstance(array, Dataset)
                or tuple(array.shape[1:]) != component.shape
                or array.dtype_name != component.dtype
            ):
                raise ContainsNodeError(
                    f"'{path}' in {datahub.location} is not the {component.dtype} array of "
                    f"samples {component.shape} this ingest writes"
                )
        for attribute, value in component.attrs.items():
            if array.attrs.get(attribute) != value:
                array.attrs[attribute] = value
        arrays[key] = array
    return datahub.dataset(name, components=arrays)


def _read_record(
    store: _core.Store, key: str, fingerprint: Any, overwrite: bool, where: str
) -> tuple[int, list[PartDone]] | None:
    """The part size and the parts in place that an unfinished ingest of this source
    recorded; None where there is no record (or one of another source and `overwrite`)."""
    raw = store.get(key)
    if raw is None:
        return None
    try:
        record = dict(json.loads(raw))
        parts = [PartDone.from_json(entry) for entry in record["parts"]]
        part_size = record["part_size"]
        if not isinstance(part_size, int) or part_size < 1:
            raise ValueError(f"part_size {part_size!r}")
        stored_fingerprint = record["fingerprint"]
    except (ValueError, KeyError, TypeError) as error:
        raise InvalidArgumentError(
            f"the ingest record {key} is unreadable ({error}); delete the dataset and ingest again"
        ) from None
    if stored_fingerprint != fingerprint:
        if not overwrite:
            raise ContainsNodeError(
                f"{where} holds an unfinished ingest of another source; finish that one, or "
                "pass overwrite to start this one"
            )
        return None
    return part_size, parts


def _write_record(
    store: _core.Store, key: str, fingerprint: dict[str, Any], part_size: int, parts: list[PartDone]
) -> None:
    """The progress of an ingest: the part size and the parts in place."""
    record = {
        "fingerprint": fingerprint,
        "part_size": part_size,
        "parts": [part.to_json() for part in parts],
    }
    store.put(key, json.dumps(record).encode())
