"""Datasets with ragged components (images of any size, a variable number of boxes) beside
strings and fixed-shape arrays: growing together, reading, reopening, and failures and kills
that leave every component at one length."""

from __future__ import annotations

import io
import json

import hub_v1 as hub
import numpy as np
import pytest
from hub_v1.errors import InvalidArgumentError
from PIL import Image
from test_crash_safety import _kill_writers


def _jpeg(height: int, width: int, seed: int) -> bytes:
    rng = np.random.default_rng(seed)
    pixels = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def _coco(datahub: hub.DataHub, shard: int = 2) -> hub.Dataset:
    images = datahub.array(
        "coco/images", shape=(0, None, None, 3), dtype="uint8", compress="jpeg", shard=shard
    )
    boxes = datahub.array("coco/boxes", shape=(0, None, 4), dtype="float32", shard=shard)
    captions = datahub.array("coco/captions", shape=(0,), dtype="str")
    labels = datahub.array("coco/labels", shape=(0,), dtype="int64")
    return datahub.dataset(
        "coco/train",
        components={"images": images, "boxes": boxes, "captions": captions, "labels": labels},
    )


def _boxes(k: int) -> np.ndarray:
    return np.full((k % 4, 4), k, np.float32)


def test_a_dataset_with_ragged_components_grows_and_reads_on_every_store(datahub):
    ds = _coco(datahub)
    files = [_jpeg(20 + 3 * k, 30 + k, k) for k in range(5)]
    ds.append({"images": hub.read(files[0]), "boxes": _boxes(0), "captions": "a", "labels": 0})
    assert (
        ds.extend(
            {
                "images": [hub.read(f) for f in files[1:]],
                "boxes": [_boxes(k) for k in range(1, 5)],
                "captions": ["b", "c", "d", "e"],
                "labels": [1, 2, 3, 4],
            }
        )
        == 5
    )
    assert ds.shape == (5,) and len(ds) == 5

    reopened = datahub.open("coco/train")
    assert isinstance(reopened["images"], hub.RaggedArray)
    assert reopened["images"].shapes[:].tolist() == [[20 + 3 * k, 30 + k, 3] for k in range(5)]
    # the files are stored byte for byte: one sample is one of them
    assert reopened["images"].samples_array[3] == files[3]
    item = reopened[2]
    assert item["images"].shape == (26, 32, 3) and item["captions"] == "c"
    np.testing.assert_array_equal(item["boxes"], _boxes(2))
    batch = reopened[1:4]
    assert [b.shape for b in batch["boxes"]] == [(1, 4), (2, 4), (3, 4)]
    assert [i.shape[:2] for i in batch["images"]] == [(23, 31), (26, 32), (29, 33)]
    assert batch["labels"].tolist() == [1, 2, 3]
    assert [b.shape for b in reopened["boxes", 3:]] == [(3, 4), (0, 4)]
    assert "None" in repr(reopened) and "'boxes'" in repr(reopened)
    samples = list(reopened)
    assert len(samples) == 5 and samples[4]["captions"] == "e"


def test_a_failed_append_leaves_every_component_at_its_length(local_datahub):
    ds = _coco(local_datahub)
    good = {"images": [hub.read(_jpeg(8, 8, 0))], "boxes": [_boxes(1)], "captions": ["x"]}
    ds.extend({**good, "labels": [7]})
    bad_boxes = {**good, "boxes": [np.zeros((2, 5), np.float32)], "labels": [8]}
    with pytest.raises(InvalidArgumentError, match="axis"):
        ds.extend(bad_boxes)
    four_channels = {**good, "images": [np.zeros((8, 8, 4), np.uint8)], "labels": [8]}
    with pytest.raises(InvalidArgumentError, match="axis 3"):
        ds.extend(four_channels)
    with pytest.raises(InvalidArgumentError, match="every component"):
        ds.extend(good)
    with pytest.raises(InvalidArgumentError, match="as many samples"):
        ds.extend({**good, "boxes": [_boxes(1), _boxes(2)], "labels": [8]})
    with pytest.raises(InvalidArgumentError, match="sequence of samples"):
        ds.extend({**good, "images": hub.read(_jpeg(8, 8, 1)), "labels": [8]})
    reopened = local_datahub.open("coco/train")
    assert len(reopened) == 1
    assert {name: len(array) for name, array in reopened.items()} == dict.fromkeys(
        ["images", "boxes", "captions", "labels"], 1
    )


def test_a_plain_zarr_group_with_a_ragged_array_opens_as_a_dataset(local_datahub):
    boxes = local_datahub.array("group/boxes", shape=(0, None, 4), dtype="float32")
    labels = local_datahub.array("group/labels", shape=(0,), dtype="int64")
    boxes.extend([_boxes(k) for k in range(3)])
    labels.extend([0, 1, 2])
    found = local_datahub.open("group")
    assert isinstance(found, hub.Dataset) and sorted(found.keys()) == ["boxes", "labels"]
    assert [b.shape for b in found[0:3]["boxes"]] == [(0, 4), (1, 4), (2, 4)]
    by_name = local_datahub.dataset("d", components={"boxes": "group/boxes", "labels": labels})
    assert isinstance(by_name["boxes"], hub.RaggedArray) and len(by_name) == 3


def test_components_longer_than_the_dataset_are_overwritten_from_its_length(local_datahub):
    ds = _coco(local_datahub)
    ds.extend(
        {
            "images": [hub.read(_jpeg(8, 8, 0))],
            "boxes": [_boxes(1)],
            "captions": ["x"],
            "labels": [1],
        }
    )
    ds["boxes"].extend([_boxes(3), _boxes(3)])  # as an append interrupted between components
    assert len(ds) == 1 and len(ds["boxes"]) == 3
    ds.append(
        {"images": hub.read(_jpeg(9, 9, 1)), "boxes": _boxes(2), "captions": "y", "labels": 2}
    )
    assert len(local_datahub.open("coco/train")) == 2
    np.testing.assert_array_equal(ds["boxes"][1], _boxes(2))


def _append_samples_forever(root: str) -> None:
    ds = hub.fs(root).connect().open("coco/train")
    while True:
        n = len(ds)
        ds.extend(
            {
                "images": [hub.read(_jpeg(8 + k % 5, 8, k)) for k in range(n, n + 3)],
                "boxes": [_boxes(k) for k in range(n, n + 3)],
                "captions": [str(k) for k in range(n, n + 3)],
                "labels": list(range(n, n + 3)),
            }
        )


def test_sigkill_mid_append_leaves_whole_samples_in_every_component(tmp_path):
    _coco(hub.fs(tmp_path).connect(), shard=4)
    lengths = set()
    for _ in _kill_writers(_append_samples_forever, tmp_path, rounds=12, longest=0.4, seed=5):
        ds = hub.fs(tmp_path).connect().open("coco/train")
        n = len(ds)
        assert n % 3 == 0
        batch = ds[0:n]
        assert batch["labels"].tolist() == list(range(n))
        assert list(batch["captions"]) == [str(k) for k in range(n)]
        for k in range(n):
            np.testing.assert_array_equal(batch["boxes"][k], _boxes(k))
            assert batch["images"][k].shape == (8 + k % 5, 8, 3)
        lengths.add(n)
    assert len(lengths) > 3


def test_the_cli_describes_a_dataset_with_ragged_components(tmp_path):
    from test_cli import run

    ds = _coco(hub.fs(tmp_path).connect())
    ds.append(
        {"images": hub.read(_jpeg(8, 8, 0)), "boxes": _boxes(1), "captions": "x", "labels": 1}
    )
    report = json.loads(run("info", str(tmp_path / "coco/train"), "--json").stdout)
    assert report["kind"] == "dataset" and report["shape"] == [1]
    assert report["components"]["images"]["kind"] == "ragged array"
    assert report["components"]["images"]["shape"] == [1, None, None, 3]
    assert report["components"]["labels"]["kind"] == "array"
    text = run("info", str(tmp_path / "coco/train"))
    assert text.returncode == 0, text.stderr
    assert "boxes (coco/boxes)" in text.stdout and "1 samples each" not in text.stdout
    assert "samples each" in text.stdout and "chunks stored" in text.stdout
