"""An image folder (ImageNet's layout, torchvision's ``ImageFolder``): one sub-folder per
class, classes sorted by name, images kept byte for byte."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from hub_v1.encoded import EncodedSample
from hub_v1.errors import InvalidArgumentError
from hub_v1.ingest.writer import Component, Source, SourceError

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png")


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
        def read(entry: tuple[str, int]) -> dict[str, Any] | SourceError:
            path, label = entry
            try:
                with open(path, "rb") as file:  # noqa: PTH123 (a str path: Path costs more)
                    data = file.read()
                return {"images": EncodedSample(data, path), "labels": label}
            except InvalidArgumentError as error:  # names the file already
                return SourceError(str(error))
            except OSError as error:
                return SourceError(f"{path}: {error}")

        # One after another: the ingest reads items on its own thread, beside the engine's
        # writes, and small files in the page cache read twice as fast so as on a pool.
        for entry in self.files[start:]:
            yield read(entry)
