"""Image files as samples: ``hub.read(path_or_bytes)``.

A JPEG appended to a ``compress="jpeg"`` ragged array, or a PNG to a ``compress="png"`` one,
is stored byte for byte (its shape read from its header, no pixel decoded); any other pairing,
fixed-shape arrays included, is decoded, converted to the array's channels as Pillow's
``convert`` does, and encoded again.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from hub_v1 import _core
from hub_v1.errors import CorruptChunkError, InvalidArgumentError


class EncodedSample:
    """The bytes of one JPEG or PNG file, checked and described by its header.

    >>> import hub_v1 as hub, numpy as np
    >>> datahub = hub.memory().connect()
    >>> images = datahub.array("images", shape=(0, None, None, 3), dtype="uint8", compress="png")
    >>> images.append(np.zeros((2, 3, 3), np.uint8))
    >>> png = images.samples_array[0]          # the stored file
    >>> sample = hub.read(png)
    >>> sample.format, sample.shape
    ('png', (2, 3, 3))
    """

    __slots__ = ("bit_depth", "data", "format", "shape", "source")

    def __init__(
        self,
        data: bytes,
        source: str | None = None,
        header: tuple[str, int, int, int, int] | None = None,
    ) -> None:
        """`header`: (format, height, width, channels, bit depth) where the engine has read
        it already (``_core.read_image_files``); otherwise it is read from `data`."""
        if header is None:
            try:
                header = _core.read_image_file_info(data)
            except CorruptChunkError as error:
                where = source if source is not None else f"these {len(data)} bytes"
                raise InvalidArgumentError(
                    f"{where} is not a JPEG or PNG hub_v1 reads: {error}"
                ) from None
        image_format, height, width, channels, bit_depth = header
        self.data = data
        self.source = source
        self.format: str = image_format
        #: (height, width, channels) as stored in the file (1 for grey, 4 for CMYK or RGBA).
        self.shape: tuple[int, int, int] = (height, width, channels)
        self.bit_depth: int = bit_depth

    def __len__(self) -> int:
        return len(self.data)

    def decode(self, channels: int | None = None) -> np.ndarray:
        """The pixels as (height, width, channels), uint8 (uint16 for a 16-bit PNG),
        converted to `channels` (1 to 4) as Pillow's ``convert`` does; by default the file's
        own channels, with CMYK as RGB."""
        if channels is None:
            stored = self.shape[2]
            channels = 3 if self.format == "jpeg" and stored == 4 else stored
        return _core.decode_image_file(self.data, int(channels))

    def pixels_for(self, sample_shape: tuple[int, ...], name: str) -> np.ndarray:
        """The pixels as a sample of shape `sample_shape` ((H, W) or (H, W, C)) takes them:
        what a fixed-shape array of `name` stores when given this file."""
        if len(sample_shape) == 3:
            return self.decode(sample_shape[2])
        if len(sample_shape) == 2:
            return self.decode(1)[..., 0]
        raise InvalidArgumentError(
            f"an image file is a sample of shape (H, W) or (H, W, C); samples of '{name}' "
            f"have shape {sample_shape}"
        )

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        pixels = self.decode()
        return pixels if dtype is None else pixels.astype(dtype, copy=False)

    def __repr__(self) -> str:
        source = f", source={self.source!r}" if self.source is not None else ""
        return (
            f"hub_v1.EncodedSample(format={self.format!r}, shape={self.shape}, "
            f"bytes={len(self.data)}{source})"
        )


def read(path_or_bytes: str | os.PathLike[str] | bytes | Any) -> EncodedSample:
    """An image file (a path, or its bytes) as a sample to append to an image array.

    InvalidArgumentError naming the file if it is not a JPEG or PNG that hub_v1 decodes
    (palette and below-8-bit PNGs are not).
    """
    if isinstance(path_or_bytes, (bytes, bytearray, memoryview)):
        return EncodedSample(bytes(path_or_bytes))
    path = Path(os.fspath(path_or_bytes))
    return EncodedSample(path.read_bytes(), source=str(path))
