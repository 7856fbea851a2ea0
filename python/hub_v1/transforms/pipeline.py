"""Compose: a pipeline of image transforms, planned for a batch in numpy and run by the engine.

``plan`` turns the pipeline and a batch's sample indices into one box, flip and output size
per image; ``read`` has the engine decode and transform a batch straight from an array (jpeg
decodes only each box, at a reduced scale) and ``apply`` does the same to decoded images.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from hub_v1 import _core
from hub_v1.transforms.ops import ImageTransform, Normalize, ToTensor
from hub_v1.transforms.random import uniforms
from hub_v1.transforms.views import Views

if TYPE_CHECKING:
    from hub_v1.array import Array
    from hub_v1.ragged import RaggedArray


class Compose:
    """Image transforms applied in order, by the engine, to a batch of uint8 images.

    The random choices for a sample depend only on (`seed`, epoch, sample index), so they
    are the same in any worker, batch or resumed run, and differ from epoch to epoch. Give
    it to a loader as ``ds.to_pytorch(transform={"images": Compose([...])})``.

    >>> import hub_v1 as hub, numpy as np
    >>> from hub_v1 import transforms as T
    >>> images = hub.memory().connect().array("images", shape=(4, 64, 80, 3), dtype="uint8")
    >>> images[:] = np.zeros((4, 64, 80, 3), np.uint8)
    >>> augment = T.Compose([T.RandomResizedCrop(32), T.RandomHorizontalFlip(),
    ...                      T.Normalize([0.5, 0.5, 0.5], [0.25, 0.25, 0.25])])
    >>> augment.read(images, [3, 0], epoch=1).shape
    (2, 3, 32, 32)
    """

    def __init__(self, transforms: Sequence[ImageTransform], seed: int = 0) -> None:
        for transform in transforms:
            if not isinstance(transform, ImageTransform):
                raise TypeError(
                    f"{transform!r} is not a hub_v1.transforms transform; per-sample Python "
                    "functions go in transform= as a callable instead of a mapping"
                )
        self.transforms = list(transforms)
        self.seed = int(seed)

    def __repr__(self) -> str:
        return f"Compose({self.transforms!r}, seed={self.seed})"

    def plan(self, indices: Any, heights: Any, widths: Any, epoch: int = 0) -> Views:
        """Where each sample's image ends: its box, flip, size, layout. `heights` and `widths`
        are the images' sizes: one for all, or one per sample (images of any size)."""
        samples = np.asarray(indices, dtype=np.int64).reshape(-1)
        views = Views.whole(len(samples), heights, widths)
        for stream, transform in enumerate(self.transforms):

            def draw(count: int, stream: int = stream) -> np.ndarray:
                return uniforms(self.seed, epoch, stream, samples, count)

            views = transform.apply(views, draw)
        return views

    def output_shape(
        self, image_shape: Sequence[int | None], dtype: Any = np.uint8
    ) -> tuple[int, ...]:
        """The shape of one produced image, given one source image's (height, width[, C])
        and dtype (TypeError unless uint8); ``None`` for a height or width that differs from
        image to image, for which the pipeline must end at a fixed size (ValueError
        otherwise)."""
        _check_image_shape(tuple(image_shape), dtype)
        if len(image_shape) == 3 and image_shape[2] is None:
            raise TypeError("image transforms need a fixed number of channels")
        height, width = image_shape[0], image_shape[1]
        # Two images of other sizes and aspects where a size varies: a pipeline whose output
        # follows its input's size gives them two sizes.
        heights = [height or 2048, height or 3072]
        widths = [width or 3072, width or 2048]
        height, width = self.plan([0, 1], heights, widths).grid_size()
        channels = image_shape[2] if len(image_shape) == 3 else None
        if self.output_dtype() == np.float32:
            return (channels or 1, height, width)
        return (height, width) + ((channels,) if channels else ())

    def output_dtype(self) -> np.dtype[Any]:
        """float32 after a ToTensor or Normalize, else uint8."""
        float_chw = any(isinstance(t, (ToTensor, Normalize)) for t in self.transforms)
        return np.dtype(np.float32 if float_chw else np.uint8)

    def read(
        self,
        array: Array | RaggedArray,
        indices: Any,
        epoch: int = 0,
        out: np.ndarray | None = None,
    ) -> np.ndarray:
        """Images `indices` of a uint8 image array (N, H, W[, C]), transformed. An array of
        one image per chunk, or a ragged array of images of any size (whose sizes come from
        its shapes array, so no image is read to plan), is decoded and transformed image by
        image on the engine's threads (jpeg decoding only each box); any other chunking is
        read, then transformed."""
        from hub_v1.ragged import RaggedArray

        _check_image_shape(array.shape[1:], array.dtype)
        samples = np.asarray(indices, dtype=np.int64).reshape(-1)
        if isinstance(array, RaggedArray):
            sizes = array.shapes[samples]
            views = self.plan(samples, sizes[:, 0], sizes[:, 1], epoch)
            return array.read_images(samples, **_engine_args(views, array.shape[1:]), out=out)
        views = self.plan(samples, array.shape[1], array.shape[2], epoch)
        if array.chunk == (1, *array.shape[1:]):
            return array.read_images(samples, **_engine_args(views, array.shape[1:]), out=out)
        images = np.ascontiguousarray(array.read(samples))
        return _core.transform_images(
            images, np.arange(len(samples)), **_engine_args(views, images.shape[1:]), out=out
        )

    def apply(
        self, images: np.ndarray, indices: Any, epoch: int = 0, out: np.ndarray | None = None
    ) -> np.ndarray:
        """Decoded uint8 images (N, H, W[, C]), image k being sample ``indices[k]``,
        transformed."""
        images = np.ascontiguousarray(images)
        _check_image_shape(images.shape[1:], images.dtype)
        samples = np.asarray(indices, dtype=np.int64).reshape(-1)
        if len(samples) != len(images):
            raise ValueError(f"{len(images)} images but {len(samples)} indices")
        views = self.plan(samples, images.shape[1], images.shape[2], epoch)
        return _core.transform_images(
            images, np.arange(len(samples)), **_engine_args(views, images.shape[1:]), out=out
        )


def _check_image_shape(shape: tuple[int | None, ...], dtype: Any = np.uint8) -> None:
    if np.dtype(dtype) != np.uint8 or len(shape) not in (2, 3):
        raise TypeError(
            "image transforms need uint8 images (N, height, width[, channels]), not "
            f"{np.dtype(dtype)} samples of shape {tuple(shape)}"
        )


def _engine_args(views: Views, image_shape: tuple[int | None, ...]) -> dict[str, Any]:
    """The keyword arguments of _core.read_images / transform_images for `views`."""
    layout = views.layout
    channels = image_shape[2] if len(image_shape) == 3 and image_shape[2] else 1
    unscaled = layout.float_chw and not layout.mean  # ToTensor alone: pixel / 255
    height, width = views.grid_size()
    return {
        "boxes": views.boxes,
        "flips": views.flips,
        "height": height,
        "width": width,
        "float_chw": layout.float_chw,
        "mean": [0.0] * channels if unscaled else list(layout.mean),
        "std": [1.0] * channels if unscaled else list(layout.std),
    }
