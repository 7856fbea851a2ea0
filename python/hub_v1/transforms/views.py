"""What a pipeline has made of each image of a batch so far: a box of the source image (in
source pixels, fractional) shown on an output grid, mirrored or not, and the pixel layout.

Every geometric transform maps views to views, so a whole pipeline ends as one box, one size
and one flip per image: what the engine needs to decode only the box, at a reduced scale, and
resample it once.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np


@dataclass(frozen=True)
class Layout:
    """The produced pixels: uint8 (height, width[, channels]), or float32 (channels, height,
    width) holding ``(pixel / 255 - mean[c]) / std[c]``."""

    float_chw: bool = False
    mean: tuple[float, ...] = ()
    std: tuple[float, ...] = ()


@dataclass(frozen=True)
class Views:
    """Image k's `boxes[k]` (top, left, height, width in source pixels) on a `height` x
    `width` grid, mirrored left to right where `flips[k]`."""

    boxes: np.ndarray
    flips: np.ndarray
    height: int
    width: int
    layout: Layout = Layout()

    @staticmethod
    def whole(count: int, height: int, width: int) -> Views:
        boxes = np.tile(np.array([0.0, 0.0, height, width]), (count, 1))
        return Views(boxes, np.zeros(count, dtype=bool), height, width)

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
        scale_y = self.boxes[:, 2] / self.height
        scale_x = self.boxes[:, 3] / self.width
        left = np.where(self.flips, self.width - left - width, left)  # back to unmirrored
        boxes = np.stack(
            [
                self.boxes[:, 0] + top * scale_y,
                self.boxes[:, 1] + left * scale_x,
                height * scale_y,
                width * scale_x,
            ],
            axis=1,
        )
        return replace(self, boxes=boxes, height=out_height, width=out_width)

    def resized(self, height: int, width: int) -> Views:
        return replace(self, height=height, width=width)

    def mirrored(self, where: np.ndarray) -> Views:
        return replace(self, flips=self.flips ^ where)

    def laid_out(self, layout: Layout) -> Views:
        return replace(self, layout=layout)
