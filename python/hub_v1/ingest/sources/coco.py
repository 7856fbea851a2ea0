"""COCO: an annotations JSON (``instances_*.json``) and its images folder, one sample per
image, in the order of image ids."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from hub_v1 import _core
from hub_v1.encoded import EncodedSample
from hub_v1.errors import InvalidArgumentError
from hub_v1.ingest.writer import Component, Source, SourceError

FILES_PER_READ = 256


class Coco(Source):
    """Samples of each image: ``images`` (the file, kept byte for byte), ``boxes`` (float32
    (k, 4), COCO's [x, y, width, height]), ``categories`` (int64 (k,)), ``iscrowd`` (int64
    (k,)), ``areas`` (float32 (k,)), ``segmentations`` (a str per image: the JSON list of its
    annotations' ``segmentation`` values, polygons or RLE, as COCO writes them) and
    ``image_id`` (int64). ``categories.attrs["names"]`` maps each category id (as a string)
    to its name. An image the JSON names but the folder lacks is an error naming it."""

    def __init__(self, annotations: str | os.PathLike[str], images: str | os.PathLike[str]):
        self.annotations_path = Path(annotations)
        self.images_root = Path(images)
        try:
            document = json.loads(self.annotations_path.read_text())
            images_list = sorted(document["images"], key=lambda image: image["id"])
            annotations_list = document.get("annotations", [])
            categories = document.get("categories", [])
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise InvalidArgumentError(
                f"{self.annotations_path} is not a COCO annotations file: {error}"
            ) from None
        self.images = [(int(image["id"]), str(image["file_name"])) for image in images_list]
        self.by_image: dict[int, list[dict[str, Any]]] = {
            image_id: [] for image_id, _ in self.images
        }
        for annotation in annotations_list:
            image_id = annotation.get("image_id")
            if image_id not in self.by_image:
                raise InvalidArgumentError(
                    f"{self.annotations_path}: annotation {annotation.get('id')} names image "
                    f"{image_id}, which is not in its images"
                )
            self.by_image[image_id].append(annotation)
        self.category_names = {str(c["id"]): str(c["name"]) for c in categories}
        self._digest = hashlib.sha256(self.annotations_path.read_bytes()).hexdigest()

    def components(self) -> dict[str, Component]:
        return {
            "images": Component((None, None, 3), "uint8", "jpeg"),
            "boxes": Component((None, 4), "float32"),
            "categories": Component((None,), "int64", attrs={"names": self.category_names}),
            "iscrowd": Component((None,), "int64"),
            "areas": Component((None,), "float32"),
            "segmentations": Component((), "str"),
            "image_id": Component((), "int64"),
        }

    def fingerprint(self) -> dict[str, Any]:
        return {
            "source": "coco",
            "annotations": self._digest,
            "images": str(self.images_root.resolve()),
        }

    def count(self) -> int:
        return len(self.images)

    def _sample(
        self, image: tuple[int, str], path: str, data: bytes | None, found: Any
    ) -> dict[str, Any] | SourceError:
        image_id = image[0]
        if data is None:
            return SourceError(f"image {image_id} ({path}): {found}")
        annotations = self.by_image[image_id]
        try:
            boxes = np.asarray([a["bbox"] for a in annotations], np.float32).reshape(-1, 4)
            return {
                "images": EncodedSample(data, path, found),
                "boxes": boxes,
                "categories": np.asarray([a["category_id"] for a in annotations], np.int64),
                "iscrowd": np.asarray([a.get("iscrowd", 0) for a in annotations], np.int64),
                "areas": np.asarray([a.get("area", 0.0) for a in annotations], np.float32),
                "segmentations": json.dumps([a.get("segmentation", []) for a in annotations]),
                "image_id": image_id,
            }
        except (KeyError, ValueError, TypeError) as error:
            return SourceError(f"image {image_id}: an annotation does not read ({error})")

    def items(self, start: int) -> Iterator[dict[str, Any] | SourceError]:
        # The engine reads a batch of images and their headers on its threads.
        for first in range(start, len(self.images), FILES_PER_READ):
            batch = self.images[first : first + FILES_PER_READ]
            paths = [str(self.images_root / file_name) for _, file_name in batch]
            reads = _core.read_image_files(paths)
            for image, path, (data, found) in zip(batch, paths, reads, strict=True):
                yield self._sample(image, path, data, found)
