"""What a pipeline has made of each image of a batch so far: a box of the source image (in
source pixels, fractional) shown on an output grid, mirrored or not, and the pixel layout.

Every geometric transform maps views to views, so a whole pipeline ends as one box, one size
and one flip per image: what the engine needs to decode only the box, at a reduced scale, and
resample it once.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import ArrayLike


@dataclass(frozen=True)
class Layout:
    """The produced pixels: uint8 (height, width[, channels]), or float32 (channels, height,
    width) holding ``(pixel / 255 - mean[c]) / std[c]``."""

    float_chw: bool = False
    mean: tuple[float, ...] = ()
    std: tuple[float, ...] = ()


@dataclass(frozen=True)
class Views:
    """Image k's `boxes[k]` (top, left, height, width in source pixels) on a `heights[k]` x
    `widths[k]` grid, mirrored left to right where `flips[k]`. The grids start at each
    source image's own size and become one size once a transform resizes to a fixed one."""

    boxes: np.ndarray
    flips: np.ndarray
    heights: np.ndarray
    widths: np.ndarray
    layout: Layout = Layout()

    @staticmethod
    def whole(count: int, heights: ArrayLike, widths: ArrayLike) -> Views:
        """Whole images: of one size (ints), or each of its own (arrays of `count`)."""
        heights, widths = _per_image(heights, count), _per_image(widths, count)
        zeros = np.zeros(count)
        boxes = np.stack([zeros, zeros, heights, widths], axis=1)
        return Views(boxes, np.zeros(count, dtype=bool), heights, widths)

    def grid_size(self) -> tuple[int, int]:
        """The (height, width) every image comes out at; ValueError where they differ."""
        if len(self.heights) == 0:
            return 1, 1
        height, width = int(self.heights[0]), int(self.widths[0])
        if (self.heights != height).any() or (self.widths != width).any():
            raise ValueError(
                "this pipeline gives images of different sizes for images of different sizes; "
                "for images of any size end it with a fixed size (RandomResizedCrop, "
                "Resize((height, width)) or CenterCrop)"
            )
        return height, width

    def crop(
        self,
        top: np.ndarray,
        left: np.ndarray,
        height: np.ndarray,
        width: np.ndarray,
        out_height: int,
        out_width: int,
    ) -> Views:
        """Each image's grid rectangle (top, left, height, width, per image, in grid pixels of
        the view as shown, so mirrored where flipped) resized onto an `out_height` x
        `out_width` grid."""
        scale_y = self.boxes[:, 2] / self.heights
        scale_x = self.boxes[:, 3] / self.widths
        left = np.where(self.flips, self.widths - left - width, left)  # back to unmirrored
        boxes = np.stack(
            [
                self.boxes[:, 0] + top * scale_y,
                self.boxes[:, 1] + left * scale_x,
                height * scale_y,
                width * scale_x,
            ],
            axis=1,
        )
        return replace(self, boxes=boxes).resized(out_height, out_width)

    def resized(self, heights: ArrayLike, widths: ArrayLike) -> Views:
        """The same boxes shown on grids of `heights` x `widths` (ints, or one per image)."""
        count = len(self.flips)
        return replace(self, heights=_per_image(heights, count), widths=_per_image(widths, count))

    def mirrored(self, where: np.ndarray) -> Views:
        return replace(self, flips=self.flips ^ where)

    def laid_out(self, layout: Layout) -> Views:
        return replace(self, layout=layout)


def _per_image(sizes: ArrayLike, count: int) -> np.ndarray:
    """`sizes` as `count` floats: one size for all, or one per image."""
    return np.broadcast_to(np.asarray(sizes, dtype=np.float64), (count,)).copy()
