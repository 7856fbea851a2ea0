"""Every codec round-trips every dtype; compresslevel lands in zarr.json as DESIGN.md maps it."""

from __future__ import annotations

import json

import numpy as np
import pytest
from zarr_data_types import DTYPES

CODECS = ["default", "gzip", "zlib", "lz4", "zstd", "blosc"]


def _sample(dtype: str, shape, seed=0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    if dtype == "bool":
        return rng.integers(0, 2, shape).astype(bool)
    if dtype.startswith("float"):
        return (rng.standard_normal(shape) * 100).astype(dtype)
    if dtype.startswith("complex"):
        return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(dtype)
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


def _blosc(cname: str, clevel: int, shuffle: str = "noshuffle", blocksize: int = 0) -> dict:
    """The blosc codec entry hub_v1 writes for a uint8 array (typesize 1)."""
    configuration = {"cname": cname, "clevel": clevel, "shuffle": shuffle, "typesize": 1}
    return {"name": "blosc", "configuration": {**configuration, "blocksize": blocksize}}


@pytest.mark.parametrize(
    "compress, level, expected",
    [
        ("default", 0.5, []),
        ("gzip", 1.0, [{"name": "gzip", "configuration": {"level": 1}}]),
        ("gzip", 0.0, [{"name": "gzip", "configuration": {"level": 9}}]),
        ("gzip", 0.3, [{"name": "gzip", "configuration": {"level": 7}}]),
        ("zlib", 0.5, [_blosc("zlib", 5)]),
        ("zstd", 0.5, [{"name": "zstd", "configuration": {"level": 5, "checksum": False}}]),
        ("lz4", 0.5, [_blosc("lz4", 5)]),
        ("lz4", 1.0, [_blosc("lz4", 1)]),
        ("lz4", 0.0, [_blosc("lz4hc", 9)]),  # below 0.5: lz4's high-compression mode
        ("blosc", 0.5, [_blosc("lz4", 5)]),
        ("blosc:cname=zstd,shuffle=bitshuffle", 0.2, [_blosc("zstd", 7, "bitshuffle")]),
        ("blosc:blocksize=4096,cname=blosclz", 1.0, [_blosc("blosclz", 1, blocksize=4096)]),
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
    for compress in ["gzip", "zlib", "lz4", "zstd", "blosc"]:
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


def test_multi_byte_numbers_are_shuffled_by_byte(fs_hub):
    fs_hub.array("f", shape=(10,), dtype="float32", compress="lz4")
    fs_hub.array("c", shape=(10,), dtype="complex128", compress="blosc:cname=zstd")
    (f_blosc,) = [codec for codec in _codecs(fs_hub, "f") if codec["name"] == "blosc"]
    (c_blosc,) = [codec for codec in _codecs(fs_hub, "c") if codec["name"] == "blosc"]
    assert f_blosc["configuration"]["shuffle"] == "shuffle"
    assert f_blosc["configuration"]["typesize"] == 4
    assert c_blosc["configuration"] == {
        "cname": "zstd",
        "clevel": 5,
        "shuffle": "shuffle",
        "typesize": 16,
        "blocksize": 0,
    }


@pytest.mark.parametrize(
    "bad, message",
    [
        ("blosc:cname=brotli", "cname must be one of"),
        ("blosc:shuffle=yes", "shuffle must be"),
        ("blosc:blocksize=big", "blocksize must be a whole number"),
        ("blosc:level=3", "unknown option 'level'"),
        ("blosc:zstd", "each option is name=value"),
    ],
)
def test_bad_blosc_options_are_value_errors(datahub, bad, message):
    with pytest.raises(ValueError, match=message):
        datahub.array("a", shape=(4,), compress=bad)
    assert datahub.list() == []
