"""hub_v1.copy and Array.write_from: bulk moves, re-chunking, progress, nothing lost."""

from __future__ import annotations

import hub_v1 as hub
import numpy as np
import pytest
from hub_v1.copying import chunk_aligned_blocks


def test_copy_between_any_two_stores_rechunked_and_recompressed(datahub, tmp_path):
    data = np.random.default_rng(0).normal(size=(90, 33, 7)).astype("float32")
    source = (
        hub.fs(tmp_path / "source")
        .connect()
        .array("x", shape=data.shape, chunk=(10, 11, 7), dtype="float32", compress="lz4")
    )
    source[:] = data
    copied = hub.copy(source, datahub, "y", chunk=(45, 16, 7), compress="zstd", compresslevel=0)
    assert (copied.chunk, copied.compress, copied.compresslevel) == ((45, 16, 7), "zstd", 0.0)
    np.testing.assert_array_equal(datahub.open("y")[:], data)
    kept = hub.copy(datahub.open("y"), hub.memory().connect(), "z")  # defaults: the source's
    assert (kept.chunk, kept.compress) == ((45, 16, 7), "zstd")
    np.testing.assert_array_equal(kept[:], data)


def test_copy_writes_each_target_chunk_once_in_whole_chunk_blocks():
    blocks = list(chunk_aligned_blocks((1000, 300), (7, 64), itemsize=8))
    covered = np.zeros((1000, 300), dtype=int)
    for block in blocks:
        covered[block] += 1
        for axis_slice, step in zip(block, (7, 64), strict=True):
            assert axis_slice.start % step == 0  # starts on a chunk edge
    assert (covered == 1).all()
    assert list(chunk_aligned_blocks((0, 5), (1, 5), itemsize=1)) == []


def test_copy_shows_a_progress_bar_only_when_asked(capsys):
    source = hub.memory().connect().array("x", shape=(64, 64), chunk=(8, 64), dtype="uint8")
    hub.copy(source, hub.memory().connect(), "quiet")  # stderr is not a terminal here
    assert capsys.readouterr().err == ""
    hub.copy(source, hub.memory().connect(), "loud", progress=True)
    assert "100%" in capsys.readouterr().err


def test_write_from_an_iterable_buffers_whole_chunks(datahub):
    array = datahub.array("items", shape=(25, 3, 3), chunk=(4, 3, 3), dtype="int16")
    written = array.write_from((np.full((3, 3), i) for i in range(20)), start=3)
    assert written == 20
    expected = np.zeros((25, 3, 3), "int16")
    expected[3:23] = np.arange(20)[:, None, None]
    np.testing.assert_array_equal(array[:], expected)


def test_write_from_keeps_what_came_before_a_bad_item(datahub):
    array = datahub.array("items", shape=(10, 2), chunk=(4, 2), dtype="int32")
    items = [np.full(2, i + 1) for i in range(5)] + [np.zeros(3)]  # the sixth is malformed
    with pytest.raises(hub.InvalidArgumentError, match="item 5 has shape"):
        array.write_from(items)
    assert array[:, 0].tolist() == [1, 2, 3, 4, 5, 0, 0, 0, 0, 0]
    with pytest.raises(hub.OutOfBoundsError, match="more items than fit"):
        array.write_from(np.ones(2) for _ in range(11))
    assert array[:, 0].tolist() == [1] * 10  # the ten that fit were written


def test_write_from_progress_counts_items(capsys):
    array = hub.memory().connect().array("x", shape=(30,), chunk=(8,), dtype="uint8")
    array.write_from(range(30), progress=True)
    assert "30/30" in capsys.readouterr().err
