"""Arrays of text and bytes (``dtype=str`` / ``dtype=bytes``): one Python object per element,
stored as Zarr v3 ``string`` / ``bytes`` with vlen-utf8 / vlen-bytes, on every store, sharded
or not, read and written by zarr-python, growing, and hostile chunks refused."""

from __future__ import annotations

import json
import struct

import hub_v1 as hub
import numpy as np
import pytest
import zarr
from hub_v1.errors import CorruptChunkError, InvalidArgumentError

WORDS = ["a", "bé", "", "xyz", "ü€𝄞", "tail " * 40, "", "q"]
BLOBS = [b"a\x00", b"", b"\xff\xfe\x00", b"x" * 3000, b"\x00", b"", b"q", b"zz"]


@pytest.mark.parametrize("shard", [None, (4,)])
def test_text_and_bytes_round_trip_on_every_store(datahub, shard):
    chunk = (1,) if shard else (3,)
    text = datahub.array("text", shape=(8,), chunk=chunk, shard=shard, dtype=str)
    blobs = datahub.array("blobs", shape=(8,), chunk=chunk, shard=shard, dtype=bytes)
    text[:] = WORDS
    blobs[:] = BLOBS
    reopened = datahub.open("text")
    assert isinstance(reopened.dtype, np.dtypes.StringDType)
    assert reopened[1] == "bé" and type(reopened[1]) is str
    np.testing.assert_array_equal(reopened[:], np.array(WORDS, dtype=np.dtypes.StringDType()))
    assert reopened[[7, 0, 4]].tolist() == [WORDS[7], WORDS[0], WORDS[4]]
    got = datahub.open("blobs")[:]
    assert got.dtype == object and got.tolist() == BLOBS  # trailing NULs kept
    assert datahub.open("blobs")[2] == b"\xff\xfe\x00"
    # One element rewritten in place, the rest of its chunk or shard kept.
    text[5] = "short"
    blobs[3:5] = [b"", b"new"]
    assert datahub.open("text")[:].tolist() == [*WORDS[:5], "short", *WORDS[6:]]
    assert datahub.open("blobs")[:].tolist() == [*BLOBS[:3], b"", b"new", *BLOBS[5:]]


def test_elements_never_written_read_as_empty_and_values_broadcast(local_datahub):
    grid = local_datahub.array("grid", shape=(4, 3), chunk=(2, 2), dtype="str")
    assert grid[:].tolist() == [[""] * 3] * 4
    grid[1] = "row"  # a scalar fills the row
    grid[2:4, 0] = ["x", "y"]
    assert grid[:].tolist() == [["", "", ""], ["row"] * 3, ["x", "", ""], ["y", "", ""]]
    assert grid[1:3, 1:].shape == (2, 2)
    assert "dtype='str'" in repr(grid)
    blobs = local_datahub.array("b", shape=(2,), dtype=bytes)
    assert "dtype='bytes'" in repr(blobs)


def test_wrong_item_types_are_refused_naming_the_item(local_datahub):
    blobs = local_datahub.array("b", shape=(3,), dtype=bytes)
    with pytest.raises(InvalidArgumentError, match="item 1 of the value is str, not bytes"):
        blobs[:] = np.array([b"ok", "text", b"ok"], dtype=object)
    with pytest.raises(UnicodeEncodeError):
        local_datahub.array("t", shape=(1,), dtype=str)[0] = "\ud800"  # a lone surrogate
    assert blobs[:].tolist() == [b"", b"", b""]  # nothing written


@pytest.mark.parametrize("shard", [None, (3,)])
def test_zarr_python_reads_what_hub_v1_writes_and_back(tmp_path, shard):
    datahub = hub.fs(tmp_path).connect()
    chunk = (1,) if shard else (2,)
    datahub.array("text", shape=(6,), chunk=chunk, shard=shard, dtype=str)[:] = WORDS[:6]
    datahub.array("blobs", shape=(6,), chunk=chunk, shard=shard, dtype=bytes)[:] = BLOBS[:6]
    assert zarr.open_array(str(tmp_path / "text"), mode="r")[:].tolist() == WORDS[:6]
    assert zarr.open_array(str(tmp_path / "blobs"), mode="r")[:].tolist() == BLOBS[:6]
    metadata = json.loads((tmp_path / "blobs" / "zarr.json").read_text())
    assert metadata["data_type"] == "bytes" and metadata["fill_value"] == ""

    # zarr-python's own arrays: its defaults (zstd), its name for bytes, sharded or not.
    zs = zarr.create_array(str(tmp_path / "zs"), shape=(6,), chunks=chunk, shards=shard, dtype=str)
    zs[:] = WORDS[:6]
    with pytest.warns(Warning, match="Zarr V3 specification"):  # zarr-python: "unstable"
        zb = zarr.create_array(
            str(tmp_path / "zb"),
            shape=(6,),
            chunks=chunk,
            shards=shard,
            dtype=zarr.core.dtype.VariableLengthBytes(),
        )
    zb[:] = np.array(BLOBS[:6], dtype=object)
    assert datahub.open("zs")[:].tolist() == WORDS[:6]
    assert datahub.open("zb")[:].tolist() == BLOBS[:6]
    datahub.open("zs")[2] = "from hub_v1"
    assert zarr.open_array(str(tmp_path / "zs"), mode="r")[2] == "from hub_v1"


def test_text_arrays_grow_alone_and_in_datasets(datahub):
    captions = datahub.array("captions", shape=(0,), dtype=str)
    captions.append("a cat")
    assert captions.extend(["two", "words"]) == 2
    assert captions.extend(f"gen {i}" for i in range(5)) == 5
    assert datahub.open("captions")[:].tolist() == ["a cat", "two", "words"] + [
        f"gen {i}" for i in range(5)
    ]
    captions.resize(0)
    assert datahub.open("captions").shape == (0,)
    labels = datahub.array("labels", shape=(0,), dtype="int64")
    blobs = datahub.array("blobs", shape=(0,), dtype=bytes)
    ds = datahub.dataset(
        "pairs", components={"captions": captions, "labels": labels, "blobs": blobs}
    )
    ds.append({"captions": "first", "labels": 1, "blobs": b"\x00"})
    ds.extend({"captions": ["x", "y"], "labels": [2, 3], "blobs": [b"", b"yy\x00"]})
    assert len(ds) == 3
    assert ds[1]["captions"] == "x" and ds[2]["blobs"] == b"yy\x00"
    assert ds[0]["blobs"] == b"\x00"  # trailing NULs kept through append and extend
    blobs.extend(iter([b"a\x00"]))
    blobs.append(b"\x00\x00")
    assert datahub.open("blobs")[3:].tolist() == [b"a\x00", b"\x00\x00"]
    with pytest.raises(InvalidArgumentError):
        ds.append({"captions": "no blob", "labels": 4, "blobs": "not bytes"})
    assert len(datahub.open("captions")) == 3  # the failed append left every length


def _write_chunk(path, items: list[bytes], count: int | None = None) -> None:
    stored = struct.pack("<I", len(items) if count is None else count)
    for item in items:
        stored += struct.pack("<I", len(item)) + item
    path.write_bytes(stored)


def test_hostile_chunks_are_corrupt_chunk_errors_naming_the_array_and_element(tmp_path):
    datahub = hub.fs(tmp_path).connect()
    zarr.create_array(str(tmp_path / "t"), shape=(2,), chunks=(2,), dtype=str, compressors=None)[
        :
    ] = ["ok", "ok"]
    chunk = tmp_path / "t" / "c" / "0"
    arr = datahub.open("t")
    assert arr[:].tolist() == ["ok", "ok"]
    cases = {
        "is not UTF-8": lambda: _write_chunk(chunk, [b"ok", b"\xc3("]),
        "claims 4294967295 bytes": lambda: chunk.write_bytes(
            struct.pack("<III", 2, 0, 0xFFFFFFFF) + b"ab"
        ),
        "says it holds 3 elements": lambda: _write_chunk(chunk, [b"a", b"b"], count=3),
        "follow the chunk's last element": lambda: chunk.write_bytes(
            struct.pack("<II", 2, 1) + b"a" + struct.pack("<I", 0) + b"extra"
        ),
    }
    for why, corrupt in cases.items():
        corrupt()
        with pytest.raises(CorruptChunkError, match=why) as raised:
            hub.fs(tmp_path).connect().open("t")[:]
        assert "'t'" in str(raised.value) and "c/0" in str(raised.value)


def test_pytorch_batches_carry_text_as_lists_of_str(local_datahub):
    import torch

    captions = local_datahub.array("captions", shape=(0,), dtype=str)
    labels = local_datahub.array("labels", shape=(0,), dtype="int64")
    ds = local_datahub.dataset("pairs", components={"captions": captions, "labels": labels})
    ds.extend({"captions": [f"caption {i}" for i in range(10)], "labels": list(range(10))})
    # Map-style through DataLoader's default collate, in a worker process too.
    for workers in (0, 1):
        loader = torch.utils.data.DataLoader(ds.to_pytorch(), batch_size=4, num_workers=workers)
        first = next(iter(loader))
        assert first["captions"] == [f"caption {i}" for i in range(4)]
        assert first["labels"].tolist() == [0, 1, 2, 3]
    # Batched: whole batches per engine call.
    batches = list(ds.to_pytorch(batch_size=5).loader(num_workers=1))
    assert [b["captions"] for b in batches] == [
        [f"caption {i}" for i in range(5)],
        [f"caption {i}" for i in range(5, 10)],
    ]
    assert torch.equal(batches[1]["labels"], torch.arange(5, 10))


def test_copy_and_info_keep_text_and_bytes(tmp_path):
    source = hub.fs(tmp_path / "a").connect()
    text = source.array("t", shape=(5,), chunk=(2,), dtype=str)
    text[:] = WORDS[:5]
    blobs = source.array("b", shape=(3,), dtype=bytes)
    blobs[:] = BLOBS[:3]
    target = hub.fs(tmp_path / "b").connect()
    copied = hub.copy(text, target, "t", shard=(4,), chunk=(1,))
    assert copied.dtype_name == "str" and copied[:].tolist() == WORDS[:5]
    assert hub.copy(blobs, target, "b", compress="zstd")[:].tolist() == BLOBS[:3]
    assert (blobs.dtype_name, source.open("t").dtype_name) == ("bytes", "str")
    assert source.array("n", shape=(1,), dtype="uint16").dtype_name == "uint16"
