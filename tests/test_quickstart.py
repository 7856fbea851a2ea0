"""The README quick-start and the seed tutorial's array and dataset snippets, as users run them."""

from __future__ import annotations

import os

import hub_v1 as hub
import numpy as np


def test_quickstart_snippet_from_the_issue(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    datahub = hub.fs("./data/cache").connect()
    big = datahub.array(
        "your_array_name", shape=(100000, 512, 512, 3), chunk=(100, 512, 512, 3), dtype="int32"
    )
    image = np.random.default_rng(0).random((512, 512, 3)) * 100
    big[0, :, :, :] = image  # cast to int32, one chunk written
    chunk_files = [
        f for f in os.listdir("data/cache/your_array_name/c/0/0/0") if not f.startswith(".")
    ]
    assert chunk_files == ["0"]

    arr = datahub.open("your_array_name")[0, :5, :, :]
    assert isinstance(arr, np.ndarray)
    assert arr.shape == (5, 512, 3) and arr.dtype == np.int32
    np.testing.assert_array_equal(arr, image[:5].astype(np.int32))

    x = datahub.array(
        name="test/example:input", shape=(100, 25, 25), chunk=(20, 5, 5), dtype="uint8"
    )
    y = datahub.array(name="test/example:label", shape=(100, 4), chunk=(20, 2), dtype="uint8")
    ds = datahub.dataset(name="test/dataset:train", components={"input": x, "label": y})
    ds = datahub.open("test/dataset:train")
    ds["input"][1:3] = np.ones((2, 25, 25))
    ds["input", 1:3] = np.ones((2, 25, 25))
    batch = ds[0:32]
    assert set(batch) == {"input", "label"}
    assert batch["input"].shape == (32, 25, 25) and batch["label"].shape == (32, 4)
    assert len(ds) == 100
    expected = np.zeros((32, 25, 25), np.uint8)
    expected[1:3] = 1
    np.testing.assert_array_equal(batch["input"], expected)


def test_tutorial_array_reads_zeros_and_reopens(datahub):
    bigarray = datahub.array(
        "your_array_name", shape=(100000, 512, 512, 3), chunk=(100, 512, 512, 3), dtype="int32"
    )
    assert bigarray.shape == (100000, 512, 512, 3)
    assert not bigarray[99999, :2, :2].any()
    reopened = datahub.open("your_array_name")
    assert reopened.shape == (100000, 512, 512, 3)
    assert reopened.chunk == (100, 512, 512, 3)
    assert reopened.dtype == np.int32


def test_tutorial_batch_write_with_gzip(datahub):
    bigarray = datahub.array(
        "gz",
        shape=(1000, 64, 64, 3),
        chunk=(100, 64, 64, 3),
        dtype="int32",
        compress="gzip",
        compresslevel=0.3,
    )
    values = np.random.default_rng(1).integers(0, 1000, (2, 64, 64, 3))
    bigarray[0:2] = values
    np.testing.assert_array_equal(bigarray[0:2], values)
    assert bigarray.compress == "gzip" and bigarray.compresslevel == 0.3
