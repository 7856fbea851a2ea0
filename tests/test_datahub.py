"""DataHub and Dataset behaviour users of the seed tutorial rely on."""

from __future__ import annotations

import hub_v1 as hub
import numpy as np
import pytest


def _tutorial_dataset(datahub):
    x = datahub.array(
        name="test/example:input", shape=(100, 25, 25), chunk=(20, 5, 5), dtype="uint8"
    )
    y = datahub.array(name="test/example:label", shape=(100, 4), chunk=(20, 2), dtype="uint8")
    return datahub.dataset(name="test/dataset:train", components={"input": x, "label": y})


def test_dataset_shape_len_and_items(datahub):
    ds = _tutorial_dataset(datahub)
    assert ds.shape == (100,) and len(ds) == 100
    ds["label"][:] = np.arange(400).reshape(100, 4) % 256
    item = ds[7]
    assert set(item) == {"input", "label"}
    assert item["input"].shape == (25, 25) and item["label"].tolist() == [28, 29, 30, 31]
    np.testing.assert_array_equal(ds["label", 7], ds["label"][7])
    np.testing.assert_array_equal(ds["label", 7, 1:3], ds["label"][7, 1:3])
    assert isinstance(ds["label", 7, 0], np.uint8)
    batch = ds[[3, 1, 2]]
    assert batch["label"][:, 0].tolist() == [12, 4, 8]


def test_dataset_shape_is_the_shared_leading_shape(datahub):
    a = datahub.array("a", shape=(10, 3, 5), dtype="uint8")
    b = datahub.array("b", shape=(10, 3), dtype="uint8")
    assert datahub.dataset("d", components={"a": a, "b": b}).shape == (10, 3)
    c = datahub.array("c", shape=(11,), dtype="uint8")
    with pytest.raises(ValueError, match="share their first dimension"):
        datahub.dataset("e", components={"a": a, "c": c})


def test_dataset_writes(datahub):
    ds = _tutorial_dataset(datahub)
    ds[0:2] = {"input": np.full((2, 25, 25), 3), "label": 1}
    ds["label", 5] = [9, 9, 9, 9]
    assert (ds["input"][0:2] == 3).all() and ds["label"][5].tolist() == [9] * 4
    with pytest.raises(KeyError):
        ds[0] = {"nope": 1}
    with pytest.raises(KeyError):
        ds["nope"]
    with pytest.raises(ValueError):
        ds[0] = 5


def test_open_returns_array_or_dataset(datahub):
    _tutorial_dataset(datahub)
    assert isinstance(datahub.open("test/dataset:train"), hub.Dataset)
    assert isinstance(datahub.open("test/example:input"), hub.Array)
    assert repr(datahub.open("test/dataset:train")).startswith(
        "hub_v1.Dataset('test/dataset:train'"
    )


def test_list_and_delete(datahub):
    _tutorial_dataset(datahub)
    datahub.array("other", shape=(3,))
    assert datahub.list() == [
        "other",
        "test/dataset:train",
        "test/example:input",
        "test/example:label",
    ]
    assert datahub.list("test") == [
        "test/dataset:train",
        "test/example:input",
        "test/example:label",
    ]
    datahub.delete("test/example:input")
    assert "test/example:input" not in datahub.list()
    with pytest.raises(KeyError):
        datahub.open("test/example:input")
    datahub.delete("test/dataset:train")
    assert datahub.list() == ["other", "test/example:label"]


def test_array_on_existing_name(datahub):
    a = datahub.array("a", shape=(10,), dtype="int32")
    a[3] = 5
    again = datahub.array("a", shape=(10,), dtype="int32")  # same settings: reopened, data kept
    assert again[3] == 5
    with pytest.raises(hub.ContainsNodeError, match="already exists"):
        datahub.array("a", shape=(11,), dtype="int32")
    assert datahub.open("a")[3] == 5
    fresh = datahub.array("a", shape=(11,), dtype="int32", overwrite=True)
    assert fresh.shape == (11,) and fresh[3] == 0


def test_arrays_cannot_nest_in_arrays(datahub):
    datahub.array("a", shape=(4,))
    with pytest.raises(ValueError, match="is an array"):
        datahub.array("a/b", shape=(4,))


def test_default_chunk_is_1_to_16_mb_along_first_axis(datahub):
    rows = datahub.array("rows", shape=(1000000, 64), dtype="float32")  # 256 B per sample
    chunk_bytes = np.prod(rows.chunk) * rows.dtype.itemsize
    assert rows.chunk[1:] == (64,) and rows.shard is None
    assert 1 << 20 <= chunk_bytes <= 16 << 20
    small = datahub.array("small", shape=(100, 4), dtype="float32")
    assert small.chunk == (100, 4) and small.shard is None
    wide = datahub.array("wide", shape=(10, 8192, 8192), dtype="float32")  # 256 MB per item
    assert wide.chunk[0] == 1 and np.prod(wide.chunk) * 4 <= 16 << 20 and wide.shard is None


def test_samples_of_16_kib_or_more_get_a_chunk_each_in_shards_of_the_default_chunk(datahub):
    """Random samples are then read alone, not with the ~8 MB chunk around them."""
    images = datahub.array("big", shape=(100000, 512, 512, 3), dtype="uint8")
    assert images.chunk == (1, 512, 512, 3)
    assert 1 << 20 <= np.prod(images.shard) <= 16 << 20 and images.shard[1:] == (512, 512, 3)
    edge = datahub.array("edge", shape=(5000, 4096), dtype="float32")  # exactly 16 KiB
    assert edge.chunk == (1, 4096) and edge.shard == (512, 4096)
    below = datahub.array("below", shape=(5000, 4095), dtype="float32")
    assert below.shard is None and below.chunk[0] > 1
    one = datahub.array("one", shape=(1, 128, 128, 3), dtype="uint8")  # one sample: one chunk
    assert one.chunk == (1, 128, 128, 3) and one.shard is None
    explicit = datahub.array("explicit", shape=(100, 128, 128, 3), chunk=(10, 128, 128, 3))
    assert explicit.shard is None
    data = np.random.default_rng(0).integers(0, 255, (300, 64, 64, 4), dtype=np.uint8)
    stored = datahub.array("stored", shape=data.shape, dtype="uint8", compress="gzip")
    assert stored.chunk == (1, 64, 64, 4)
    stored[:] = data
    np.testing.assert_array_equal(stored[[299, 0, 150]], data[[299, 0, 150]])
    np.testing.assert_array_equal(stored[:], data)


def test_array_properties_and_repr(datahub):
    array = datahub.array(
        "p", shape=(6, 5), chunk=(4, 5), dtype="uint16", compress="lz4", compresslevel=0.8
    )
    assert (array.shape, array.chunk, array.dtype, array.compress) == (
        (6, 5),
        (4, 5),
        np.uint16,
        "lz4",
    )
    assert array.compresslevel == pytest.approx(0.8)
    assert len(array) == 6 and array.ndim == 2 and array.nbytes == 60
    text = repr(array)
    assert "shape=(6, 5)" in text and "chunk=(4, 5)" in text and "dtype='uint16'" in text
    assert np.asarray(array).shape == (6, 5)


def test_memory_connections_are_separate_and_shared_per_connection():
    connection = hub.memory()
    connection.connect().array("a", shape=(3,))
    assert connection.connect().list() == ["a"]
    assert hub.memory().connect().list() == []


def test_new_array_writes_only_metadata(fs_hub):
    import os

    fs_hub.array("huge", shape=(100000, 512, 512, 3), chunk=(100, 512, 512, 3), dtype="int32")
    root = fs_hub.location.removeprefix("file://")
    files = sorted(
        os.path.relpath(os.path.join(d, f), root) for d, _, fs in os.walk(root) for f in fs
    )
    assert files == ["huge/zarr.json", "zarr.json"]


def test_overwrite_with_bad_settings_keeps_the_old_array(datahub):
    old = datahub.array("a", shape=(4,), dtype="int32")
    old[:] = [1, 2, 3, 4]
    with pytest.raises(ValueError, match="unknown compress"):
        datahub.array("a", shape=(4,), dtype="int32", compress="nope", overwrite=True)
    assert datahub.open("a")[:].tolist() == [1, 2, 3, 4]


def test_a_dataset_is_a_mapping_of_components_in_creation_order(datahub):
    b = datahub.array("b", shape=(6,), dtype="int32")
    a = datahub.array("a", shape=(6, 2), dtype="uint8")
    ds = datahub.dataset("d", components={"label": b, "image": a})
    for dataset in (ds, datahub.open("d")):
        assert dataset.keys() == ["label", "image"]
        assert [array.name for array in dataset.values()] == ["b", "a"]
        assert [(name, array.shape) for name, array in dataset.items()] == [
            ("label", (6,)),
            ("image", (6, 2)),
        ]
        samples = list(dataset)  # iterating still yields samples
        assert len(samples) == 6 and set(samples[0]) == {"label", "image"}


def test_components_may_be_given_by_array_name(datahub):
    arr_b = datahub.array("data/b", shape=(4, 3), dtype="uint8")
    datahub.array("path/to/a", shape=(4,), dtype="int16")[:] = [1, 2, 3, 4]
    ds = datahub.dataset("mixed", components={"a": "path/to/a", "b": arr_b})
    assert ds["a"][:].tolist() == [1, 2, 3, 4]
    assert datahub.open("mixed").keys() == ["a", "b"]
    with pytest.raises(KeyError, match="no array or dataset named 'missing'"):
        datahub.dataset("bad", components={"a": "missing"})
    with pytest.raises(ValueError, match="is a dataset, not an array"):
        datahub.dataset("bad", components={"a": "mixed"})
    with pytest.raises(ValueError, match="invalid name"):
        datahub.dataset("bad", components={"a": "../escape"})
