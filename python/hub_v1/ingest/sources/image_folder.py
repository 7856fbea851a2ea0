"""An image folder (ImageNet's layout, torchvision's ``ImageFolder``): one sub-folder per
class, classes sorted by name, images kept byte for byte."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from hub_v1 import _core
from hub_v1.encoded import EncodedSample
from hub_v1.errors import InvalidArgumentError
from hub_v1.ingest.writer import Component, Source, SourceError

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png")
FILES_PER_READ = 256


class ImageFolder(Source):
    """Samples ``{"images": the file, "labels": its class's index}`` in (class, path) order;
    ``labels.attrs["class_names"]`` lists the classes. Files are found in each class folder
    and below it, as torchvision does; other files are ignored."""

    def __init__(self, root: str | os.PathLike[str], compress: str = "jpeg") -> None:
        self.root = Path(root)
        if not self.root.is_dir():
            raise InvalidArgumentError(f"{self.root} is not a folder of class folders")
        if compress not in ("jpeg", "png"):
            raise InvalidArgumentError(f"images are stored as jpeg or png, not {compress!r}")
        self.compress = compress
        self.classes = sorted(entry.name for entry in self.root.iterdir() if entry.is_dir())
        if not self.classes:
            raise InvalidArgumentError(f"{self.root} has no class folders")
        # torchvision's order: folders as sorted(os.walk(...)) visits them, files sorted.
        self.files: list[tuple[str, int]] = []  # (path, label), paths as strings: fast
        for label, name in enumerate(self.classes):
            for folder, _, files in sorted(os.walk(self.root / name, followlinks=True)):
                self.files += [
                    (os.path.join(folder, file), label)  # noqa: PTH118 (str paths: fast)
                    for file in sorted(files)
                    if file.lower().endswith(IMAGE_SUFFIXES)
                ]

    def components(self) -> dict[str, Component]:
        return {
            "images": Component((None, None, 3), "uint8", self.compress),
            "labels": Component((), "int64", attrs={"class_names": self.classes}),
        }

    def fingerprint(self) -> dict[str, Any]:
        names = hashlib.sha256()
        prefix = len(str(self.root)) + 1
        for path, label in self.files:
            names.update(f"{path[prefix:]}\0{label}\n".encode())
        return {
            "source": "image_folder",
            "root": str(self.root.resolve()),
            "compress": self.compress,
            "files": len(self.files),
            "names": names.hexdigest(),
        }

    def count(self) -> int:
        return len(self.files)

    def items(self, start: int) -> Iterator[dict[str, Any] | SourceError]:
        # The engine reads a batch of files and their headers on its threads (the GIL
        # released), while the ingest writes the batch before.
        for first in range(start, len(self.files), FILES_PER_READ):
            batch = self.files[first : first + FILES_PER_READ]
            reads = _core.read_image_files([path for path, _ in batch])
            for (path, label), (data, found) in zip(batch, reads, strict=True):
                if data is None or isinstance(found, str):  # found: why it did not read
                    yield SourceError(f"{path}: {found}")
                else:
                    yield {"images": EncodedSample(data, path, found), "labels": label}
