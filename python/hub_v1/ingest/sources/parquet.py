"""Parquet files, or an Arrow table (a Hugging Face ``datasets.Dataset`` is one underneath):
one component per column, of the matching dtype."""

from __future__ import annotations

import glob
import hashlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from hub_v1.encoded import EncodedSample
from hub_v1.errors import InvalidArgumentError
from hub_v1.ingest.writer import Component, Source, SourceError

ROWS_PER_READ = 1024


def _is_image(field_type: pa.DataType) -> bool:
    """Hugging Face's Image feature: a struct of ``bytes`` (binary) and ``path`` (string)."""
    return (
        pa.types.is_struct(field_type)
        and {field_type.field(i).name for i in range(field_type.num_fields)} == {"bytes", "path"}
        and pa.types.is_binary(field_type.field("bytes").type)
    )


def _numeric(field_type: pa.DataType) -> bool:
    return (
        pa.types.is_integer(field_type)
        or pa.types.is_floating(field_type)
        or pa.types.is_boolean(field_type)
    )


class Parquet(Source):
    """Rows of `source` (Parquet paths, a glob, or an Arrow table) as samples: numbers and
    booleans, ``str`` for strings, ``bytes`` for binary, fixed-size lists as fixed axes,
    variable-size lists as ragged ones, image structs ``{bytes, path}`` as images kept as
    they are. Another type is an error naming the column; a null is an error naming the row."""

    def __init__(self, source: Any) -> None:
        self.table: pa.Table | None = None
        self._rows: int | None = None
        self.paths: list[str] = []
        if isinstance(source, pa.Table):
            self.table = source
        elif hasattr(source, "data") and isinstance(getattr(source.data, "table", None), pa.Table):
            self.table = source.data.table  # a datasets.Dataset
        else:
            patterns = [source] if isinstance(source, str | os.PathLike) else list(source)
            for pattern in patterns:
                # glob.glob, not Path.glob: the pattern may be absolute.
                matches = sorted(glob.glob(os.fspath(pattern)))  # noqa: PTH207
                if not matches:
                    raise InvalidArgumentError(f"{pattern}: no such Parquet file")
                self.paths += matches
        self.schema = self.table.schema if self.table is not None else pq.read_schema(self.paths[0])
        self._components = {field.name: self._component(field) for field in self.schema}

    def _component(self, field: pa.Field) -> Component:
        kind = field.type
        if _numeric(kind):
            return Component((), np.dtype(kind.to_pandas_dtype()).name)
        if pa.types.is_string(kind) or pa.types.is_large_string(kind):
            return Component((), "str")
        if pa.types.is_binary(kind) or pa.types.is_large_binary(kind):
            return Component((), "bytes")
        if pa.types.is_fixed_size_list(kind) and _numeric(kind.value_type):
            return Component((kind.list_size,), np.dtype(kind.value_type.to_pandas_dtype()).name)
        if (pa.types.is_list(kind) or pa.types.is_large_list(kind)) and _numeric(kind.value_type):
            return Component((None,), np.dtype(kind.value_type.to_pandas_dtype()).name)
        if _is_image(kind):
            return Component((None, None, 3), "uint8", self._image_format(field.name))
        raise InvalidArgumentError(
            f"column '{field.name}' is {kind}, which hub_v1 does not ingest (numbers, strings, "
            "binary, lists of numbers and image structs {bytes, path})"
        )

    def _image_format(self, column: str) -> str:
        """jpeg or png: the first image's format (the others are kept if they share it)."""
        for batch in self._batches(0):
            for value in batch.column(column).to_pylist():
                if value and value.get("bytes"):
                    return str(EncodedSample(value["bytes"]).format)
        return "jpeg"

    def components(self) -> dict[str, Component]:
        return dict(self._components)

    def fingerprint(self) -> dict[str, Any]:
        if self.table is not None:
            return {"source": "arrow", "rows": self.table.num_rows, "schema": str(self.schema)}
        files = hashlib.sha256()
        for path in self.paths:
            files.update(f"{Path(path).resolve()}\0{Path(path).stat().st_size}\n".encode())
        return {"source": "parquet", "files": files.hexdigest(), "schema": str(self.schema)}

    def count(self) -> int:
        if self.table is not None:
            return int(self.table.num_rows)
        if self._rows is None:  # read once: each worker's task asks
            self._rows = sum(pq.ParquetFile(path).metadata.num_rows for path in self.paths)
        return self._rows

    def shareable(self) -> bool:
        return self.table is None  # a table in this process's memory stays here

    def _batches(self, start: int) -> Iterator[pa.RecordBatch]:
        """Record batches from row `start`, each with "where" metadata in its schema."""
        if self.table is not None:
            yield from self.table.slice(start).to_batches(ROWS_PER_READ)
            return
        skip = start
        for path in self.paths:
            file = pq.ParquetFile(path)
            rows = file.metadata.num_rows
            if skip >= rows:
                skip -= rows
                continue
            for batch in file.iter_batches(batch_size=ROWS_PER_READ):
                if skip >= batch.num_rows:
                    skip -= batch.num_rows
                    continue
                yield batch.slice(skip)
                skip = 0

    def _where(self, row: int) -> str:
        if self.table is not None:
            return f"row {row}"
        for path in self.paths:
            rows = pq.ParquetFile(path).metadata.num_rows
            if row < rows:
                return f"{path}, row {row}"
            row -= rows
        return f"row {row}"

    def items(self, start: int) -> Iterator[dict[str, Any] | SourceError]:
        row = start
        for batch in self._batches(start):
            columns = {name: batch.column(name).to_pylist() for name in self._components}
            for k in range(batch.num_rows):
                sample = {}
                problem = None
                for name, component in self._components.items():
                    value = columns[name][k]
                    if value is None:
                        problem = f"column '{name}' is null"
                        break
                    if component.compress in ("jpeg", "png") and None in component.shape:
                        try:
                            value = EncodedSample(value["bytes"], value.get("path") or None)
                        except (InvalidArgumentError, TypeError) as error:
                            problem = f"column '{name}': {error}"
                            break
                    elif component.shape == (None,):
                        value = np.asarray(value, dtype=component.dtype)
                    sample[name] = value
                if problem is None:
                    yield sample
                else:
                    yield SourceError(f"{self._where(row)}: {problem}")
                row += 1
