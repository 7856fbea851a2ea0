"""Zarr v3 sharding: small chunks for random access inside big stored objects. Round trips on
every store, the format checked against zarr-python and TensorStore both ways, empty chunks
and shards not stored, and hostile shard indexes refused as CorruptChunkError."""

from __future__ import annotations

import json
import struct

import hub_v1 as hub
import numpy as np
import pytest
import zarr
import zarr.codecs
from hub_v1.errors import CorruptChunkError

EMPTY = 2**64 - 1
# 100 items of (7, 5): inner chunks of 3 items, shards of 12, so the last shard is partial.
SHAPE, CHUNK, SHARD = (100, 7, 5), (3, 7, 5), (12, 7, 5)


@pytest.fixture
def ts():
    """TensorStore, where installed (the newest zarr-python's environment has none)."""
    return pytest.importorskip("tensorstore")


@pytest.fixture
def root(fs_hub, tmp_path):
    """The folder behind `fs_hub`."""
    return tmp_path / "store"


def _data(shape=SHAPE, dtype="int32", seed=3):
    return np.random.default_rng(seed).integers(-9000, 9000, shape).astype(dtype)


def _sharded(datahub, name="x", compress="zstd", **kwargs):
    options = {"shape": SHAPE, "chunk": CHUNK, "shard": SHARD, "dtype": "int32"}
    options.update(kwargs)
    return datahub.array(name, compress=compress, **options)


def _index(path, inner_count, at_start=False):
    """The (offset, nbytes) entries of a shard file's index, after checking its crc32c."""
    import crc32c

    raw = path.read_bytes()
    size = 16 * inner_count + 4
    index = raw[:size] if at_start else raw[-size:]
    assert struct.unpack("<I", index[-4:])[0] == crc32c.crc32c(index[:-4])
    return [struct.unpack_from("<QQ", index, 16 * i) for i in range(inner_count)]


@pytest.mark.parametrize("compress", ["default", "gzip", "lz4", "zstd"])
def test_reads_and_writes_follow_numpy(datahub, compress):
    array = _sharded(datahub, compress=compress)
    expected = _data()
    array[:] = expected
    np.testing.assert_array_equal(array[:], expected)
    # Random items across shards, strided slices, a partial-shard patch, an edge shard.
    items = [5, 90, 17, 17, 99, 0]
    np.testing.assert_array_equal(array[items], expected[items])
    np.testing.assert_array_equal(array[3:80:7, 1:6:2, -1], expected[3:80:7, 1:6:2, -1])
    array[13:20, 2] = -1
    expected[13:20, 2] = -1
    array[97:, 4, :] = np.arange(15).reshape(3, 5)
    expected[97:, 4, :] = np.arange(15).reshape(3, 5)
    np.testing.assert_array_equal(array[:], expected)
    reopened = datahub.open("x")
    assert (reopened.chunk, reopened.shard) == (CHUNK, SHARD)
    np.testing.assert_array_equal(reopened[40:60], expected[40:60])


def test_shard_must_be_a_multiple_of_chunk(local_datahub):
    with pytest.raises(ValueError, match=r"shard \[10,7,5\] must be a multiple of chunk \[3,7,5\]"):
        _sharded(local_datahub, shard=(10, 7, 5))
    assert local_datahub.array("plain", shape=(10,), dtype="uint8").shard is None


def test_a_batch_write_is_one_object_per_shard_and_empty_chunks_are_not_stored(fs_hub, root):
    array = _sharded(fs_hub, compress="default")
    data = _data()
    data[12:15] = 0  # inner chunk 0 of shard 1 is all fill
    data[24:36] = 0  # shard 2 is all fill
    array[:] = data
    shards = sorted(p.name for p in (root / "x" / "c").iterdir())
    assert shards == [str(s) for s in range(9) if s != 2]
    assert array.nshards_initialized() == 8
    assert array.nchunks_initialized() == 34 - 1 - 4  # 34 inner chunks in bounds
    entries = _index(root / "x" / "c" / "1" / "0" / "0", 4)
    assert entries[0] == (EMPTY, EMPTY)
    assert all(offset != EMPTY for offset, _ in entries[1:])
    # Writing fill over the last stored chunk of a shard removes the shard.
    array[96:] = 0
    assert not (root / "x" / "c" / "8" / "0" / "0").exists()
    np.testing.assert_array_equal(
        array[90:], np.where(np.arange(90, 100)[:, None, None] < 96, data[90:], 0)
    )


def test_decoded_inner_chunks_are_cached_by_the_shards_generation(fs_hub, default_cache):
    array = _sharded(fs_hub, compress="gzip")
    data = _data()
    array[:] = data
    before = hub.cache_stats()
    assert array[50, 3, 1] == data[50, 3, 1]
    assert array[50, 3, 2] == data[50, 3, 2]  # the same inner chunk, now from the cache
    after = hub.cache_stats()
    assert after["misses"] - before["misses"] == 1
    assert after["hits"] - before["hits"] == 1
    array[48:51, 0, 0] = 7  # another writer of the shard: the cached chunk is stale
    assert array[50, 3, 1] == data[50, 3, 1]
    assert array[50, 0, 0] == 7


@pytest.mark.parametrize("compress", ["default", "gzip", "zstd", "lz4"])
def test_zarr_python_reads_what_hub_writes(fs_hub, root, compress):
    data = _write_sharded_with_gaps(fs_hub, compress)
    np.testing.assert_array_equal(zarr.open_array(root / "x", mode="r")[:], data)
    metadata = json.loads((root / "x" / "zarr.json").read_text())
    sharding = metadata["codecs"][0]
    assert sharding["name"] == "sharding_indexed"
    assert sharding["configuration"]["codecs"][-1] == {"name": "crc32c"}
    assert [c["name"] for c in sharding["configuration"]["index_codecs"]] == ["bytes", "crc32c"]


@pytest.mark.parametrize("compress", ["default", "gzip", "zstd", "lz4", "zlib"])
def test_tensorstore_reads_what_hub_writes(fs_hub, root, compress, ts):
    data = _write_sharded_with_gaps(fs_hub, compress)
    spec = {"driver": "zarr3", "kvstore": {"driver": "file", "path": str(root / "x")}}
    np.testing.assert_array_equal(ts.open(spec).result().read().result(), data)


def _write_sharded_with_gaps(datahub, compress):
    """A sharded array "x" with a whole shard of fill (not stored); returns its data."""
    array = _sharded(datahub, compress=compress)
    data = _data()
    data[24:36] = 0
    array[:] = data
    return data


ZARR_COMPRESSORS = {
    "raw": None,
    "gzip": zarr.codecs.GzipCodec(level=3),
    "zstd": zarr.codecs.ZstdCodec(level=2),
}


@pytest.mark.parametrize("location", ["end", "start"])
@pytest.mark.parametrize("compressor", list(ZARR_COMPRESSORS))
def test_hub_reads_what_zarr_python_writes(fs_hub, root, compressor, location):
    data = _data((50, 9, 4), "float32")
    data[8:16] = 0  # a whole shard of fill: zarr-python stores nothing for it
    data[17:19] = 0  # an empty inner chunk inside a stored shard
    compressors = ZARR_COMPRESSORS[compressor]
    sharding = zarr.codecs.ShardingCodec(
        chunk_shape=(2, 3, 4),
        codecs=[zarr.codecs.BytesCodec()]
        + ([compressors] if compressors else [])
        + [zarr.codecs.Crc32cCodec()],
        index_location=location,
    )
    written = zarr.create_array(
        store=str(root / "z"),
        shape=data.shape,
        chunks=(8, 9, 4),
        dtype="float32",
        serializer=sharding,
        compressors=None,
        filters=None,
        fill_value=0,
    )
    written[:] = data
    array = fs_hub.open("z")
    assert (array.chunk, array.shard) == ((2, 3, 4), (8, 9, 4))
    np.testing.assert_array_equal(array[:], data)
    np.testing.assert_array_equal(array[[1, 49, 17, 30]], data[[1, 49, 17, 30]])
    np.testing.assert_array_equal(array[5:45:3, 2:], data[5:45:3, 2:])
    # hub_v1 patches one inner chunk; zarr-python reads the rewritten shard.
    array[20, 1] = 5.5
    data[20, 1] = 5.5
    np.testing.assert_array_equal(zarr.open_array(str(root / "z"), mode="r")[:], data)


def test_hub_reads_what_tensorstore_writes(fs_hub, root, ts):
    data = _data((30, 10), "uint16")
    data[:, 5:] = 0
    spec = {
        "driver": "zarr3",
        "kvstore": {"driver": "file", "path": str(root / "t")},
        "metadata": {
            "shape": list(data.shape),
            "data_type": "uint16",
            "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": [16, 10]}},
            "codecs": [
                {
                    "name": "sharding_indexed",
                    "configuration": {
                        "chunk_shape": [4, 5],
                        "codecs": [
                            {"name": "bytes", "configuration": {"endian": "little"}},
                            {"name": "zstd", "configuration": {"level": 3}},
                            {"name": "crc32c"},
                        ],
                        "index_codecs": [
                            {"name": "bytes", "configuration": {"endian": "little"}},
                            {"name": "crc32c"},
                        ],
                        "index_location": "start",
                    },
                }
            ],
        },
        "create": True,
    }
    ts.open(spec).result().write(data).result()
    array = fs_hub.open("t")
    np.testing.assert_array_equal(array[:], data)
    np.testing.assert_array_equal(array[[29, 3, 16]], data[[29, 3, 16]])


def test_image_arrays_default_to_one_image_per_chunk_in_shards(fs_hub, root):
    images = fs_hub.array("photos", shape=(300, 64, 48, 3), dtype="uint8", compress="jpeg")
    assert images.chunk == (1, 64, 48, 3)
    # 256 MB of decoded pixels per shard, capped at the array's length.
    assert images.shard == (300, 64, 48, 3)
    big = fs_hub.array("big", shape=(100_000, 256, 256, 3), dtype="uint8", compress="png")
    assert big.shard == (341, 256, 256, 3)
    rng = np.random.default_rng(0)
    smooth = np.clip(np.cumsum(rng.integers(-3, 4, (300, 64, 48, 3)), axis=2) + 128, 0, 255)
    pixels = smooth.astype(np.uint8)
    images[:] = pixels
    got = images[[5, 200, 17]]
    assert np.abs(got.astype(int) - pixels[[5, 200, 17]]).mean() < 8
    # zarr-python reads it with hub_v1's single-image codec inside standard sharding.
    np.testing.assert_array_equal(zarr.open_array(root / "photos", mode="r")[17], got[2])
    codecs = json.loads((root / "photos" / "zarr.json").read_text())["codecs"]
    inner = codecs[0]["configuration"]["codecs"]
    assert [c["name"] for c in inner] == ["hub_v1.jpeg", "crc32c"]


def _shard_file(root):
    return root / "x" / "c" / "1" / "0" / "0"


def _rewrite_index(path, change):
    raw = bytearray(path.read_bytes())
    size = 16 * 4
    entries = [list(struct.unpack_from("<QQ", raw, len(raw) - size - 4 + 16 * i)) for i in range(4)]
    change(entries, len(raw))
    import crc32c

    packed = b"".join(struct.pack("<QQ", *entry) for entry in entries)
    raw[-size - 4 :] = packed + struct.pack("<I", crc32c.crc32c(packed))
    path.write_bytes(bytes(raw))


HOSTILE_INDEXES = {
    "past the end": lambda e, n: e[1].__setitem__(0, n + 10),
    "overflowing": lambda e, n: e[1].__setitem__(0, 2**64 - 8),
    "overlapping": lambda e, n: e[2].__setitem__(0, e[1][0] + 1),
    "too long": lambda e, n: e[1].__setitem__(1, 2**40),
    "zero length": lambda e, n: e[1].__setitem__(1, 0),
}


@pytest.mark.parametrize("case", list(HOSTILE_INDEXES))
def test_a_hostile_index_is_a_corrupt_chunk_naming_shard_and_inner_chunk(fs_hub, root, case):
    array = _sharded(fs_hub, compress="default")
    array[:] = _data()
    _rewrite_index(_shard_file(root), HOSTILE_INDEXES[case])
    for read in (lambda: array[12:24], lambda: array[16]):
        named = r"chunk 'x/c/1/0/0'.*inner chunks? \(\d, 0, 0\)"
        with pytest.raises(CorruptChunkError, match=named):
            read()
    np.testing.assert_array_equal(array[:12], _data()[:12])  # other shards still read


def test_a_bad_index_checksum_or_size_is_a_corrupt_chunk(fs_hub, root):
    array = _sharded(fs_hub, compress="gzip")
    array[:] = _data()
    path = _shard_file(root)
    raw = bytearray(path.read_bytes())
    raw[-10] ^= 0xFF
    path.write_bytes(bytes(raw))
    with pytest.raises(CorruptChunkError, match=r"x/c/1/0/0.*index.*crc32c"):
        array[16]
    path.write_bytes(bytes(raw[:40]))  # shorter than its index
    with pytest.raises(CorruptChunkError, match=r"x/c/1/0/0.*fewer than its 68-byte index"):
        array[16]
    with pytest.raises(CorruptChunkError, match="x/c/1/0/0"):
        array[12:24]


def test_copy_and_cli_reshard(fs_hub, root):
    source = fs_hub.array("plain", shape=SHAPE, chunk=(10, 7, 5), dtype="int32", compress="lz4")
    source[:] = _data()
    sharded = hub.copy(source, fs_hub, "resharded", chunk=(1, 7, 5), shard=(25, 7, 5))
    assert (sharded.chunk, sharded.shard) == ((1, 7, 5), (25, 7, 5))
    np.testing.assert_array_equal(sharded[:], _data())
    again = hub.copy(sharded, fs_hub, "same")  # keeps the source's sharding
    assert (again.chunk, again.shard) == ((1, 7, 5), (25, 7, 5))


def test_dask_blocks_follow_shards(local_datahub):
    dask_array = pytest.importorskip("dask.array")
    array = _sharded(local_datahub)
    array[:] = _data()
    darray = array.to_dask()
    assert darray.chunks[0] == (12,) * 8 + (4,)  # one block per shard, not per inner chunk
    np.testing.assert_array_equal(darray.compute(), _data())
    stored = hub.from_dask(
        dask_array.from_array(_data(), chunks=(5, 7, 5)), local_datahub, "y",
        chunk=(3, 7, 5), shard=(12, 7, 5),
    )  # fmt: skip
    assert stored.shard == (12, 7, 5)
    np.testing.assert_array_equal(stored[:], _data())
