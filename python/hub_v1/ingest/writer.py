"""Resumable ingestion: a source's samples appended to a dataset as one growth, with progress
kept in the store so that a killed ingest, run again, continues where it stopped.

The samples are written a part at a time beyond the dataset's stored length, where no reader
looks (a ``DatasetAppender`` that commits once, at the end). After each part, a small record
``<name>/.hub_ingest.json`` says how many source items and samples are in place; a run that
finds the record (from a run that died) resumes its appender there and skips those source
items, so the dataset ends with every source sample once, in source order, whatever the kills.
The record is deleted after the commit. Nothing before the commit is visible as data.
"""

from __future__ import annotations

import json
import threading
import time
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from queue import Empty, Full, Queue
from typing import TYPE_CHECKING, Any

import numpy as np

from hub_v1 import _core
from hub_v1.dataset import Dataset
from hub_v1.errors import ContainsNodeError, InvalidArgumentError
from hub_v1.progress import progress_bar
from hub_v1.ragged import RaggedArray

if TYPE_CHECKING:
    from hub_v1.datahub import DataHub

RECORD_NAME = ".hub_ingest.json"
PROVENANCE = "ingested_from"  # the dataset's attribute: the source and what was skipped
SAMPLES_PER_PART = 1024  # a multiple of every write unit the ingest's arrays have


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

    def options(self) -> dict[str, Any]:
        """``datahub.array`` arguments: light arrays chunked to a part, images 256 a shard."""
        options: dict[str, Any] = {
            "shape": (0, *self.shape),
            "dtype": self.dtype,
            "compress": self.compress,
        }
        if None not in self.shape:
            options["chunk"] = (SAMPLES_PER_PART, *self.shape)
        elif self.compress in ("jpeg", "png"):
            options["shard"] = 256
        else:
            options["shard"] = SAMPLES_PER_PART
        return options


class Source:
    """What an ingest reads: its components, a fingerprint of what it will produce (a resumed
    run must read the same source), and its items in order, each a sample or a SourceError."""

    def components(self) -> dict[str, Component]:
        raise NotImplementedError

    def fingerprint(self) -> dict[str, Any]:
        raise NotImplementedError

    def count(self) -> int | None:
        """How many items there are, where known without reading them."""
        return None

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
) -> Report:
    """Write `source` to `datahub` as dataset `name` (resuming a killed run of the same
    ingest); see :mod:`hub_v1.ingest`."""
    if on_error not in ("raise", "skip"):
        raise InvalidArgumentError(f"on_error must be 'raise' or 'skip', not {on_error!r}")
    store = datahub._store
    record_key = f"{name}/{RECORD_NAME}"
    components = source.components()
    fingerprint = json.loads(json.dumps(source.fingerprint()))  # as it reads back
    record = _read_record(store, record_key)
    if record is not None and record["fingerprint"] != fingerprint:
        if not overwrite:
            raise ContainsNodeError(
                f"'{name}' in {datahub.location} holds an unfinished ingest of another source; "
                "finish that one, or pass overwrite to start this one"
            )
        record = None
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
        _write_record(store, record_key, fingerprint, 0, 0, [])
    dataset = _create(datahub, name, components)
    appender = _core.DatasetAppender(dataset._core)
    skipped: list[str] = list(record["skipped"]) if record else []
    written = record["written"] if record else 0
    done = record["items_done"] if record else 0
    try:
        # Where the staged samples end; a run that died after its commit left them committed.
        if appender.length < written:
            appender.resume(written)

        def save_progress() -> None:
            _write_record(store, record_key, fingerprint, appender.length, done, skipped)

        total = source.count()
        with progress_bar(total, f"ingest {name}", "sample", progress, initial=done) as bar:
            batch: list[dict[str, Any]] = []
            started, stored_bytes = time.perf_counter(), 0
            for item in read_ahead(source.items(done), SAMPLES_PER_PART):
                done += 1
                bar.update(1)
                if isinstance(item, SourceError):
                    if on_error == "raise":
                        raise item
                    warnings.warn(f"skipped: {item}", stacklevel=2)
                    skipped.append(str(item))
                else:
                    batch.append(item)
                if len(batch) == SAMPLES_PER_PART - (appender.length % SAMPLES_PER_PART):
                    stored_bytes += _write_part(appender, dataset, components, batch)
                    batch = []
                    save_progress()
                    seconds = time.perf_counter() - started
                    bar.set_postfix_str(f"{stored_bytes / 1e6 / max(seconds, 1e-9):.1f} MB/s")
            if batch:
                _write_part(appender, dataset, components, batch)
            save_progress()  # all staged: a run that dies from here on only commits
        dataset.attrs[PROVENANCE] = {"source": fingerprint, "skipped": skipped}
        appender.commit()
        store.delete(record_key)
    finally:
        appender.abandon()
    dataset.refresh()
    return Report(dataset, skipped)


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


def _create(datahub: DataHub, name: str, components: Mapping[str, Component]) -> Dataset:
    """The dataset's arrays, created, or reopened (at whatever length) where a killed run
    created them."""
    arrays = {}
    for key, component in components.items():
        path = f"{name}/{key}"
        # A plain group there is what creating a ragged array leaves when killed midway.
        if datahub.node_kind(path) in ("missing", "group"):
            array = datahub.array(path, **component.options())
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


def _write_part(
    appender: _core.DatasetAppender,
    dataset: Dataset,
    components: Mapping[str, Component],
    samples: list[dict[str, Any]],
) -> int:
    """Stages `samples` (each with every component) at the appender's length; returns the
    bytes handed to the engine."""
    values: list[tuple[str, Any]] = []
    handed = 0
    for key in components:
        array = dataset[key]
        column = [sample[key] for sample in samples]
        if isinstance(array, RaggedArray):
            inputs = [array._as_sample(value) for value in column]
            handed += sum(
                len(value) if isinstance(value, bytes) else value.nbytes for value in inputs
            )
            values.append((key, inputs))
        elif array.dtype.kind in "TO":
            values.append((key, np.array(column, dtype=array.dtype)))
            handed += sum(len(value) for value in column)
        else:
            block = np.ascontiguousarray(np.asarray(column, dtype=array.dtype))
            values.append((key, block))
            handed += block.nbytes
    appender.write(dataset._core, values, len(samples))
    return handed


def _read_record(store: _core.Store, key: str) -> dict[str, Any] | None:
    raw = store.get(key)
    if raw is None:
        return None
    try:
        record = dict(json.loads(raw))
        for entry, kind in (("written", int), ("items_done", int), ("skipped", list)):
            if not isinstance(record[entry], kind):
                raise TypeError(f"'{entry}' is {record[entry]!r}")
        if "fingerprint" not in record:
            raise KeyError("fingerprint")
    except (ValueError, KeyError, TypeError) as error:
        raise InvalidArgumentError(
            f"the ingest record {key} is unreadable ({error}); delete the dataset and ingest again"
        ) from None
    return record


def _write_record(
    store: _core.Store,
    key: str,
    fingerprint: dict[str, Any],
    written: int,
    items_done: int,
    skipped: list[str],
) -> None:
    """The progress of an ingest: samples staged (in place up to `written`), source items
    read, and what was skipped."""
    record = {
        "fingerprint": fingerprint,
        "written": written,
        "items_done": items_done,
        "skipped": skipped,
    }
    store.put(key, json.dumps(record).encode())
