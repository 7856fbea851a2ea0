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


# ---------------------------------------------------------------------------------------------
# Hostile arguments: refused with an error, never a crash or a write past a buffer


def _args(count: int, height: int = 8, width: int = 8, **changes):
    args = {
        "indices": np.arange(count),
        "boxes": np.tile([0.0, 0.0, 4.0, 4.0], (count, 1)),
        "flips": np.zeros(count, dtype=bool),
        "height": height,
        "width": width,
        "float_chw": True,
        "mean": [0.5, 0.5, 0.5],
        "std": [0.25, 0.25, 0.25],
    }
    return {**args, **changes}


@pytest.mark.parametrize("channels", [5, 6, 16, 255])
def test_more_channels_than_transforms_take_are_refused_not_a_crash(channels):
    from hub_v1.transforms import Compose, Normalize, ToTensor

    images = np.zeros((2, 12, 12, channels), np.uint8)
    for pipeline in (
        Compose([ToTensor()]),
        Compose([ToTensor(), Normalize([0.5] * 3, [0.2] * 3)]),
    ):
        with pytest.raises(ValueError, match="1 to 4 channels"):
            pipeline.apply(images, [0, 1])
    mean = [0.5] * channels
    with pytest.raises(ValueError, match="1 to 4 channels"):
        _core.transform_images(images, **_args(2, mean=mean, std=mean))


def test_compose_read_of_an_array_with_too_many_channels_is_refused(tmp_path):
    from hub_v1.transforms import Compose, ToTensor

    array = (
        hub.fs(tmp_path)
        .connect()
        .array("many6", shape=(3, 8, 8, 6), chunk=(1, 8, 8, 6), dtype="uint8")
    )
    with pytest.raises(ValueError, match="1 to 4 channels"):
        Compose([ToTensor()]).read(array, [0, 1])


@pytest.mark.parametrize(
    ("what", "out"),
    [
        ("empty", np.empty(0, np.float32)),
        ("too small", np.empty((1, 3, 8, 8), np.float32)),
        ("wrong dtype", np.empty((2, 3, 8, 8), np.float64)),
        ("uint8 for floats", np.empty((2, 3, 8, 8), np.uint8)),
        ("wrong shape, same size", np.empty((2, 8, 8, 3), np.float32)),
        ("not contiguous", np.empty((2, 3, 8, 16), np.float32)[..., ::2]),
        ("read-only", np.broadcast_to(np.float32(0), (2, 3, 8, 8))),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
@pytest.mark.parametrize("source", ["read_images", "transform_images"])
def test_an_out_that_does_not_fit_the_output_exactly_is_refused(tmp_path, what, out, source):
    images = _pictures(2, 12, 12)
    with pytest.raises(ValueError, match="out must"):
        if source == "transform_images":
            _core.transform_images(images, **_args(2), out=out)
        else:
            array = (
                hub.fs(tmp_path)
                .connect()
                .array(
                    "images",
                    shape=images.shape,
                    chunk=(1, 12, 12, 3),
                    dtype="uint8",
                    compress="png",
                )
            )
            array[:] = images
            _core.read_images(array._core, **_args(2), out=out)


@pytest.mark.parametrize(
    ("height", "width"),
    [(2**31 - 1, 2**31 - 1), (2**30, 2**30), (2**31 - 1, 2**16), (2**20, 2**20)],
)
def test_output_sizes_past_memory_are_refused_not_wrapped(tmp_path, height, width):
    images = _pictures(2, 12, 12)
    with pytest.raises((ValueError, MemoryError)):
        _core.transform_images(images, **_args(2, height, width), out=np.empty(0, np.float32))
    with pytest.raises((ValueError, MemoryError)):
        _core.transform_images(images, **_args(2, height, width))
