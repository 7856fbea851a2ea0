"""The engine's image transforms (_core.read_images), checked against Pillow doing the same
crop boxes: a jpeg array read with crops and resizes (decoded at reduced scale where the size
allows) is within a small tolerance of Pillow's bilinear resize of the full decode, and a png
array is within rounding of it; flips mirror, normalisation matches numpy's."""

from __future__ import annotations

import hub_v1 as hub
import numpy as np
import pytest
from hub_v1 import _core
from PIL import Image


def _pictures(count: int, height: int, width: int) -> np.ndarray:
    y, x = np.mgrid[0:height, 0:width]
    base = (x * 2 + y)[None, :, :, None] + np.arange(count)[:, None, None, None] * 17
    return ((base + np.array([0, 40, 80])) % 256).astype(np.uint8)


def _pillow(image: np.ndarray, box, size) -> np.ndarray:
    top, left, height, width = box
    resized = Image.fromarray(image).resize(
        (size[1], size[0]), Image.BILINEAR, box=(left, top, left + width, top + height)
    )
    return np.asarray(resized).astype(np.int16)


@pytest.mark.parametrize("compress", ["jpeg", "png"])
def test_crops_and_resizes_match_pillow(tmp_path, compress):
    pictures = _pictures(8, 120, 160)
    quality = {"quality": 95} if compress == "jpeg" else {}
    array = (
        hub.fs(tmp_path)
        .connect()
        .array("images", shape=pictures.shape, dtype="uint8", compress=compress, **quality)
    )
    array[:] = pictures
    decoded = array[:]
    indices = np.array([0, 7, 3, 3, 5])
    boxes = np.array(
        [
            [0, 0, 120, 160],
            [10.5, 20.25, 90, 100],
            [60, 80, 40, 50],
            [0, 0, 30, 30],
            [5, 5, 110, 150],
        ]
    )
    for size in [(32, 32), (64, 48), (100, 140)]:
        out = _core.read_images(
            array._core, indices, boxes, np.zeros(5, bool), *size, False, [], []
        )
        assert out.shape == (5, *size, 3) and out.dtype == np.uint8
        for k, index in enumerate(indices):
            expected = _pillow(decoded[index], boxes[k], size)
            difference = np.abs(out[k].astype(np.int16) - expected)
            if compress == "png":
                assert difference.max() <= 1  # Pillow rounds between its two passes
            else:
                assert difference.mean() < 2.5, (size, k)


def test_flip_and_normalise(tmp_path):
    pictures = _pictures(2, 40, 60)
    array = hub.memory().connect().array("x", shape=pictures.shape, dtype="uint8", compress="png")
    array[:] = pictures
    box = np.array([[0, 0, 40, 60]])
    plain = _core.read_images(array._core, [1], box, [False], 40, 60, False, [], [])
    flipped = _core.read_images(array._core, [1], box, [True], 40, 60, False, [], [])
    np.testing.assert_array_equal(plain[0], pictures[1])
    np.testing.assert_array_equal(flipped[0], pictures[1][:, ::-1])
    mean, std = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]
    chw = _core.read_images(array._core, [1], box, [False], 40, 60, True, mean, std)
    expected = (pictures[1].transpose(2, 0, 1) / 255 - np.array(mean)[:, None, None]) / np.array(
        std
    )[:, None, None]
    assert chw.shape == (1, 3, 40, 60) and chw.dtype == np.float32
    np.testing.assert_allclose(chw[0], expected, atol=1e-5)
    same = _core.transform_images(pictures, [1], box, [False], 40, 60, True, mean, std)
    np.testing.assert_allclose(same, chw, atol=1e-6)


def test_bad_requests_are_errors(tmp_path):
    array = hub.memory().connect().array("x", shape=(2, 8, 8, 3), dtype="uint8", compress="jpeg")
    with pytest.raises(hub.InvalidArgumentError, match="not inside"):
        _core.read_images(array._core, [0], [[0, 0, 9, 8]], [False], 4, 4, False, [], [])
    with pytest.raises(hub.OutOfBoundsError):
        _core.read_images(array._core, [2], [[0, 0, 8, 8]], [False], 4, 4, False, [], [])
    several = (
        hub.memory().connect().array("y", shape=(4, 8, 8, 3), chunk=(2, 8, 8, 3), dtype="uint8")
    )
    with pytest.raises(hub.InvalidArgumentError, match="one image per chunk"):
        _core.read_images(several._core, [0], [[0, 0, 8, 8]], [False], 4, 4, False, [], [])
