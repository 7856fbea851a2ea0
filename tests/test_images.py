"""Image codecs on real photographs: png is exact, jpeg is as good as Pillow at the same quality,
bad layouts are refused up front, and corrupt images are errors naming the chunk and image."""

from __future__ import annotations

import io
import json
import os
import struct

import crc32c
import hub_v1 as hub
import numpy as np
import pytest
import skimage.data
import zarr
from PIL import Image

ASTRONAUT = skimage.data.astronaut()  # 512x512x3 uint8 photograph
COFFEE = skimage.data.coffee()[:384, :512]  # 400x600x3 cropped to 384x512
CAMERA = skimage.data.camera()  # 512x512 grey


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return float(10 * np.log10(255.0**2 / mse))


def _photos_rgb() -> np.ndarray:
    return np.stack([ASTRONAUT, np.asarray(Image.fromarray(COFFEE).resize((512, 512)))])


def test_png_round_trips_photos_exactly(datahub):
    photos = _photos_rgb()
    array = datahub.array(
        "rgb", shape=(4, 512, 512, 3), chunk=(2, 512, 512, 3), dtype="uint8", compress="png"
    )
    array[0:2] = photos
    array[3] = photos[0]
    np.testing.assert_array_equal(array[0:2], photos)
    np.testing.assert_array_equal(array[3], photos[0])
    assert not array[2].any()  # never written: zeros


@pytest.mark.parametrize("channels", [1, 2, 3, 4])
@pytest.mark.parametrize("dtype", ["uint8", "uint16"])
def test_png_channels_and_depths(datahub, channels, dtype):
    base = ASTRONAUT[:128, :96].astype(dtype)
    if dtype == "uint16":
        base = base * 257 + 3  # use the full 16-bit range, not just the high byte
    alpha = np.linspace(0, np.iinfo(dtype).max, 96, dtype=dtype)[None, :].repeat(128, 0)
    planes = {
        1: [base[..., 0]],
        2: [base[..., 1], alpha],
        3: list(np.moveaxis(base, -1, 0)),
        4: [*np.moveaxis(base, -1, 0), alpha],
    }[channels]
    image = np.stack(planes, axis=-1)
    array = datahub.array(
        "p", shape=(3, 128, 96, channels), chunk=(3, 128, 96, channels), dtype=dtype, compress="png"
    )
    array[1] = image
    np.testing.assert_array_equal(array[1], image)


def test_png_grey_images_of_a_rank_3_array(datahub):
    array = datahub.array(
        "grey",
        shape=(5, 512, 512),
        chunk=(2, 512, 512),
        dtype="uint8",
        compress="png",
        compresslevel=1.0,
    )
    array[:] = CAMERA
    np.testing.assert_array_equal(array[4], CAMERA)


@pytest.mark.parametrize("quality", [50, 73, 90])
def test_jpeg_matches_pillow_at_the_same_quality(fs_hub, quality):
    array = fs_hub.array(
        "j",
        shape=(1, 512, 512, 3),
        chunk=(1, 512, 512, 3),
        dtype="uint8",
        compress="jpeg",
        quality=quality,
    )
    array[0] = ASTRONAUT
    ours = array[0]
    buffer = io.BytesIO()
    Image.fromarray(ASTRONAUT).save(buffer, format="JPEG", quality=quality)
    pillow = np.asarray(Image.open(io.BytesIO(buffer.getvalue())))
    chunk = os.path.join(fs_hub.location.removeprefix("file://"), "j", "c", "0", "0", "0", "0")
    our_size = os.path.getsize(chunk) - 4  # a one-image chunk is the JPEG stream and a crc32c
    assert abs(psnr(ours, ASTRONAUT) - psnr(pillow, ASTRONAUT)) < 0.5
    assert abs(our_size / len(buffer.getvalue()) - 1) < 0.1


def test_jpeg_default_quality_and_psnr(fs_hub):
    """compresslevel 0.5 -> quality 73 (50 + round(45 * 0.5)); on this detailed photo with
    4:2:0 chroma, as Pillow's default, that keeps PSNR above 33 dB."""
    array = fs_hub.array("j", shape=(2, 512, 512, 3), dtype="uint8", compress="jpeg")
    array[:] = ASTRONAUT
    assert psnr(array[1], ASTRONAUT) > 33.0
    with open(os.path.join(fs_hub.location.removeprefix("file://"), "j", "zarr.json")) as f:
        codecs = json.load(f)["codecs"]
    # One image per inner chunk of a standard Zarr shard; only the per-image codec is ours.
    assert [codec["name"] for codec in codecs] == ["sharding_indexed"]
    inner = codecs[0]["configuration"]
    assert inner["chunk_shape"] == [1, 512, 512, 3]
    assert inner["codecs"] == [
        {"name": "hub_v1.jpeg", "configuration": {"quality": 73}},
        {"name": "crc32c"},
    ]
    fast = fs_hub.array(
        "fast", shape=(1, 64, 64), dtype="uint8", compress="jpeg", compresslevel=1.0
    )
    assert fast.compresslevel == 1.0


def test_jpeg_grey(datahub):
    array = datahub.array("g", shape=(2, 512, 512, 1), dtype="uint8", compress="jpeg", quality=95)
    array[0] = CAMERA[..., None]
    assert psnr(array[0, :, :, 0], CAMERA) > 38


def test_partial_image_selections(datahub):
    photos = _photos_rgb()
    for compress in ["png", "jpeg"]:
        array = datahub.array(
            compress,
            shape=(2, 512, 512, 3),
            chunk=(2, 512, 512, 3),
            dtype="uint8",
            compress=compress,
        )
        array[:] = photos
        full = array[:]
        for key in [(1, slice(10, 20), slice(None, None, 2), 1), (slice(None), 5), ([1, 0], 0, 0)]:
            np.testing.assert_array_equal(array[key], full[key])
        if compress == "png":
            np.testing.assert_array_equal(full, photos)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"compress": "jpeg", "dtype": "float32", "shape": (2, 8, 8, 3)}, "uint8"),
        ({"compress": "jpeg", "dtype": "uint16", "shape": (2, 8, 8, 3)}, "uint8"),
        ({"compress": "jpeg", "dtype": "uint8", "shape": (2, 8, 8, 4)}, "1 or 3 channels"),
        ({"compress": "jpeg", "dtype": "uint8", "shape": (2, 8, 8, 2)}, "1 or 3 channels"),
        ({"compress": "png", "dtype": "int16", "shape": (2, 8, 8, 3)}, "uint8 or uint16"),
        ({"compress": "png", "dtype": "uint8", "shape": (2, 8, 8, 5)}, "1 to 4 channels"),
        ({"compress": "png", "dtype": "uint8", "shape": (64,)}, "at least 2 dimensions"),
        (
            {"compress": "png", "dtype": "uint8", "shape": (2, 8, 8), "quality": 80},
            "applies to compress=.jpeg. only",
        ),
        ({"compress": "jpeg", "dtype": "uint8", "shape": (2, 8, 8), "quality": 0}, "1 to 100"),
    ],
)
def test_bad_image_layouts_fail_at_creation(datahub, kwargs, match):
    with pytest.raises(ValueError, match=match):
        datahub.array("bad", **kwargs)
    assert datahub.list() == []


def _shard_images(path, count):
    """The stored bytes of each one-image inner chunk of a shard (its JPEG/PNG stream and
    crc32c), and the shard's bytes."""
    with open(path, "rb") as f:
        data = f.read()
    index = data[-(16 * count + 4) :]
    entries = [struct.unpack_from("<QQ", index, 16 * i) for i in range(count)]
    return [data[offset : offset + size] for offset, size in entries], data, entries


def _write_with_crc(path, payload: bytes):
    with open(path, "wb") as f:
        f.write(payload + crc32c.crc32c(payload).to_bytes(4, "little"))


@pytest.mark.parametrize("compress", ["jpeg", "png"])
def test_corrupt_image_names_shard_and_image_and_others_still_read(fs_hub, compress):
    array = fs_hub.array("a", shape=(4, 128, 128, 3), dtype="uint8", compress=compress)
    assert (array.chunk, array.shard) == ((1, 128, 128, 3), (4, 128, 128, 3))
    array[:] = ASTRONAUT[:128, :128]
    path = os.path.join(fs_hub.location.removeprefix("file://"), "a", "c", "0", "0", "0", "0")
    images, data, entries = _shard_images(path, 4)
    offset, size = entries[2]
    stream = bytearray(images[2][:-4])
    # Cut image 2 short (keeping a valid checksum, as a buggy writer or an attacker would).
    stream[len(stream) // 2 :] = b"\x00" * (len(stream) - len(stream) // 2)
    damaged = bytes(stream) + crc32c.crc32c(bytes(stream)).to_bytes(4, "little")
    with open(path, "wb") as f:
        f.write(data[:offset] + damaged + data[offset + size :])
    named = r"chunk 'a/c/0/0/0/0'.*inner chunk \(2, 0, 0, 0\)"
    with pytest.raises(hub.CorruptChunkError, match=named):
        array[2]
    with pytest.raises(hub.CorruptChunkError, match=r"inner chunk \(2, 0, 0, 0\)"):
        array[:]
    assert array[1].shape == (128, 128, 3)  # image 1 decodes alone


def test_an_image_of_the_wrong_size_is_refused(fs_hub):
    array = fs_hub.array(
        "a", shape=(2, 64, 64, 3), chunk=(2, 64, 64, 3), dtype="uint8", compress="png"
    )
    array[:] = 1
    # A valid PNG of another size, spliced in with a correct header and checksum.
    small = hub._core.encode_chunk(
        json.dumps([{"name": "hub_v1.png", "configuration": {"level": 1}}]),
        np.full((2, 32, 32, 3), 200, np.uint8),
    )
    path = os.path.join(fs_hub.location.removeprefix("file://"), "a", "c", "0", "0", "0", "0")
    _write_with_crc(path, small)
    out = np.full((64, 64, 3), 7, np.uint8)
    with pytest.raises(hub.CorruptChunkError, match="32x32"):
        out[...] = array[0]
    assert (out == 7).all()


def test_writing_one_image_keeps_the_others_bytes(fs_hub):
    array = fs_hub.array("a", shape=(4, 128, 128, 3), dtype="uint8", compress="jpeg")
    array[:] = ASTRONAUT[:128, :128]
    path = os.path.join(fs_hub.location.removeprefix("file://"), "a", "c", "0", "0", "0", "0")
    before, _, _ = _shard_images(path, 4)
    array[1, 0:10] = 255  # a partial write of image 1 only
    after, _, _ = _shard_images(path, 4)
    assert after[0] == before[0] and after[2] == before[2] and after[3] == before[3]
    assert after[1] != before[1]
    assert (array[1, 0:10] > 240).all()


@pytest.mark.parametrize("compress", ["jpeg", "png"])
def test_zarr_python_reads_image_arrays(tmp_path, compress):
    datahub = hub.fs(tmp_path).connect()
    array = datahub.array(
        "imgs", shape=(3, 512, 512, 3), chunk=(2, 512, 512, 3), dtype="uint8", compress=compress
    )
    array[:] = _photos_rgb()[[0, 1, 0]]
    z = zarr.open_array(store=str(tmp_path), path="imgs", mode="r")
    np.testing.assert_array_equal(z[...], array[:])
