"""Every codec round-trips every dtype; compresslevel lands in zarr.json as DESIGN.md maps it."""

from __future__ import annotations

import json

import numpy as np
import pytest

CODECS = ["default", "gzip", "zlib", "lz4", "zstd"]
DTYPES = [
    "bool",
    "int8",
    "int16",
    "int32",
    "int64",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
    "float16",
    "float32",
    "float64",
]


def _sample(dtype: str, shape, seed=0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    if dtype == "bool":
        return rng.integers(0, 2, shape).astype(bool)
    if dtype.startswith("float"):
        return (rng.standard_normal(shape) * 100).astype(dtype)
    info = np.iinfo(dtype)
    return rng.integers(info.min, info.max, shape, dtype=dtype, endpoint=True)


@pytest.mark.parametrize("compress", CODECS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_round_trip(datahub, compress, dtype):
    data = _sample(dtype, (37, 11, 3))
    array = datahub.array("a", shape=data.shape, chunk=(8, 4, 3), dtype=dtype, compress=compress)
    array[:] = data
    reopened = datahub.open("a")
    np.testing.assert_array_equal(reopened[:], data)
    assert reopened.dtype == np.dtype(dtype)
    assert reopened.compress == compress


def _codecs(fs_hub, name):
    root = fs_hub.location.removeprefix("file://")
    with open(f"{root}/{name}/zarr.json") as f:
        return json.load(f)["codecs"]


@pytest.mark.parametrize(
    "compress, level, expected",
    [
        ("default", 0.5, []),
        ("gzip", 1.0, [{"name": "gzip", "configuration": {"level": 1}}]),
        ("gzip", 0.0, [{"name": "gzip", "configuration": {"level": 9}}]),
        ("gzip", 0.3, [{"name": "gzip", "configuration": {"level": 7}}]),
        ("zlib", 0.5, [{"name": "numcodecs.zlib", "configuration": {"level": 5}}]),
        ("zstd", 0.5, [{"name": "zstd", "configuration": {"level": 5, "checksum": False}}]),
        ("lz4", 0.5, [{"name": "numcodecs.lz4", "configuration": {"acceleration": 1}}]),
        ("lz4", 1.0, [{"name": "numcodecs.lz4", "configuration": {"acceleration": 16}}]),
        ("lz4", 0.0, [{"name": "numcodecs.lz4", "configuration": {"acceleration": -12}}]),
        ("gzip", 7.0, [{"name": "gzip", "configuration": {"level": 1}}]),  # clamped to 1
        ("gzip", -3.0, [{"name": "gzip", "configuration": {"level": 9}}]),  # clamped to 0
    ],
)
def test_compresslevel_mapping_is_written_into_the_codecs(fs_hub, compress, level, expected):
    fs_hub.array("a", shape=(10,), dtype="uint8", compress=compress, compresslevel=level)
    bytes_codec = {"name": "bytes", "configuration": {"endian": "little"}}
    assert _codecs(fs_hub, "a") == [bytes_codec, *expected, {"name": "crc32c"}]


def test_compresslevel_is_clamped_on_the_array(datahub):
    assert datahub.array("a", shape=(4,), compress="gzip", compresslevel=3).compresslevel == 1.0
    assert datahub.array("b", shape=(4,), compress="gzip", compresslevel=-1).compresslevel == 0.0


def test_compressors_compress(fs_hub):
    data = np.tile(np.arange(256, dtype=np.uint8), 4096)  # 1 MiB, very compressible
    root = fs_hub.location.removeprefix("file://")
    sizes = {}
    for compress in CODECS:
        array = fs_hub.array(
            compress, shape=data.shape, chunk=data.shape, dtype="uint8", compress=compress
        )
        array[:] = data
        with open(f"{root}/{compress}/c/0", "rb") as f:
            sizes[compress] = len(f.read())
    assert sizes["default"] == data.nbytes + 4  # raw bytes and the crc32c
    for compress in ["gzip", "zlib", "lz4", "zstd"]:
        assert sizes[compress] < data.nbytes // 20, sizes


def test_lz4_hc_compresses_at_least_as_well_as_fast(fs_hub):
    rng = np.random.default_rng(3)
    data = rng.integers(0, 16, 1 << 20).astype(np.uint8)
    root = fs_hub.location.removeprefix("file://")
    sizes = {}
    for level in (1.0, 0.0):
        name = f"lz4_{level}"
        array = fs_hub.array(
            name,
            shape=data.shape,
            chunk=data.shape,
            dtype="uint8",
            compress="lz4",
            compresslevel=level,
        )
        array[:] = data
        with open(f"{root}/{name}/c/0", "rb") as f:
            sizes[level] = len(f.read())
    assert sizes[0.0] < sizes[1.0]


@pytest.mark.parametrize("bad", ["jpeg2000", "pickle", "GZIP", ""])
def test_unknown_codec_is_a_value_error(datahub, bad):
    with pytest.raises(ValueError, match="unknown compress"):
        datahub.array("a", shape=(4,), compress=bad)
    assert datahub.list() == []
