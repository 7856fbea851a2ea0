"""Bring existing data in: image folders, COCO, WebDataset tar shards, Parquet and Arrow
tables, each as a dataset whose components the source decides.

>>> import hub_v1 as hub, io, pathlib, tempfile
>>> from PIL import Image
>>> root = pathlib.Path(tempfile.mkdtemp())
>>> for label in ("cat", "dog"):
...     (root / label).mkdir()
...     Image.new("RGB", (8, 6)).save(root / label / "1.jpg")
>>> report = hub.ingest.image_folder(root, hub.memory().connect(), "pets")
>>> len(report), report.dataset["labels"].attrs["class_names"], report.skipped
(2, ['cat', 'dog'], [])

Every ingest is parallel and resumable. It appends to the dataset as one growth, in parts of
1,024 samples that `workers` processes (default: every core) write side by side, each into
objects of its own, or the workers of a Dask cluster (``scheduler=`` a
``distributed.Client``); its progress is kept in ``<name>/.hub_ingest.json``. Run again after
a kill (the same call or command), it continues where it stopped, and the dataset ends with
every source sample once, in source order. Until the ingest commits, the dataset shows none of its
samples. A source item that cannot become a sample (a corrupt image, a truncated tar, a
missing file, a null) is an error naming it, or with ``on_error="skip"`` a warning, and the
report's ``skipped`` lists it: a sample is skipped whole, never in part. Image files are kept
byte for byte where their format is the images array's (JPEG by default), and converted
otherwise.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from hub_v1.ingest.sources.coco import Coco
from hub_v1.ingest.sources.image_folder import ImageFolder
from hub_v1.ingest.sources.webdataset import WebDataset
from hub_v1.ingest.writer import Report, Source, SourceError, ingest

if TYPE_CHECKING:
    from hub_v1.datahub import DataHub

__all__ = [
    "Report",
    "Source",
    "SourceError",
    "coco",
    "image_folder",
    "ingest",
    "parquet",
    "webdataset",
]


def image_folder(
    root: str | os.PathLike[str],
    datahub: DataHub,
    name: str,
    compress: str = "jpeg",
    on_error: str = "raise",
    overwrite: bool = False,
    progress: bool | None = None,
    workers: int | None = None,
    scheduler: Any = None,
) -> Report:
    """A folder per class of images (torchvision's ``ImageFolder``) as dataset `name`:
    ``images`` (the files; `compress` is the images array's format, ``"jpeg"`` or ``"png"``)
    and ``labels`` (int64, classes sorted by name, ``labels.attrs["class_names"]``), samples
    in (class, path) order, so two runs give the same dataset."""
    source = ImageFolder(root, compress)
    return ingest(source, datahub, name, on_error, overwrite, progress, workers, scheduler)


def coco(
    annotations: str | os.PathLike[str],
    images: str | os.PathLike[str],
    datahub: DataHub,
    name: str,
    on_error: str = "raise",
    overwrite: bool = False,
    progress: bool | None = None,
    workers: int | None = None,
    scheduler: Any = None,
) -> Report:
    """A COCO annotations JSON and its images folder as dataset `name`, one sample per
    image in id order; see :class:`hub_v1.ingest.sources.coco.Coco` for the components."""
    source = Coco(annotations, images)
    return ingest(source, datahub, name, on_error, overwrite, progress, workers, scheduler)


def webdataset(
    urls: str | list[str],
    datahub: DataHub,
    name: str,
    on_error: str = "raise",
    overwrite: bool = False,
    progress: bool | None = None,
    shards_from: DataHub | None = None,
    workers: int | None = None,
    scheduler: Any = None,
) -> Report:
    """WebDataset tar shards (``"shards/{00000..00099}.tar"`` or a list: local files,
    ``s3://`` or ``gs://`` objects, or keys of the DataHub `shards_from`) as dataset `name`,
    one component per extension; see :class:`hub_v1.ingest.sources.webdataset.WebDataset`."""
    source = WebDataset(urls, shards_from)
    return ingest(source, datahub, name, on_error, overwrite, progress, workers, scheduler)


def parquet(
    source: Any,
    datahub: DataHub,
    name: str,
    on_error: str = "raise",
    overwrite: bool = False,
    progress: bool | None = None,
    workers: int | None = None,
    scheduler: Any = None,
) -> Report:
    """Parquet files (a path, a glob or a list), a ``pyarrow.Table`` or a Hugging Face
    ``datasets.Dataset`` as dataset `name`, one component per column; see
    :class:`hub_v1.ingest.sources.parquet.Parquet`."""
    try:
        from hub_v1.ingest.sources.parquet import Parquet  # imports pyarrow, when needed
    except ModuleNotFoundError as missing:
        if missing.name is None or not missing.name.startswith("pyarrow"):
            raise
        raise ImportError(
            "hub.ingest.parquet needs pyarrow: pip install 'hub_v1[parquet]'"
        ) from missing

    table = Parquet(source)
    return ingest(table, datahub, name, on_error, overwrite, progress, workers, scheduler)
