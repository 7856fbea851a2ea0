"""What lands on disk is Zarr v3 exactly as DESIGN.md describes it."""

from __future__ import annotations

import json
import os

import crc32c
import numpy as np


def _root(fs_hub):
    return fs_hub.location.removeprefix("file://")


def test_array_zarr_json(fs_hub):
    fs_hub.array(
        "test/example:input",
        shape=(100, 25, 25),
        chunk=(20, 5, 5),
        dtype="uint8",
        compress="gzip",
        compresslevel=0.25,
    )
    with open(os.path.join(_root(fs_hub), "test/example:input/zarr.json")) as f:
        meta = json.load(f)
    assert meta == {
        "zarr_format": 3,
        "node_type": "array",
        "shape": [100, 25, 25],
        "data_type": "uint8",
        "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": [20, 5, 5]}},
        "chunk_key_encoding": {"name": "default", "configuration": {"separator": "/"}},
        "fill_value": 0,
        "codecs": [
            {"name": "bytes", "configuration": {"endian": "little"}},
            {"name": "gzip", "configuration": {"level": 7}},
            {"name": "crc32c"},
        ],
        "attributes": {"hub_v1": {"compress": "gzip", "compresslevel": 0.25}},
    }
    for group in ["zarr.json", "test/zarr.json"]:
        with open(os.path.join(_root(fs_hub), group)) as f:
            assert json.load(f) == {"zarr_format": 3, "node_type": "group", "attributes": {}}


def test_float_and_bool_fill_values(fs_hub):
    fs_hub.array("f", shape=(3,), dtype="float32")
    fs_hub.array("b", shape=(3,), dtype="bool")
    for name, fill in [("f", 0.0), ("b", False)]:
        with open(os.path.join(_root(fs_hub), name, "zarr.json")) as f:
            written = json.load(f)["fill_value"]
        assert written == fill and type(written) is type(fill)


def test_chunks_are_full_size_with_crc32c(fs_hub):
    array = fs_hub.array("edge", shape=(10, 3), chunk=(4, 3), dtype="int16")
    array[:] = np.arange(30).reshape(10, 3)
    with open(os.path.join(_root(fs_hub), "edge/c/2/0"), "rb") as f:
        raw = f.read()
    payload, checksum = raw[:-4], raw[-4:]
    assert len(payload) == 4 * 3 * 2  # the edge chunk is stored full size
    assert int.from_bytes(checksum, "little") == crc32c.crc32c(payload)
    stored = np.frombuffer(payload, "<i2").reshape(4, 3)
    np.testing.assert_array_equal(stored[:2], np.arange(24, 30).reshape(2, 3))
    np.testing.assert_array_equal(stored[2:], 0)  # beyond the array: the fill value


def test_only_touched_chunks_are_written(fs_hub):
    array = fs_hub.array("sparse", shape=(100, 100), chunk=(10, 10), dtype="uint8")
    array[15, 25] = 1
    array[99, 0:11] = 2
    chunk_dir = os.path.join(_root(fs_hub), "sparse", "c")
    keys = sorted(
        os.path.relpath(os.path.join(d, f), chunk_dir)
        for d, _, fs in os.walk(chunk_dir)
        for f in fs
    )
    assert keys == ["1/2", "9/0", "9/1"]
