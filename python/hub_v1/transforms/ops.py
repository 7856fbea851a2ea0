"""The transforms, each a map from :class:`Views` to views, drawing its randomness from
``draw(count)``: `count` uniforms in [0, 1) per image, fixed by (seed, epoch, sample).

They follow torchvision's definitions (the same box choices for the same draws), applied to
uint8 images (height, width[, channels]) of a hub_v1 array.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

from hub_v1.transforms.views import Layout, Views

Draw = Callable[[int], np.ndarray]


def _size_pair(size: int | Sequence[int], name: str) -> tuple[int, int]:
    pair = (size, size) if isinstance(size, int) else tuple(size)
    if len(pair) != 2 or not all(isinstance(v, int) and v > 0 for v in pair):
        raise ValueError(f"{name} size must be a positive int or (height, width), not {size!r}")
    return int(pair[0]), int(pair[1])


class ImageTransform:
    """One step of a :class:`~hub_v1.transforms.Compose` pipeline."""

    def apply(self, views: Views, draw: Draw) -> Views:
        raise NotImplementedError

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({fields})"


class Resize(ImageTransform):
    """Resize to `size`: (height, width), or an int for the shorter side (the aspect kept,
    the longer side rounded down, as torchvision does)."""

    def __init__(self, size: int | Sequence[int]) -> None:
        self.size = size if isinstance(size, int) else _size_pair(size, "Resize")
        if isinstance(size, int) and size < 1:
            raise ValueError(f"Resize size must be positive, not {size}")

    def apply(self, views: Views, draw: Draw) -> Views:
        if not isinstance(self.size, int):
            return views.resized(*self.size)
        height, width = views.heights, views.widths
        taller = height > width
        short, long = np.where(taller, width, height), np.where(taller, height, width)
        longer = np.floor(self.size * long / short)  # as torchvision's int(size * long / short)
        return views.resized(
            np.where(taller, longer, self.size), np.where(taller, self.size, longer)
        )


class CenterCrop(ImageTransform):
    """The central `size` (int: square) of the image, which must be at least that big."""

    def __init__(self, size: int | Sequence[int]) -> None:
        self.size = _size_pair(size, "CenterCrop")

    def apply(self, views: Views, draw: Draw) -> Views:
        height, width = self.size
        too_small = (views.heights < height) | (views.widths < width)
        if too_small.any():
            k = int(np.argmax(too_small))
            raise ValueError(
                f"CenterCrop{self.size} is larger than the {int(views.heights[k])} x "
                f"{int(views.widths[k])} image it is given; Resize first"
            )
        count = len(views.flips)
        top = np.round((views.heights - height) / 2.0)
        left = np.round((views.widths - width) / 2.0)
        heights, widths = np.full(count, float(height)), np.full(count, float(width))
        return views.crop(top, left, heights, widths, height, width)


class RandomResizedCrop(ImageTransform):
    """A random part of the image, of `scale` of its area and `ratio` aspect (width / height),
    resized to `size`; torchvision's choice: ten tries, then the central crop of the nearest
    allowed aspect."""

    def __init__(
        self,
        size: int | Sequence[int],
        scale: tuple[float, float] = (0.08, 1.0),
        ratio: tuple[float, float] = (3 / 4, 4 / 3),
    ) -> None:
        self.size = _size_pair(size, "RandomResizedCrop")
        if not (0 < scale[0] <= scale[1]) or not (0 < ratio[0] <= ratio[1]):
            raise ValueError(
                f"need 0 < scale[0] <= scale[1] and the same of ratio: {scale}, {ratio}"
            )
        self.scale = (float(scale[0]), float(scale[1]))
        self.ratio = (float(ratio[0]), float(ratio[1]))

    _TRIES = 10

    def apply(self, views: Views, draw: Draw) -> Views:
        height, width = views.heights[:, None], views.widths[:, None]  # against each try
        u = draw(4 * self._TRIES).reshape(-1, self._TRIES, 4)
        area = height * width * (self.scale[0] + u[..., 0] * (self.scale[1] - self.scale[0]))
        log_low, log_high = math.log(self.ratio[0]), math.log(self.ratio[1])
        aspect = np.exp(log_low + u[..., 1] * (log_high - log_low))
        crop_w = np.round(np.sqrt(area * aspect))
        crop_h = np.round(np.sqrt(area / aspect))
        fits = (crop_w > 0) & (crop_w <= width) & (crop_h > 0) & (crop_h <= height)
        top = np.floor(u[..., 2] * (height - crop_h + 1))
        left = np.floor(u[..., 3] * (width - crop_w + 1))
        first = np.argmax(fits, axis=1)  # the first try that fits
        rows = np.arange(len(first))
        chosen = [values[rows, first] for values in (top, left, crop_h, crop_w)]
        fallback = ~fits.any(axis=1)
        if fallback.any():
            central = self._central(views.heights, views.widths)
            for values, central_values in zip(chosen, central, strict=True):
                values[fallback] = central_values[fallback]
        chosen_top, chosen_left, chosen_height, chosen_width = chosen
        return views.crop(chosen_top, chosen_left, chosen_height, chosen_width, *self.size)

    def _central(self, height: np.ndarray, width: np.ndarray) -> tuple[np.ndarray, ...]:
        """torchvision's fallback for each image: the central crop of the nearest allowed
        aspect."""
        in_ratio = width / height
        narrow, wide = in_ratio < self.ratio[0], in_ratio > self.ratio[1]
        crop_w = np.where(wide, np.round(height * self.ratio[1]), width)
        crop_h = np.where(narrow, np.round(width / self.ratio[0]), height)
        return (height - crop_h) // 2, (width - crop_w) // 2, crop_h, crop_w


class RandomHorizontalFlip(ImageTransform):
    """Mirror left to right with probability `p`."""

    def __init__(self, p: float = 0.5) -> None:
        if not 0 <= p <= 1:
            raise ValueError(f"p must be in [0, 1], not {p}")
        self.p = float(p)

    def apply(self, views: Views, draw: Draw) -> Views:
        return views.mirrored(draw(1)[:, 0] < self.p)


class ToTensor(ImageTransform):
    """float32 (channels, height, width) in [0, 1], as torchvision's ToTensor."""

    def apply(self, views: Views, draw: Draw) -> Views:
        return views.laid_out(Layout(True, views.layout.mean, views.layout.std))


class Normalize(ImageTransform):
    """float32 (channels, height, width) holding ``(pixel / 255 - mean[c]) / std[c]``: the
    same as torchvision's ToTensor followed by Normalize(mean, std)."""

    def __init__(self, mean: Sequence[float], std: Sequence[float]) -> None:
        if len(mean) != len(std) or not 1 <= len(mean) <= 4:
            raise ValueError("Normalize needs one mean and one std per channel (1 to 4)")
        if not all(s > 0 for s in std):
            raise ValueError(f"std must be positive: {list(std)}")
        self.mean = tuple(float(m) for m in mean)
        self.std = tuple(float(s) for s in std)

    def apply(self, views: Views, draw: Draw) -> Views:
        return views.laid_out(Layout(True, self.mean, self.std))
