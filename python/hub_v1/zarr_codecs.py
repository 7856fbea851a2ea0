"""hub_v1's image codecs for zarr-python: ``hub_v1.jpeg`` and ``hub_v1.png``.

Registered through the ``zarr.codecs`` entry point group, so ``zarr.open_array`` on an
array hub_v1 wrote with ``compress="jpeg"`` or ``"png"`` returns the same pixels. Encoding
and decoding run in hub_v1's C++ engine (libjpeg-turbo, libpng), not in Python.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from zarr.abc.codec import ArrayBytesCodec
from zarr.core.buffer import Buffer, NDBuffer
from zarr.core.common import parse_named_configuration

from hub_v1 import _core

if TYPE_CHECKING:
    from typing import Self

    from zarr.core.array_spec import ArraySpec


@dataclass(frozen=True)
class _ImageCodec(ArrayBytesCodec):
    """An array -> bytes codec whose chunk is a header and one encoded image per item."""

    configuration: dict[str, Any]
    codec_name = ""

    is_fixed_size = False

    def __init__(self, **configuration: Any) -> None:
        object.__setattr__(self, "configuration", dict(configuration))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Self:
        _, configuration = parse_named_configuration(
            data, cls.codec_name, require_configuration=False
        )
        return cls(**(configuration or {}))

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.codec_name, "configuration": dict(self.configuration)}

    def _codecs_json(self) -> str:
        return json.dumps([self.to_dict()])

    async def _decode_single(self, chunk_bytes: Buffer, chunk_spec: ArraySpec) -> NDBuffer:
        dtype = np.dtype(chunk_spec.dtype.to_native_dtype())
        pixels = _core.decode_chunk(
            self._codecs_json(), chunk_bytes.to_bytes(), dtype, list(chunk_spec.shape)
        )
        return chunk_spec.prototype.nd_buffer.from_ndarray_like(pixels)  # type: ignore[arg-type]

    async def _encode_single(self, chunk_array: NDBuffer, chunk_spec: ArraySpec) -> Buffer | None:
        pixels = np.ascontiguousarray(chunk_array.as_numpy_array())
        encoded = _core.encode_chunk(self._codecs_json(), pixels)
        return chunk_spec.prototype.buffer.from_bytes(encoded)

    def compute_encoded_size(self, input_byte_length: int, _chunk_spec: ArraySpec) -> int:
        raise NotImplementedError("image codecs produce variable-size output")


@dataclass(frozen=True, init=False)
class JpegCodec(_ImageCodec):
    """``hub_v1.jpeg``: uint8 images with 1 or 3 channels; configuration ``{"quality"}``."""

    codec_name = "hub_v1.jpeg"


@dataclass(frozen=True, init=False)
class PngCodec(_ImageCodec):
    """``hub_v1.png``: uint8/uint16 images with 1-4 channels; configuration ``{"level"}``."""

    codec_name = "hub_v1.png"
