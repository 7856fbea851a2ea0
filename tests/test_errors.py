"""Bad input gets a clear, typed error and changes nothing; bad stored bytes never become data."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import hub_v1 as hub
import numpy as np
import pytest


def test_out_of_bounds_index_is_index_error(datahub):
    array = datahub.array("a", shape=(10, 4), dtype="uint8")
    for key in [10, -11, (0, 4), (slice(None), -5), [0, 10], (0, 0, 0)]:
        with pytest.raises(IndexError):
            array[key]
        with pytest.raises(hub.OutOfBoundsError):
            array[key] = 1
    assert not array[:].any()


def test_wrong_value_shape_is_value_error_and_writes_nothing(datahub):
    array = datahub.array("a", shape=(10, 4), chunk=(5, 4), dtype="uint8")
    with pytest.raises(ValueError, match=r"shape \(3, 4\).*\(2, 4\)"):
        array[0:2] = np.ones((3, 4))
    assert not array[:].any()
    assert datahub.list() == ["a"]


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"shape": (10,), "dtype": "datetime64"}, "unsupported dtype"),
        ({"shape": (10,), "dtype": "not_a_dtype"}, "dtype"),
        ({"shape": (10,), "dtype": "U8"}, "unsupported dtype"),
        ({"shape": (10, 10), "chunk": (5,)}, "chunk has 1 dimensions but shape has 2"),
        ({"shape": (10, -3)}, "shape sizes must be zero or more"),
        ({"shape": (-1,)}, "shape sizes must be zero or more"),
        ({"shape": (10,), "chunk": (0,)}, "chunk sizes must be positive"),
        ({"shape": (10,), "chunk": (-2,)}, "chunk sizes must be positive"),
        ({"shape": ()}, "at least one dimension"),
        ({"shape": (10.5,)}, "integers"),
        ({"shape": (10,), "compress": "rar"}, "unknown compress"),
        ({"shape": (10,), "compresslevel": float("nan")}, "compresslevel"),
        ({"shape": (2**40, 2**40), "chunk": (2**20, 2**20)}, "at most 4 GiB"),
    ],
)
def test_bad_array_arguments_are_value_errors_and_create_nothing(datahub, kwargs, match):
    with pytest.raises(ValueError, match=match):
        datahub.array("bad", **kwargs)
    assert datahub.list() == []


@pytest.mark.parametrize(
    "name",
    ["../escape", "a/../b", "/abs", "a//b", "a\\b", "a/./b", "", "tab\there", "a/", "nul\x00"],
)
def test_invalid_names_are_value_errors(datahub, name):
    with pytest.raises(ValueError, match="invalid name"):
        datahub.array(name, shape=(4,))
    with pytest.raises(ValueError):
        datahub.open(name)
    assert datahub.list() == []


def test_open_missing_is_key_error(datahub):
    with pytest.raises(KeyError, match="no array or dataset named 'missing'"):
        datahub.open("missing")
    with pytest.raises(hub.NotFoundError):
        datahub.delete("missing")


def _chunk_path(fs_hub, name, key):
    return os.path.join(fs_hub.location.removeprefix("file://"), name, key)


@pytest.mark.parametrize("compress", ["default", "gzip", "zlib", "lz4", "zstd"])
@pytest.mark.parametrize("damage", ["flip", "truncate", "empty"])
def test_corrupted_chunk_raises_naming_the_key(fs_hub, compress, damage):
    array = fs_hub.array("a", shape=(64, 64), chunk=(32, 64), dtype="float32", compress=compress)
    array[:] = np.random.default_rng(0).standard_normal((64, 64))
    path = _chunk_path(fs_hub, "a", "c/1/0")
    with open(path, "rb") as f:
        data = bytearray(f.read())
    if damage == "flip":
        data[len(data) // 2] ^= 0x40
    elif damage == "truncate":
        data = data[: len(data) // 2]
    else:
        data = bytearray()
    with open(path, "wb") as f:
        f.write(data)
    for key in [slice(None), 40, (slice(32, 64), slice(0, 3))]:  # whole-chunk and partial paths
        with pytest.raises(hub.CorruptChunkError, match=r"chunk 'a/c/1/0'"):
            array[key]
    np.testing.assert_array_equal(array[0:32].shape, (32, 64))  # the other chunk still reads


def test_corrupt_zarr_json_is_a_clear_error(fs_hub):
    fs_hub.array("a", shape=(4,))
    with open(_chunk_path(fs_hub, "a", "zarr.json"), "w") as f:
        f.write('{"zarr_format": 3, "node_type": "array", "shape": "big"}')
    with pytest.raises(ValueError, match=r"zarr\.json"):
        fs_hub.open("a")


def test_failed_write_leaves_previous_chunk_intact(tmp_path):
    """The OS refuses the write (file size limit, as on a full disk): the old chunk survives."""
    script = textwrap.dedent(
        f"""
        import resource, signal, numpy as np, hub_v1 as hub
        datahub = hub.fs({str(tmp_path)!r}).connect()
        array = datahub.array("a", shape=(4, 256, 256), chunk=(1, 256, 256), dtype="float64")
        array[1] = 1.5
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (100_000, 100_000))
        try:
            array[1] = 2.5
        except hub.StorageError as error:
            print("raised:", error)
        assert float(array[1].mean()) == 1.5, array[1].mean()
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "raised:" in result.stdout and "File too large" in result.stdout
    leftovers = [f for _, _, files in os.walk(tmp_path) for f in files if ".hub_tmp" in f]
    assert leftovers == []
    np.testing.assert_array_equal(hub.fs(tmp_path).connect().open("a")[1], np.full((256, 256), 1.5))


def test_bad_index_types(datahub):
    array = datahub.array("a", shape=(4, 4))
    for key in [1.5, "x", (None,), [[0, 1]], np.array([0.5]), ([0], [1])]:
        with pytest.raises((IndexError, ValueError)):
            array[key]
    with pytest.raises(ValueError, match="step cannot be zero"):
        array[::0]


def test_errors_subclass_builtins():
    assert issubclass(hub.NotFoundError, KeyError)
    assert issubclass(hub.InvalidArgumentError, ValueError)
    assert issubclass(hub.OutOfBoundsError, IndexError)
    assert issubclass(hub.CorruptChunkError, OSError)
    assert issubclass(hub.PermissionDeniedError, PermissionError)
    assert str(hub.NotFoundError("plain message")) == "plain message"


@pytest.fixture
def tiny_disk(tmp_path):
    """A 1 MiB tmpfs, so a write really fails with ENOSPC (needs root, as CI has)."""
    mount_point = tmp_path / "tiny"
    mount_point.mkdir()
    result = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount_point)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {result.stderr.strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", str(mount_point)], check=True)


def test_disk_full_raises_and_keeps_the_previous_chunk(tiny_disk):
    datahub = hub.fs(tiny_disk).connect()
    array = datahub.array("a", shape=(8, 256, 256), chunk=(1, 256, 256), dtype="int16")
    array[0] = 1  # 128 KiB chunks: the disk holds about seven
    with pytest.raises(hub.StorageError, match="No space left"):
        for i in range(1, 8):
            array[i] = i + 1
    with pytest.raises(hub.StorageError, match="No space left"):
        array[0] = 99  # rewriting needs room for the new copy before the old one goes
    assert (array[0] == 1).all()
    leftovers = [f for _, _, files in os.walk(tiny_disk) for f in files if ".hub_tmp" in f]
    assert leftovers == []
