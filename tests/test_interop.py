"""Zarr v3 interop, bit for bit: zarr-python and TensorStore read what hub_v1 writes, and
hub_v1 reads what zarr-python writes."""

from __future__ import annotations

import hub_v1 as hub
import numpy as np
import pytest
import zarr
import zarr.codecs

ZARR_CODECS = ["default", "gzip", "zlib", "lz4", "zstd", "blosc"]
TENSORSTORE_CODECS = ["default", "gzip", "zlib", "lz4", "zstd", "blosc"]


def _data(dtype="int32", shape=(50, 13, 7)):
    rng = np.random.default_rng(7)
    if dtype.startswith("float"):
        return rng.standard_normal(shape).astype(dtype)
    return rng.integers(-5000, 5000, shape).astype(dtype)


def _write_with_hub(root, name, compress, dtype="int32", level=0.5):
    datahub = hub.fs(root).connect()
    data = _data(dtype)
    array = datahub.array(
        name,
        shape=data.shape,
        chunk=(16, 5, 7),
        dtype=dtype,
        compress=compress,
        compresslevel=level,
    )
    array[:] = data
    return data


@pytest.mark.parametrize("level", [0.0, 0.5, 1.0])
@pytest.mark.parametrize("dtype", ["int32", "float64", "uint8"])
@pytest.mark.parametrize("compress", ZARR_CODECS)
def test_zarr_python_reads_hub_arrays(tmp_path, compress, dtype, level):
    data = _write_with_hub(tmp_path, "group/arr", compress, dtype, level)
    z = zarr.open_array(store=str(tmp_path), path="group/arr", mode="r")
    assert z.shape == data.shape and z.dtype == data.dtype
    np.testing.assert_array_equal(z[...], data)
    assert isinstance(zarr.open_group(store=str(tmp_path), path="group", mode="r"), zarr.Group)


@pytest.mark.parametrize("dtype", ["int32", "float32", "uint16"])
@pytest.mark.parametrize("compress", TENSORSTORE_CODECS)
def test_tensorstore_reads_hub_arrays(tmp_path, compress, dtype):
    ts = pytest.importorskip("tensorstore")  # not in the newest zarr-python's environment
    data = _write_with_hub(tmp_path, "arr", compress, dtype)
    store = ts.open(
        {"driver": "zarr3", "kvstore": {"driver": "file", "path": str(tmp_path / "arr")}},
        open=True,
    ).result()
    np.testing.assert_array_equal(store.read().result(), data)


def test_hub_reads_zarr_python_writes_into_hub_arrays(tmp_path):
    """zarr-python can also write into an lz4 array of hub_v1's (blosc with lz4hc)."""
    _write_with_hub(tmp_path, "arr", "lz4", level=0.0)
    z = zarr.open_array(store=str(tmp_path), path="arr", mode="r+")
    z[3:20, 2] = 11
    expected = _data()
    expected[3:20, 2] = 11
    np.testing.assert_array_equal(hub.fs(tmp_path).connect().open("arr")[:], expected)


ZARR_WRITER_CODECS = {
    "raw": [],
    "gzip": [zarr.codecs.GzipCodec(level=6)],
    "zstd": [zarr.codecs.ZstdCodec(level=3)],
    "crc32c": [zarr.codecs.Crc32cCodec()],
    "gzip+crc32c": [zarr.codecs.GzipCodec(level=1), zarr.codecs.Crc32cCodec()],
}


@pytest.mark.parametrize("chunks", [(10, 13, 7), (16, 5, 4)], ids=["even", "partial-edge"])
@pytest.mark.parametrize("codecs", list(ZARR_WRITER_CODECS), ids=list(ZARR_WRITER_CODECS))
@pytest.mark.parametrize("dtype", ["int32", "float64", "uint8", "int16"])
def test_hub_reads_zarr_python_arrays(tmp_path, codecs, chunks, dtype):
    data = _data(dtype)
    z = zarr.create_array(
        store=str(tmp_path),
        name="from_zarr",
        shape=data.shape,
        chunks=chunks,
        dtype=dtype,
        compressors=ZARR_WRITER_CODECS[codecs],
        fill_value=0,
    )
    z[...] = data
    array = hub.fs(tmp_path).connect().open("from_zarr")
    assert array.shape == data.shape and array.chunk == chunks
    np.testing.assert_array_equal(array[:], data)
    np.testing.assert_array_equal(array[3:9, ::-2, [6, 0]], data[3:9, ::-2, [6, 0]])


def test_hub_reads_big_endian_and_nonzero_fill_from_zarr_python(tmp_path):
    z = zarr.create_array(
        store=str(tmp_path),
        name="be",
        shape=(20, 3),
        chunks=(8, 3),
        dtype="int32",
        serializer=zarr.codecs.BytesCodec(endian="big"),
        compressors=[],
        fill_value=-7,
    )
    z[0:8] = np.arange(24).reshape(8, 3)
    array = hub.fs(tmp_path).connect().open("be")
    expected = np.full((20, 3), -7, np.int32)
    expected[0:8] = np.arange(24).reshape(8, 3)
    np.testing.assert_array_equal(array[:], expected)


def test_plain_zarr_group_opens_as_dataset(tmp_path):
    group = zarr.open_group(store=str(tmp_path), path="ds", mode="w")
    group.create_array("x", shape=(6, 2), dtype="uint8")[...] = 1
    group.create_array("y", shape=(6,), dtype="int64")[...] = np.arange(6)
    ds = hub.fs(tmp_path).connect().open("ds")
    assert isinstance(ds, hub.Dataset) and sorted(ds.keys()) == ["x", "y"]
    assert ds[2]["y"] == 2 and ds[2]["x"].tolist() == [1, 1]


def test_hub_dataset_is_a_zarr_group_with_component_attributes(tmp_path):
    datahub = hub.fs(tmp_path).connect()
    x = datahub.array("test/example:input", shape=(10, 2), dtype="uint8")
    datahub.dataset("test/dataset:train", components={"input": x})
    group = zarr.open_group(store=str(tmp_path), path="test/dataset:train", mode="r")
    assert group.attrs["hub_v1"] == {
        "components": {"input": "test/example:input"},
        "order": ["input"],
    }
