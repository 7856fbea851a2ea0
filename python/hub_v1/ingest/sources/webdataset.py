"""WebDataset tar shards: members grouped into samples by key (the member's path up to the
first dot of its file name), one component per extension, each tar read sequentially. Local
shards are counted from their member headers first, so that workers can start their parts
in the middle of the list."""

from __future__ import annotations

import hashlib
import io
import re
import tarfile
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from hub_v1 import _core
from hub_v1.encoded import EncodedSample
from hub_v1.errors import InvalidArgumentError
from hub_v1.ingest.writer import Component, Source, SourceError

if TYPE_CHECKING:
    from hub_v1.datahub import DataHub

IMAGE_EXTENSIONS = {"jpg": "jpeg", "jpeg": "jpeg", "png": "png"}


def expand_braces(pattern: str) -> list[str]:
    """WebDataset's shard lists: ``{00000..00099}`` (zero-padded as written) and ``{a,b}``,
    expanded left to right.

    >>> expand_braces("shards/{00..02}.tar")
    ['shards/00.tar', 'shards/01.tar', 'shards/02.tar']
    """
    match = re.search(r"\{([^{}]*)\}", pattern)
    if match is None:
        return [pattern]
    body, head, tail = match.group(1), pattern[: match.start()], pattern[match.end() :]
    numeric = re.fullmatch(r"(\d+)\.\.(\d+)", body)
    if numeric:
        first, last = numeric.groups()
        width = len(first)
        choices = [str(n).zfill(width) for n in range(int(first), int(last) + 1)]
    else:
        choices = body.split(",")
    return [expanded for choice in choices for expanded in expand_braces(head + choice + tail)]


def _split_key(member: str) -> tuple[str, str]:
    """(key, extension) of a member: ``a/b.seg.jpg`` is key ``a/b``, extension ``seg.jpg``."""
    folder, _, name = member.rpartition("/")
    stem, dot, extension = name.partition(".")
    return (f"{folder}/{stem}" if folder else stem), (extension if dot else "")


class LocalShard:
    """A tar shard in a local file."""

    def __init__(self, path: Path) -> None:
        if not path.is_file():
            raise InvalidArgumentError(f"{path}: no such tar shard")
        self.name = str(path)
        self.path = path

    def identity(self) -> str:
        return f"{self.path.resolve()}\0{self.path.stat().st_size}"

    def open(self) -> BinaryIO:
        return self.path.open("rb")


class StoredShard:
    """A tar shard that is an object of a hub_v1 store (S3, GCS, ...), read whole when its
    turn comes (one shard in memory at a time)."""

    def __init__(self, datahub: DataHub, key: str) -> None:
        self.datahub, self.key = datahub, key
        self.name = f"{datahub.location.rstrip('/')}/{key}"

    def identity(self) -> str:
        return self.name

    def open(self) -> BinaryIO:
        data = self.datahub._store.get(self.key)
        if data is None:
            raise FileNotFoundError(f"no such tar shard in {self.datahub.location}")
        return io.BytesIO(data)


def _shard(name: str, shards_from: DataHub | None) -> LocalShard | StoredShard:
    """`name` in `shards_from`, an ``s3://`` or ``gs://`` URL (connected with the environment's
    credentials), or a local path."""
    if shards_from is not None:
        return StoredShard(shards_from, name)
    if "://" not in name:
        return LocalShard(Path(name))
    scheme, path, bucket, key = _core.parse_store_url(name)
    if scheme in ("s3", "gs"):
        from hub_v1.storage import connect

        return StoredShard(connect(f"{scheme}://{bucket}"), key)
    if scheme == "file":
        return LocalShard(Path(path))
    raise InvalidArgumentError(f"{name}: tar shards are local files or s3:// / gs:// objects")


def _samples_in(shard: LocalShard) -> int:
    """The samples (runs of members with one key) in a local shard, from its headers."""
    samples, current = 0, None
    with tarfile.open(shard.path, mode="r:*") as tar:  # a member past the end: ReadError
        for member in tar:
            if member.isfile():
                key, _ = _split_key(member.name)
                if key != current:
                    samples, current = samples + 1, key
    return samples


def names_of(shards: list[LocalShard | StoredShard]) -> list[str]:
    return [shard.name for shard in shards]


class WebDataset(Source):
    """Samples ``{extension: value}`` of the tar shards `urls` (a list, or a pattern with
    braces): ``jpg``/``jpeg``/``png`` images kept as they are, ``cls`` an int64, ``txt`` and
    ``json`` a str, any other extension bytes. The components are the first sample's
    extensions; a later sample without one of them, or with others, is an error naming it.
    The shards are local files, ``s3://`` / ``gs://`` URLs, or keys of `shards_from` (a
    DataHub, for a store with its own endpoint or credentials)."""

    def __init__(self, urls: str | list[str], shards_from: DataHub | None = None) -> None:
        names = expand_braces(urls) if isinstance(urls, str) else [str(url) for url in urls]
        self.shards = [_shard(name, shards_from) for name in names]
        self._counts: list[int] | None = None  # samples per shard, once counted
        self._counted = False
        self._extensions = self._first_extensions()

    def _first_extensions(self) -> list[str]:
        samples = self._samples(0)
        try:
            first = next(samples, None)
        finally:
            samples.close()
        if first is None:
            raise InvalidArgumentError(f"the shards {names_of(self.shards)} hold no samples")
        if isinstance(first, SourceError):
            raise InvalidArgumentError(f"cannot read the first sample: {first}")
        return sorted(extension for extension in first if not extension.startswith("__"))

    def components(self) -> dict[str, Component]:
        components = {}
        for extension in self._extensions:
            if extension in IMAGE_EXTENSIONS:
                components[extension] = Component(
                    (None, None, 3), "uint8", IMAGE_EXTENSIONS[extension]
                )
            elif extension == "cls":
                components[extension] = Component((), "int64")
            elif extension in ("txt", "json"):
                components[extension] = Component((), "str")
            else:
                components[extension] = Component((), "bytes")
        return components

    def fingerprint(self) -> dict[str, Any]:
        shards = hashlib.sha256()
        for shard in self.shards:
            shards.update(f"{shard.identity()}\n".encode())
        return {
            "source": "webdataset",
            "shards": shards.hexdigest(),
            "components": self._extensions,
        }

    def count(self) -> int | None:
        """The samples of local shards, counted from their member headers (no data read, a
        shard's members skipped by seeking); None for shards in a store (counting would
        download them) or a shard that does not read (reading it reports where)."""
        if not self._counted:
            self._counted = True
            if all(isinstance(shard, LocalShard) for shard in self.shards):
                try:
                    local = [shard for shard in self.shards if isinstance(shard, LocalShard)]
                    self._counts = [_samples_in(shard) for shard in local]
                except (tarfile.TarError, OSError, EOFError):
                    self._counts = None
        return None if self._counts is None else sum(self._counts)

    def items(self, start: int) -> Iterator[dict[str, Any] | SourceError]:
        for sample in self._samples(start):
            if isinstance(sample, SourceError):
                yield sample
                continue
            where = sample.pop("__where__")
            if sorted(sample) != self._extensions:
                yield SourceError(
                    f"{where}: sample has {sorted(sample)}, not the first sample's "
                    f"{self._extensions}"
                )
                continue
            try:
                yield {ext: self._value(ext, data, where) for ext, data in sample.items()}
            except (InvalidArgumentError, ValueError) as error:
                yield SourceError(f"{where}: {error}")

    @staticmethod
    def _value(extension: str, data: bytes, where: str) -> Any:
        if extension in IMAGE_EXTENSIONS:
            return EncodedSample(data, f"{where}.{extension}")
        if extension == "cls":
            return int(data.decode().strip())
        if extension in ("txt", "json"):
            return data.decode("utf-8")
        return data

    def _samples(self, start: int) -> Generator[dict[str, Any] | SourceError, None, None]:
        """The shards' items in order, from the `start`-th: samples ``{extension: bytes,
        "__where__": "shard:key"}``, and for a shard that stops reading (a truncated tar) a
        SourceError in place of the sample it broke off. Items before `start` are counted
        without reading their data."""
        number = 0  # the index of the item being gathered

        def finished(item: dict[str, Any] | SourceError) -> Iterator[dict[str, Any] | SourceError]:
            nonlocal number
            if number >= start:
                yield item
            number += 1

        for k, shard in enumerate(self.shards):
            if self._counts is not None and number + self._counts[k] <= start:
                number += self._counts[k]  # counted: a worker's part starts further on
                continue
            path = shard.name
            first_number = number
            current: dict[str, Any] | None = None
            current_key = None
            try:
                with shard.open() as file, tarfile.open(fileobj=file, mode="r|*") as tar:
                    for member in tar:
                        if not member.isfile():
                            continue
                        key, extension = _split_key(member.name)
                        if key != current_key:
                            if current is not None:
                                yield from finished(current)
                            current_key, current = key, {"__where__": f"{path}:{key}"}
                        if number < start:
                            continue  # skipped without reading its data
                        member_file = tar.extractfile(member)
                        assert current is not None and member_file is not None
                        current[extension] = member_file.read()
            except (tarfile.TarError, OSError, EOFError) as error:
                where = f"{path}" + (f", member '{current_key}'" if current_key else "")
                yield from finished(SourceError(f"{where}: the tar does not read ({error})"))
                current = None
            if current is not None:
                yield from finished(current)
            if self._counts is not None and number - first_number != self._counts[k]:
                # Workers placed their parts by the count: samples would shift.
                raise InvalidArgumentError(
                    f"{path} held {self._counts[k]} samples when counted and "
                    f"{number - first_number} when read: it changed during the ingest"
                )
