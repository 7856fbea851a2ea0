"""Ragged arrays (``None`` in the shape): samples of any shape, image files kept as they are,
per-sample shapes, growth, replacement, the stored layout as zarr-python reads it, and
corrupt shape tables."""

from __future__ import annotations

import io
import json
import multiprocessing
import pickle

import hub_v1 as hub
import numpy as np
import pytest
from hub_v1.errors import (
    ContainsNodeError,
    CorruptChunkError,
    InvalidArgumentError,
    OutOfBoundsError,
)
from PIL import Image
from test_crash_safety import _kill_writers, _run_all


def _boxes(count: int) -> list[np.ndarray]:
    """Sample k: (k % 5) rows of 4 floats starting at 100 k."""
    return [
        (100.0 * k + np.arange((k % 5) * 4, dtype=np.float32)).reshape(-1, 4) for k in range(count)
    ]


def _photo(height: int, width: int, seed: int) -> np.ndarray:
    """A smooth, photo-like RGB image (JPEG keeps it close)."""
    rows = np.linspace(0, 255, height)[:, None]
    columns = np.linspace(0, 255, width)[None, :]
    image = np.stack([rows + 0 * columns, columns + 0 * rows, (rows + columns) / 2], axis=-1)
    return ((image + seed * 17) % 256).astype(np.uint8)


def _file(image: Image.Image, image_format: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, image_format, **options)
    return buffer.getvalue()


def test_samples_of_every_shape_read_back_on_every_store(datahub):
    boxes = datahub.array("coco/boxes", shape=(0, None, 4), dtype="float32", shard=4)
    expected = _boxes(11)
    assert boxes.extend(expected) == 11
    assert boxes.shape == (11, None, 4) and len(boxes) == 11 and boxes.ndim == 3
    reopened = datahub.open("coco/boxes")
    assert isinstance(reopened, hub.RaggedArray) and reopened.shard == (4,)
    for k, sample in enumerate(reopened[:]):
        np.testing.assert_array_equal(sample, expected[k])
    np.testing.assert_array_equal(reopened[-3], expected[8])
    gathered = reopened[[9, 2, 2]]
    assert isinstance(gathered, list) and [s.shape for s in gathered] == [(4, 4), (2, 4), (2, 4)]
    mask = np.arange(11) % 3 == 0
    assert [s.shape[0] for s in reopened[mask]] == [0, 3, 1, 4]
    # numpy indexing within each sample: column 1 of samples 1..3
    for k, column in zip(range(1, 4), reopened[1:4, :, 1], strict=True):
        np.testing.assert_array_equal(column, expected[k][:, 1])
    np.testing.assert_array_equal(reopened[..., 0][4], expected[4][:, 0])
    assert reopened.shapes[:].tolist() == [[k % 5, 4] for k in range(11)]
    assert reopened.shapes[7].tolist() == [2, 4]
    assert reopened.shapes[[0, 10]].tolist() == [[0, 4], [0, 4]]
    with pytest.raises(OutOfBoundsError):
        reopened[11]
    with pytest.raises(OutOfBoundsError, match="sample 1"):
        reopened[1, 1]  # sample 1 has one row
    assert [s.shape for s in reopened] == [s.shape for s in expected]


def test_shapes_are_read_without_touching_the_samples(local_datahub):
    boxes = local_datahub.array("boxes", shape=(0, None, 4), dtype="float32")
    boxes.extend(_boxes(6))
    for key in local_datahub._store.list("boxes/samples"):
        if key.endswith("zarr.json"):
            continue
        local_datahub._store.delete(key)
    assert local_datahub.open("boxes").shapes[2:5].tolist() == [[2, 4], [3, 4], [4, 4]]


def test_jpeg_files_are_kept_byte_for_byte_and_decode_like_pillow(local_datahub):
    images = local_datahub.array("images", shape=(0, None, None, 3), dtype="uint8", compress="jpeg")
    rgb = Image.fromarray(_photo(240, 320, 1))
    files = [
        _file(rgb, "JPEG", quality=90),
        _file(rgb.convert("L"), "JPEG", quality=90),  # grey: 1 channel
        _file(rgb.convert("CMYK"), "JPEG", quality=90),  # CMYK, as Adobe writes it
        _file(Image.fromarray(_photo(17, 501, 2)), "JPEG", quality=75, subsampling=2),
    ]
    samples = [hub.read(data) for data in files]
    assert [s.shape for s in samples] == [(240, 320, 3), (240, 320, 1), (240, 320, 4), (17, 501, 3)]
    assert images.extend(samples) == 4
    stored = images.samples_array[:]
    assert [bytes(data) for data in stored] == files  # no decode, no re-encode
    assert images.shapes[:].tolist() == [[240, 320, 3]] * 3 + [[17, 501, 3]]
    for k, data in enumerate(files):
        expected = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))
        got = images[k]
        assert got.shape == expected.shape
        # libjpeg-turbo decodes the same bytes as Pillow's libjpeg; CMYK to RGB rounds alike.
        assert np.abs(got.astype(int) - expected).max() <= 1, k
    crop = images[3, 5:9, 100:110]
    np.testing.assert_array_equal(crop, images[3][5:9, 100:110])


def test_png_files_are_kept_with_their_channels_and_converted_otherwise(local_datahub):
    images = local_datahub.array("images", shape=(0, None, None, 3), dtype="uint8", compress="png")
    rgb = _photo(30, 40, 3)
    rgba = np.concatenate([rgb, np.full((30, 40, 1), 128, np.uint8)], axis=-1)
    kept = _file(Image.fromarray(rgb), "PNG")
    with_alpha = _file(Image.fromarray(rgba), "PNG")
    jpeg = _file(Image.fromarray(rgb), "JPEG", quality=95)
    images.extend([hub.read(kept), hub.read(with_alpha), hub.read(jpeg)])
    stored = images.samples_array[:]
    assert bytes(stored[0]) == kept and bytes(stored[1]) != with_alpha
    np.testing.assert_array_equal(images[0], rgb)
    np.testing.assert_array_equal(images[1], rgb)  # alpha dropped, as convert("RGB")
    from_jpeg = np.asarray(Image.open(io.BytesIO(jpeg)).convert("RGB"))
    np.testing.assert_array_equal(images[2], from_jpeg)  # decoded once, then lossless

    deep = local_datahub.array("deep", shape=(0, None, None), dtype="uint16", compress="png")
    grey16 = (np.arange(12 * 7, dtype=np.uint16) * 700).reshape(12, 7)
    deep.append(hub.read(_file(Image.fromarray(grey16), "PNG")))
    np.testing.assert_array_equal(deep[0], grey16)


def test_decoded_images_are_encoded_and_raw_arrays_take_image_files(local_datahub):
    images = local_datahub.array(
        "images", shape=(0, None, None, 3), dtype="uint8", compress="jpeg", quality=95
    )
    photo = _photo(64, 48, 4)
    images.append(photo)
    assert hub.read(bytes(images.samples_array[0])).shape == (64, 48, 3)
    pillow = np.asarray(Image.open(io.BytesIO(_file(Image.fromarray(photo), "JPEG", quality=95))))
    pillow_error = np.abs(pillow.astype(int) - photo).mean()
    assert np.abs(images[0].astype(int) - photo).mean() < pillow_error + 0.5  # quality 95 too
    raw = local_datahub.array("raw", shape=(0, None, None, 3), dtype="uint8", compress="zstd")
    raw.append(hub.read(_file(Image.fromarray(photo), "PNG")))
    np.testing.assert_array_equal(raw[0], photo)


def test_files_that_are_not_images_are_errors_naming_them(tmp_path, local_datahub):
    text = tmp_path / "notes.jpg"
    text.write_text("not a picture")
    with pytest.raises(InvalidArgumentError, match=r"notes\.jpg"):
        hub.read(text)
    whole = _file(Image.fromarray(_photo(50, 50, 0)), "JPEG")
    with pytest.raises(InvalidArgumentError, match="bytes is not a JPEG"):
        hub.read(whole[:300])  # cut inside the header
    truncated = hub.read(whole[: len(whole) * 2 // 3])  # the header parses; the pixels do not
    pngs = local_datahub.array("p", shape=(0, None, None, 3), dtype="uint8", compress="png")
    with pytest.raises(InvalidArgumentError, match=r"sample 0 for 'p'.*Premature end"):
        pngs.append(truncated)  # decoded to be re-encoded
    assert len(pngs) == 0
    # Into a jpeg array the file is kept as it is, unread: reading it names the sample.
    jpegs = local_datahub.array("j", shape=(0, None, None, 3), dtype="uint8", compress="jpeg")
    jpegs.append(truncated)
    with pytest.raises(CorruptChunkError, match="'j', sample 0"):
        jpegs[0]
    palette = _file(Image.fromarray(_photo(8, 8, 0)).convert("P"), "PNG")
    with pytest.raises(InvalidArgumentError, match="palette"):
        hub.read(palette)


def test_fixed_axes_and_ranks_are_checked_and_a_failed_extend_adds_nothing(local_datahub):
    boxes = local_datahub.array("boxes", shape=(0, None, 4), dtype="float32")
    boxes.extend(_boxes(3))

    def samples():
        yield np.zeros((2, 4))
        yield np.zeros((2, 5))

    with pytest.raises(InvalidArgumentError, match="sample 1 for 'boxes' has shape \\(2, 5\\)"):
        boxes.extend(samples())
    with pytest.raises(InvalidArgumentError, match="dimensions"):
        boxes.append(np.zeros(4))
    assert len(local_datahub.open("boxes")) == 3
    with pytest.raises(InvalidArgumentError, match="append for one sample"):
        boxes.extend(7)
    assert boxes.extend(np.zeros((2, 3, 4))) == 2  # an ndarray: its items are the samples
    assert boxes.shapes[3:].tolist() == [[3, 4], [3, 4]]


def test_replace_resize_and_reopen(local_datahub):
    boxes = local_datahub.array("boxes", shape=(0, None, 4), dtype="float32", shard=3)
    boxes.extend(_boxes(8))
    boxes[2] = np.full((9, 4), 7)
    boxes[-1] = np.zeros((0, 4))
    assert boxes.shapes[:].tolist()[1:3] == [[1, 4], [9, 4]] and boxes.shapes[7].tolist() == [0, 4]
    np.testing.assert_array_equal(boxes[2], np.full((9, 4), 7))
    with pytest.raises(IndexError, match="one whole sample"):
        boxes[1:3] = np.zeros((2, 1, 4))
    boxes.resize(4)
    assert len(local_datahub.open("boxes")) == 4
    boxes.resize((6, None, 4))
    assert boxes.shapes[:].tolist()[4:] == [[0, 4], [0, 4]]
    np.testing.assert_array_equal(boxes[3], _boxes(4)[3])
    with pytest.raises(InvalidArgumentError, match="only its length"):
        boxes.resize((6, 3, 4))
    # The same settings reopen the array at its own length; other settings are refused.
    again = local_datahub.array("boxes", shape=(0, None, 4), dtype="float32", shard=3)
    assert len(again) == 6
    with pytest.raises(ContainsNodeError):
        local_datahub.array("boxes", shape=(0, None, 5), dtype="float32")
    empty = local_datahub.array("empty", shape=(3, None), dtype="int16")
    assert [s.shape for s in empty[:]] == [(0,), (0,), (0,)]


def test_create_refuses_what_a_ragged_array_cannot_be(local_datahub):
    with pytest.raises(InvalidArgumentError, match="cannot be None"):
        local_datahub.array("a", shape=(None, 4), dtype="uint8")
    with pytest.raises(InvalidArgumentError, match="leave chunk"):
        local_datahub.array("a", shape=(0, None), chunk=(1, 4), dtype="uint8")
    with pytest.raises(InvalidArgumentError, match="one number"):
        local_datahub.array("a", shape=(0, None), shard=(4, 4), dtype="uint8")
    with pytest.raises(InvalidArgumentError):
        local_datahub.array("a", shape=(0, None, None, 5), dtype="uint8", compress="jpeg")
    with pytest.raises(InvalidArgumentError):
        local_datahub.array("a", shape=(0, None), dtype=str)
    assert local_datahub.node_kind("a") == "missing"


def test_listing_attributes_pickling_and_deleting(local_datahub):
    boxes = local_datahub.array("coco/boxes", shape=(0, None, 4), dtype="float32")
    boxes.extend(_boxes(2))
    boxes.attrs["format"] = "xywh"
    assert local_datahub.list() == ["coco/boxes"]  # not its samples and shapes arrays
    assert local_datahub.node_kind("coco/boxes") == "ragged"
    assert dict(local_datahub.open("coco/boxes").attrs) == {"format": "xywh"}
    copy = pickle.loads(pickle.dumps(boxes))
    np.testing.assert_array_equal(copy[1], _boxes(2)[1])
    assert "coco/boxes" in repr(copy) and "(2, None, 4)" in repr(copy)
    local_datahub.delete("coco/boxes")
    assert local_datahub.node_kind("coco/boxes") == "missing"
    assert not local_datahub._store.list("coco/boxes")


def test_zarr_python_reads_the_layout_the_docs_describe(tmp_path):
    zarr = pytest.importorskip("zarr")
    datahub = hub.fs(tmp_path).connect()
    boxes = datahub.array("boxes", shape=(0, None, 4), dtype="float32", compress="zstd")
    expected = _boxes(7)
    boxes.extend(expected)
    images = datahub.array("images", shape=(0, None, None, 3), dtype="uint8", compress="jpeg")
    jpeg = _file(Image.fromarray(_photo(20, 30, 0)), "JPEG")
    images.append(hub.read(jpeg))

    # As docs/format.md shows it: no hub_v1 needed.
    group = zarr.open_group(tmp_path / "boxes", mode="r")
    spec = group.attrs["hub_v1"]["ragged"]
    samples, shapes = group["samples"], group["shapes"]
    assert shapes.shape == (7, 1) and samples.shape == (7,)
    for k in range(7):
        full_shape = list(spec["sample_shape"])
        extents = iter(shapes[k].tolist())
        full_shape = [next(extents) if e is None else e for e in full_shape]
        values = np.frombuffer(samples[k : k + 1][0], spec["dtype"]).reshape(full_shape)
        np.testing.assert_array_equal(values, expected[k])
    image_group = zarr.open_group(tmp_path / "images", mode="r")
    assert image_group["samples"][0:1][0] == jpeg
    assert image_group.attrs["hub_v1"]["ragged"]["compress"] == "jpeg"


def test_corrupt_shape_rows_are_errors_naming_the_sample(local_datahub):
    boxes = local_datahub.array("boxes", shape=(0, None, 4), dtype="float32")
    boxes.extend(_boxes(4))
    shapes = boxes.shapes_array
    for rows in (7, -1, 2**40):
        shapes[2] = [rows]
        with pytest.raises(CorruptChunkError, match="'boxes', sample 2"):
            local_datahub.open("boxes")[2]
    images = local_datahub.array("i", shape=(0, None, None, 3), dtype="uint8", compress="jpeg")
    images.append(hub.read(_file(Image.fromarray(_photo(20, 30, 0)), "JPEG")))
    images.shapes_array[0] = [60000, 60000]
    with pytest.raises(CorruptChunkError, match="'i', sample 0"):
        local_datahub.open("i")[0]


def _extend_ragged_forever(root: str) -> None:
    boxes = hub.fs(root).connect().open("boxes")
    while True:
        length = len(boxes)
        boxes.extend(np.full((k % 3, 4), k, np.float32) for k in range(length, length + 5))


def _append_tagged_samples(root: str, writer: int, barrier) -> None:
    boxes = hub.fs(root).connect().open("boxes")
    barrier.wait()
    for batch in range(6):  # value 100 * writer + batch, rows 1 + writer
        boxes.extend(np.full((1 + writer, 4), 100 * writer + batch, np.float32) for _ in range(7))


def test_processes_appending_to_one_array_on_local_disk_take_turns(tmp_path):
    hub.fs(tmp_path).connect().array("boxes", shape=(0, None, 4), dtype="float32", shard=4)
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(3)
    _run_all(
        [
            context.Process(target=_append_tagged_samples, args=(str(tmp_path), writer, barrier))
            for writer in range(3)
        ]
    )
    samples = hub.fs(tmp_path).connect().open("boxes")[:]
    assert len(samples) == 3 * 6 * 7
    tags = []
    for start in range(0, len(samples), 7):  # each extend is 7 samples in a row, unmixed
        run = samples[start : start + 7]
        writer, batch = divmod(int(run[0][0, 0]), 100)
        for sample in run:
            np.testing.assert_array_equal(sample, np.full((1 + writer, 4), 100 * writer + batch))
        tags.append((writer, batch))
    assert sorted(tags) == [(writer, batch) for writer in range(3) for batch in range(6)]


def test_sigkill_mid_extend_leaves_a_length_whose_samples_are_all_there(tmp_path):
    hub.fs(tmp_path).connect().array("boxes", shape=(0, None, 4), dtype="float32", shard=4)
    lengths = set()
    for _ in _kill_writers(_extend_ragged_forever, tmp_path, rounds=20, longest=0.3, seed=3):
        boxes = hub.fs(tmp_path).connect().open("boxes")
        samples = boxes[:]
        assert len(samples) % 5 == 0  # whole extends only
        for k, sample in enumerate(samples):
            np.testing.assert_array_equal(sample, np.full((k % 3, 4), k, np.float32))
        lengths.add(len(samples))
    assert len(lengths) > 4


def test_the_cli_describes_ragged_arrays(tmp_path):
    from test_cli import run

    boxes = hub.fs(tmp_path).connect().array("boxes", shape=(0, None, 4), dtype="float32")
    boxes.extend(_boxes(5))
    info = run("info", str(tmp_path / "boxes"), "--json")
    assert info.returncode == 0, info.stderr
    report = json.loads(info.stdout)
    assert report["kind"] == "ragged array" and report["shape"] == [5, None, 4]
    assert report["stored_bytes"] > 0
    listing = run("ls", str(tmp_path))
    assert listing.stdout.split("\t")[:3] == ["boxes", "ragged", "(5, None, 4)"]
    copied = run("cp", str(tmp_path / "boxes"), str(tmp_path / "copy"), "--compress", "zstd")
    assert copied.returncode == 0, copied.stderr
    copy = hub.fs(tmp_path).connect().open("copy")
    assert copy.compress == "zstd" and copy.shapes[:].tolist() == boxes.shapes[:].tolist()


def test_copies_keep_image_files_and_samples(local_datahub):
    images = local_datahub.array("images", shape=(0, None, None, 3), dtype="uint8", compress="jpeg")
    files = [_file(Image.fromarray(_photo(20 + k, 30, k)), "JPEG") for k in range(5)]
    images.extend(hub.read(data) for data in files)
    images.resize(6)  # an empty sample, which stores no file
    images.attrs["source"] = "test"
    other = hub.memory().connect()
    copy = hub.copy(images, other, "copy", shard=2)
    assert copy.shard == (2,) and dict(copy.attrs) == {"source": "test"}
    assert [bytes(data) for data in copy.samples_array[:5]] == files  # byte for byte
    assert copy.shapes[5].tolist() == [0, 0, 3]
    png = hub.copy(images, other, "png", compress="png")
    np.testing.assert_array_equal(png[3], images[3])  # decoded once, then lossless
    boxes = local_datahub.array("boxes", shape=(0, None, 4), dtype="float32")
    boxes.extend(_boxes(7))
    boxes_copy = hub.copy(boxes, other, "boxes", compress="zstd")
    for got, expected in zip(boxes_copy[:], _boxes(7), strict=True):
        np.testing.assert_array_equal(got, expected)
    with pytest.raises(ContainsNodeError, match="already holds 7 samples"):
        hub.copy(boxes, other, "boxes", compress="zstd")
    with pytest.raises(InvalidArgumentError, match="not chunk"):
        hub.copy(boxes, other, "x", chunk=(1,))


def test_image_files_decode_into_fixed_arrays_and_numpy(local_datahub):
    rgb = _photo(24, 32, 5)
    png = _file(Image.fromarray(rgb), "PNG")
    np.testing.assert_array_equal(np.asarray(hub.read(png)), rgb)
    grey_jpeg = _file(Image.fromarray(rgb).convert("L"), "JPEG", quality=95)
    as_rgb = np.asarray(Image.open(io.BytesIO(grey_jpeg)).convert("RGB"))
    np.testing.assert_array_equal(hub.read(grey_jpeg).decode(3), as_rgb)
    assert hub.read(grey_jpeg).decode().shape == (24, 32, 1)

    fixed = local_datahub.array("fixed", shape=(0, 24, 32, 3), dtype="uint8", compress="png")
    fixed.append(hub.read(grey_jpeg))  # decoded to the array's 3 channels
    fixed.extend([hub.read(png)])
    fixed[0] = hub.read(png)
    np.testing.assert_array_equal(fixed[:], np.stack([rgb, rgb]))
    grey = local_datahub.array("grey", shape=(1, 24, 32), dtype="uint8")
    grey[0] = hub.read(png)  # luma, as Pillow's convert("L")
    np.testing.assert_array_equal(grey[0], np.asarray(Image.open(io.BytesIO(png)).convert("L")))
    with pytest.raises(InvalidArgumentError, match="shape \\(24, 32, 3\\)"):
        local_datahub.array("small", shape=(1, 8, 8, 3), dtype="uint8")[0] = hub.read(png)
    deep = (np.arange(6 * 5, dtype=np.uint16) * 2000).reshape(6, 5)
    decoded = hub.read(_file(Image.fromarray(deep), "PNG")).decode()
    assert decoded.dtype == np.uint16
    np.testing.assert_array_equal(decoded[..., 0], deep)
