"""Every Zarr v3 array opens, bit for bit, both ways.

zarr-python 3.1.6 and TensorStore write arrays with the spec's codecs (bytes in both byte
orders, transpose, blosc with every compressor and shuffle, gzip, zstd, crc32c, sharding),
every data type, every chunk key encoding and fill values of every form; hub_v1 reads each
and must agree with the writer bit for bit (NaN payloads included). The other way, arrays
hub_v1 writes with every standard `compress=` are read by zarr-python, by zarrs (the Rust
pipeline, in strict mode so it never falls back to Python) and by TensorStore.

Arrays are small (20 x 9, chunks 8 x 4, shards 16 x 8, so edges are partial) and only
partly written, so unwritten chunks show the fill value.
"""

from __future__ import annotations

import json
from pathlib import Path

import hub_v1 as hub
import numpy as np
import pytest
import zarr
import zarr.codecs as zc
from zarr_data_types import DTYPES

SHAPE = (20, 9)
CHUNKS = (8, 4)
SHARDS = (16, 8)
WRITTEN = np.s_[:10]  # rows 10-19 stay unwritten: chunks of fill value

# Every cname of the spec that numcodecs' c-blosc has (its build leaves snappy out; hub_v1's
# c-blosc reads and writes snappy too, see test_hub_blosc_snappy_reads_back).
BLOSC_CNAMES = ["blosclz", "lz4", "lz4hc", "zlib", "zstd"]
BLOSC_SHUFFLES = ["noshuffle", "shuffle", "bitshuffle"]


def _data(dtype: str, shape=SHAPE, seed: int = 5) -> np.ndarray:
    rng = np.random.default_rng(seed)
    kind = np.dtype(dtype).kind
    if kind == "b":
        return rng.integers(0, 2, shape).astype(bool)
    if kind in "iu":
        info = np.iinfo(dtype)
        return rng.integers(info.min, info.max, shape, dtype=dtype, endpoint=True)
    values = rng.standard_normal(shape) * 1000
    if kind == "c":
        values = values + 1j * rng.standard_normal(shape)
    values = values.astype(dtype)
    values.flat[3] = np.nan  # NaNs must come back as they were stored
    return values


def _fill(dtype: str):
    """A fill value other than zero for every data type (NaN in both parts of a complex)."""
    kind = np.dtype(dtype).kind
    return {
        "b": True,
        "i": -3,
        "u": 7,
        "f": float("nan"),
        "c": complex(float("inf"), float("nan")),
    }[kind]


def _same_bits(actual: np.ndarray, expected: np.ndarray) -> None:
    assert actual.dtype == expected.dtype and actual.shape == expected.shape
    as_bytes = [np.ascontiguousarray(values).view(np.uint8) for values in (actual, expected)]
    np.testing.assert_array_equal(*as_bytes)


def _hub_reads_as_zarr_does(root: Path, name: str, written: np.ndarray) -> None:
    """hub_v1 opens `name` and reads what the writer (checked through zarr-python) stored."""
    expected = zarr.open_array(store=str(root), path=name, mode="r")[...]
    np.testing.assert_array_equal(expected[WRITTEN], written[WRITTEN])
    array = hub.fs(root).connect().open(name)
    _same_bits(array[:], expected)
    _same_bits(array[3:17:3, ::-2], expected[3:17:3, ::-2])
    _same_bits(array[[12, 1, 7], 5], expected[[12, 1, 7], 5])


def _zarr_write(root: Path, name: str, dtype: str, **options) -> np.ndarray:
    data = _data(dtype)
    options.setdefault("fill_value", 0)
    array = zarr.create_array(
        store=str(root), name=name, shape=SHAPE, chunks=CHUNKS, dtype=dtype, **options
    )
    array[WRITTEN] = data[WRITTEN]
    return data


# zarr-python writes ------------------------------------------------------------------------


@pytest.mark.parametrize("sharded", [False, True], ids=["chunks", "shards"])
@pytest.mark.parametrize("shuffle", BLOSC_SHUFFLES)
@pytest.mark.parametrize("cname", BLOSC_CNAMES)
@pytest.mark.parametrize("dtype", ["int16", "float32"])
def test_hub_reads_zarr_python_blosc(tmp_path, dtype, cname, shuffle, sharded):
    blosc = zc.BloscCodec(cname=cname, clevel=5, shuffle=shuffle)
    data = _zarr_write(
        tmp_path, "a", dtype, compressors=[blosc], shards=SHARDS if sharded else None
    )
    _hub_reads_as_zarr_does(tmp_path, "a", data)


ZARR_CODEC_CHAINS = {
    "raw": {"compressors": []},
    "gzip": {"compressors": [zc.GzipCodec(level=5)]},
    "zstd": {"compressors": [zc.ZstdCodec(level=3, checksum=True)]},
    "crc32c": {"compressors": [zc.Crc32cCodec()]},
    "big-endian": {"serializer": zc.BytesCodec(endian="big"), "compressors": []},
    "transpose": {"filters": [zc.TransposeCodec(order=(1, 0))], "compressors": []},
    "transpose+big+blosc": {
        "filters": [zc.TransposeCodec(order=(1, 0))],
        "serializer": zc.BytesCodec(endian="big"),
        "compressors": [zc.BloscCodec(cname="zstd", shuffle="bitshuffle")],
    },
}


@pytest.mark.parametrize("sharded", [False, True], ids=["chunks", "shards"])
@pytest.mark.parametrize("chain", list(ZARR_CODEC_CHAINS))
@pytest.mark.parametrize("dtype", DTYPES)
def test_hub_reads_zarr_python_every_dtype_and_codec(tmp_path, dtype, chain, sharded):
    options = dict(ZARR_CODEC_CHAINS[chain], shards=SHARDS if sharded else None)
    data = _zarr_write(tmp_path, "a", dtype, fill_value=_fill(dtype), **options)
    _hub_reads_as_zarr_does(tmp_path, "a", data)


@pytest.mark.parametrize("sharded", [False, True], ids=["chunks", "shards"])
@pytest.mark.parametrize(
    "encoding",
    [("default", "/"), ("default", "."), ("v2", "."), ("v2", "/")],
    ids=lambda encoding: "-".join(encoding),
)
def test_hub_reads_every_chunk_key_encoding(tmp_path, encoding, sharded):
    name, separator = encoding
    data = _zarr_write(
        tmp_path,
        "a",
        "uint16",
        chunk_key_encoding={"name": name, "separator": separator},
        shards=SHARDS if sharded else None,
    )
    _hub_reads_as_zarr_does(tmp_path, "a", data)


def _spec_fill(dtype: str, fill_value) -> np.ndarray:
    """The fill value the spec defines, worked out here without any Zarr library."""
    dtype_ = np.dtype(dtype)
    if dtype_.kind == "c":
        part_dtype = np.dtype(f"f{dtype_.itemsize // 2}")
        real, imaginary = (_spec_fill(part_dtype.name, part) for part in fill_value)
        return np.array([real, imaginary]).view(dtype_).reshape(())
    if isinstance(fill_value, str) and fill_value.startswith("0x"):
        bits = np.array(int(fill_value, 16), dtype=f"u{dtype_.itemsize}")
        return bits.view(dtype_).reshape(())
    if isinstance(fill_value, str):
        return np.array(
            {"NaN": np.nan, "Infinity": np.inf, "-Infinity": -np.inf}[fill_value], dtype_
        )
    return np.array(fill_value, dtype_)


@pytest.mark.parametrize(
    "dtype, fill_value",
    [
        ("float16", "0x7e01"),  # a NaN with a payload: only hex can say it
        ("float32", "0xff800000"),  # -Infinity
        ("float32", "-Infinity"),
        ("float64", "0x7ff0000000000001"),
        ("float64", 1e300),
        ("complex64", ["0x7fc00001", -2.5]),
        ("complex128", ["Infinity", "-Infinity"]),
        ("uint64", 18446744073709551615),
        ("int64", -9223372036854775808),
        ("bool", True),
    ],
)
def test_every_fill_value_form_reads_as_the_spec_defines(tmp_path, dtype, fill_value):
    data = _data(dtype)
    written = np.s_[:8]  # whole chunks: rows 8-19 are never stored
    array = zarr.create_array(
        store=str(tmp_path), name="a", shape=SHAPE, chunks=CHUNKS, dtype=dtype, fill_value=0
    )
    array[written] = data[written]
    metadata_path = tmp_path / "a" / "zarr.json"
    metadata = json.loads(metadata_path.read_text())
    metadata["fill_value"] = fill_value
    metadata_path.write_text(json.dumps(metadata))
    expected = np.full(SHAPE, _spec_fill(dtype, fill_value), dtype)
    expected[written] = data[written]
    _same_bits(hub.fs(tmp_path).connect().open("a")[:], expected)


# TensorStore writes ------------------------------------------------------------------------

TENSORSTORE_INNER_CODECS = {
    "transpose+big+blosc": [
        {"name": "transpose", "configuration": {"order": [1, 0]}},
        {"name": "bytes", "configuration": {"endian": "big"}},
        {"name": "blosc", "configuration": {"cname": "lz4", "clevel": 5, "shuffle": "shuffle"}},
    ],
    "zstd+crc32c": [
        {"name": "bytes", "configuration": {"endian": "little"}},
        {"name": "zstd", "configuration": {"level": 3}},
        {"name": "crc32c"},
    ],
}


def _tensorstore_fill(dtype: str):
    kind = np.dtype(dtype).kind
    return {"b": True, "i": -3, "u": 7, "f": "NaN", "c": ["Infinity", "NaN"]}[kind]


@pytest.mark.parametrize("sharded", [False, True], ids=["chunks", "shards"])
@pytest.mark.parametrize("chain", list(TENSORSTORE_INNER_CODECS))
@pytest.mark.parametrize("dtype", DTYPES)
def test_hub_reads_tensorstore_arrays(tmp_path, dtype, chain, sharded):
    ts = pytest.importorskip("tensorstore")
    codecs = TENSORSTORE_INNER_CODECS[chain]
    if sharded:
        codecs = [
            {
                "name": "sharding_indexed",
                "configuration": {
                    "chunk_shape": list(CHUNKS),
                    "codecs": codecs,
                    "index_codecs": [{"name": "bytes"}, {"name": "crc32c"}],
                    "index_location": "start",
                },
            }
        ]
    spec = {
        "driver": "zarr3",
        "kvstore": {"driver": "file", "path": str(tmp_path / "a")},
        "metadata": {
            "shape": list(SHAPE),
            "chunk_grid": {
                "name": "regular",
                "configuration": {"chunk_shape": list(SHARDS if sharded else CHUNKS)},
            },
            "chunk_key_encoding": {"name": "default", "configuration": {"separator": "."}},
            "data_type": dtype,
            "fill_value": _tensorstore_fill(dtype),
            "codecs": codecs,
        },
        "create": True,
    }
    store = ts.open(spec).result()
    data = _data(dtype)
    store[WRITTEN].write(data[WRITTEN]).result()
    array = hub.fs(tmp_path).connect().open("a")
    _same_bits(array[:], store.read().result())
    _same_bits(array[2:19:4, 1::3], store[2:19:4, 1::3].read().result())


# hub_v1 writes -----------------------------------------------------------------------------

HUB_COMPRESS = [
    "default",
    "gzip",
    "zlib",
    "lz4",
    "zstd",
    "blosc",
    "blosc:cname=zstd,shuffle=bitshuffle",
    "blosc:cname=blosclz,shuffle=noshuffle,blocksize=4096",
]


def _zarrs_read(root: Path) -> np.ndarray:
    with zarr.config.set(
        {"codec_pipeline.path": "zarrs.ZarrsCodecPipeline", "codec_pipeline.strict": True}
    ):
        return zarr.open_array(store=str(root), path="a", mode="r")[...]


@pytest.mark.parametrize("sharded", [False, True], ids=["chunks", "shards"])
@pytest.mark.parametrize("dtype", ["bool", "uint8", "int16", "float32", "float64", "complex64"])
@pytest.mark.parametrize("compress", HUB_COMPRESS)
def test_every_reader_reads_what_hub_writes(tmp_path, compress, dtype, sharded):
    array = (
        hub.fs(tmp_path)
        .connect()
        .array(
            "a",
            shape=SHAPE,
            chunk=CHUNKS,
            shard=SHARDS if sharded else None,
            dtype=dtype,
            compress=compress,
        )
    )
    data = _data(dtype)
    array[WRITTEN] = data[WRITTEN]
    expected = np.zeros(SHAPE, dtype)
    expected[WRITTEN] = data[WRITTEN]
    _same_bits(zarr.open_array(store=str(tmp_path), path="a", mode="r")[...], expected)
    pytest.importorskip("zarrs")
    _same_bits(_zarrs_read(tmp_path), expected)
    ts = pytest.importorskip("tensorstore")
    spec = {"driver": "zarr3", "kvstore": {"driver": "file", "path": str(tmp_path / "a")}}
    _same_bits(ts.open(spec).result().read().result(), expected)


def test_arrays_written_with_numcodecs_lz4_and_zlib_still_open(tmp_path):
    """hub_v1 0.2 wrote compress="lz4"/"zlib" with numcodecs' codecs: they stay readable."""
    from zarr.codecs import numcodecs as zarr_numcodecs

    data = _data("int32")
    for name, codec in [("lz4", zarr_numcodecs.LZ4()), ("zlib", zarr_numcodecs.Zlib(level=5))]:
        _zarr_write(tmp_path, name, "int32", compressors=[codec])
        (stored,) = json.loads((tmp_path / name / "zarr.json").read_text())["codecs"][1:]
        assert stored["name"] == f"numcodecs.{name}"
        _hub_reads_as_zarr_does(tmp_path, name, data)


def test_hub_blosc_snappy_reads_back(tmp_path):
    """snappy is a blosc cname of the spec that numcodecs lacks: checked against TensorStore."""
    data = _data("float32")
    array = (
        hub.fs(tmp_path)
        .connect()
        .array("a", shape=SHAPE, chunk=CHUNKS, dtype="float32", compress="blosc:cname=snappy")
    )
    array[:] = data
    _same_bits(array[:], data)
    ts = pytest.importorskip("tensorstore")
    spec = {"driver": "zarr3", "kvstore": {"driver": "file", "path": str(tmp_path / "a")}}
    _same_bits(ts.open(spec).result().read().result(), data)
