"""An ingest's unit of work, the part: ``SAMPLES_PER_PART`` samples of the dataset, written
beyond its stored length by one writer that touches no object another part touches (every
array's chunks and shards divide a part), so parts are written in any order, in any process.

Part ``k`` holds dataset samples ``[k * SAMPLES_PER_PART, (k + 1) * SAMPLES_PER_PART)``: the
next ``SAMPLES_PER_PART`` good items of the source from the item after part ``k - 1``'s last.
Where part ``k - 1`` is not written yet, part ``k`` starts where it would if no item before
were skipped; a skip moves the parts after it, which are then written again (see
:class:`PartPlan`). Only the last part holds fewer samples.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import chain, islice
from typing import TYPE_CHECKING, Any

from hub_v1 import _core
from hub_v1.growth import _component_batch
from hub_v1.ragged import RaggedArray

if TYPE_CHECKING:
    from hub_v1.dataset import Dataset
    from hub_v1.ingest.writer import Source, SourceError

SAMPLES_PER_PART = 1024  # an ingest's part size: a multiple of every write unit of its arrays


@dataclass(frozen=True)
class PartDone:
    """A part in place: where it is, which source items it took, what it skipped."""

    index: int  # holds dataset samples from index * the part size
    start: int  # its first source item
    end: int  # the source item after its last
    samples: int  # the part size, or fewer where the source ended
    ended: bool  # the source has no item after `end`
    skipped: tuple[str, ...] = ()  # the errors of the items it left out, in order
    stored_bytes: int = 0  # what the engine was handed (for MB/s)

    def to_json(self) -> list[Any]:
        return [self.index, self.start, self.end, self.samples, self.ended, list(self.skipped)]

    @classmethod
    def from_json(cls, entry: Any) -> PartDone:
        """The part an ingest record lists; ValueError for anything else."""
        if not isinstance(entry, list) or len(entry) != 6:
            raise ValueError(f"a part is [index, start, end, samples, ended, skipped]: {entry!r}")
        index, start, end, samples, ended, skipped = entry
        numbers = (index, start, end, samples)
        if not all(isinstance(n, int) and n >= 0 for n in numbers) or not isinstance(ended, bool):
            raise ValueError(f"a part's numbers are not counts: {entry!r}")
        if not isinstance(skipped, list) or not all(isinstance(s, str) for s in skipped):
            raise ValueError(f"a part's skipped items are not messages: {entry!r}")
        return cls(index, start, end, samples, ended, tuple(skipped))


class PartPlan:
    """Where each part starts in the source, and which parts are in place.

    Part ``k`` starts at part ``k - 1``'s end where that part is in place, else at part
    ``k - 1``'s start plus the part size. A part written from another start than the
    plan's now (an earlier part skipped items after it was planned) is dropped, to be
    written again over the same samples.
    """

    def __init__(self, size: int, done: Iterable[PartDone] = (), total: int | None = None) -> None:
        self.size = size  # samples per part
        self.total = total  # source items, where known
        self._done: dict[int, PartDone] = {}
        for part in done:
            self._done.setdefault(part.index, part)
        self._prune()

    def start_of(self, index: int) -> int:
        start = 0
        for k in range(index):
            part = self._done.get(k)
            start = part.end if part is not None else start + self.size
        return start

    def accept(self, part: PartDone) -> bool:
        """Keeps `part` if it starts where the plan says now (else it is stale: False)."""
        if part.index in self._done or part.start != self.start_of(part.index):
            return False
        self._done[part.index] = part
        self._prune()
        return part.index in self._done

    def done(self) -> list[PartDone]:
        """The parts in place, by index."""
        return [self._done[k] for k in sorted(self._done)]

    def chain(self) -> list[PartDone]:
        """The parts in place from part 0 on without a gap."""
        parts: list[PartDone] = []
        while (part := self._done.get(len(parts))) is not None:
            parts.append(part)
        return parts

    def last(self) -> PartDone | None:
        """The part where the source ends, once every part up to it is in place."""
        chain = self.chain()
        return chain[-1] if chain and chain[-1].ended else None

    def wanted(self, limit: int) -> list[int]:
        """Up to `limit` parts not in place, from the first, that may hold samples."""
        if self.last() is not None:
            return []
        first = len(self.chain())
        wanted: list[int] = []
        index = first
        while len(wanted) < limit:
            part = self._done.get(index)
            if part is not None and part.ended:
                break
            if part is None:
                beyond = self.total is not None and self.start_of(index) >= self.total
                if beyond and index > first:
                    break
                wanted.append(index)
            index += 1
        return wanted

    def next_done(self, index: int) -> int | None:
        """The first part in place after `index`."""
        return min((k for k in self._done if k > index), default=None)

    def _prune(self) -> None:
        """Drops parts whose start is no longer the plan's, and parts after the source's end."""
        start, ended = 0, False
        for index in range(max(self._done, default=-1) + 1):
            part = self._done.get(index)
            if part is not None and (ended or part.start != start):
                del self._done[index]
                part = None
            start = part.end if part is not None else start + self.size
            ended = ended or (part is not None and part.ended)


@dataclass
class PartRead:
    """A part's source items, read: the samples and the errors of the items left out."""

    start: int
    end: int
    samples: list[dict[str, Any]]
    errors: list[SourceError]
    ended: bool


def read_parts(
    items: Iterator[dict[str, Any] | SourceError], start: int, total: int | None, size: int
) -> Iterator[PartRead]:
    """`items` (the source's from item `start`) cut into parts of `size` samples,
    errors kept beside them. Where `total` is unknown, the item after a full part is read to
    tell whether the source ended."""
    from hub_v1.ingest.writer import SourceError  # the writer imports this module

    position = start
    held: list[dict[str, Any] | SourceError] = []  # the item read to look for an end
    while True:
        part = PartRead(position, position, [], [], ended=False)
        for item in chain(held, items):  # a chain, unlike a generator, leaves `items` open
            part.end += 1
            if isinstance(item, SourceError):
                part.errors.append(item)
            else:
                part.samples.append(item)
                if len(part.samples) == size:
                    break
        held = []
        if len(part.samples) < size or part.end == total:
            part.ended = True
        elif total is None:
            held = list(islice(items, 1))
            part.ended = not held
        yield part
        if part.ended:
            return
        position = part.end


def write_parts(
    source: Source,
    dataset: Dataset,
    parts: Iterator[PartRead],
    index: int,
    size: int,
    on_error: str,
) -> Iterator[PartDone]:
    """Writes `parts` (read from the source, `size` samples each but the last) as parts
    `index`, `index + 1`, ..., staged beyond the dataset's length (holding no turn on it),
    and yields each once in place. With ``on_error="raise"``, the first item error is raised
    instead."""
    names = list(source.components())
    appender = _core.DatasetAppender(dataset._core, stage=True)
    try:
        appender.resume(index * size)
        for part in parts:
            if part.errors and on_error == "raise":
                raise part.errors[0]
            stored = stage_samples(appender, dataset, names, part.samples)
            yield PartDone(
                index,
                part.start,
                part.end,
                len(part.samples),
                part.ended,
                tuple(str(error) for error in part.errors),
                stored,
            )
            index += 1
    finally:
        appender.abandon()


def write_one_part(
    source: Source, dataset: Dataset, index: int, start: int, size: int, on_error: str
) -> PartDone:
    """Part `index` (of `size` samples), from source item `start`, read and written: a
    worker's task."""
    parts = read_parts(source.items(start), start, source.count(), size)
    return next(write_parts(source, dataset, islice(parts, 1), index, size, on_error))


def stage_samples(
    appender: _core.DatasetAppender,
    dataset: Dataset,
    names: list[str],
    samples: list[dict[str, Any]],
) -> int:
    """Writes `samples` (each with every component in `names`) at the appender's length;
    returns the bytes handed to the engine."""
    values: list[tuple[str, Any]] = []
    handed = 0
    for key in names:
        array = dataset[key]
        column = [sample[key] for sample in samples]
        batch = _component_batch(array, column, f"component '{key}'")  # as extend takes it
        values.append((key, batch))
        if isinstance(array, RaggedArray):
            handed += sum(
                len(value) if isinstance(value, bytes) else value.nbytes for value in batch
            )
        elif array.dtype.kind in "TO":  # text and bytes: their lengths, not the pointers
            handed += sum(len(value) for value in column)
        else:
            handed += batch.nbytes
    appender.write(dataset._core, values, len(samples))
    return handed
