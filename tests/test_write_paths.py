"""Whole-chunk writes never read the old chunk; partial writes read, patch and rewrite it."""

from __future__ import annotations

import os

import hub_v1 as hub
import numpy as np
import pytest


def _corrupt(fs_hub, name, key):
    path = os.path.join(fs_hub.location.removeprefix("file://"), name, key)
    with open(path, "r+b") as f:
        f.seek(3)
        f.write(b"\xff\xff")


@pytest.mark.parametrize("compress", ["default", "gzip", "lz4"])
def test_whole_chunk_write_never_reads(fs_hub, compress):
    array = fs_hub.array("a", shape=(8, 16), chunk=(4, 16), dtype="int32", compress=compress)
    array[:] = 1
    _corrupt(fs_hub, "a", "c/0/0")
    # If this write read the old chunk it would fail on the corruption; it must not.
    array[0:4] = np.arange(64).reshape(4, 16)
    np.testing.assert_array_equal(array[0:4], np.arange(64).reshape(4, 16))


def test_edge_chunk_covered_in_bounds_is_written_without_reading(fs_hub):
    array = fs_hub.array("a", shape=(10, 3), chunk=(4, 3), dtype="uint8")
    array[:] = 5
    _corrupt(fs_hub, "a", "c/2/0")
    array[8:10] = 7  # all in-bounds elements of the edge chunk
    assert array[8:10].tolist() == [[7, 7, 7], [7, 7, 7]]


def test_partial_write_reads_the_old_chunk_and_keeps_the_rest(fs_hub):
    array = fs_hub.array("a", shape=(8, 16), chunk=(4, 16), dtype="int32", compress="zstd")
    array[:] = np.arange(128).reshape(8, 16)
    array[1, 3:5] = -1
    expected = np.arange(128).reshape(8, 16)
    expected[1, 3:5] = -1
    np.testing.assert_array_equal(array[:], expected)
    _corrupt(fs_hub, "a", "c/1/0")
    with pytest.raises(hub.CorruptChunkError, match="c/1/0"):
        array[5, 0] = 3  # needs the old chunk, which is corrupt: refuse, write nothing
    np.testing.assert_array_equal(array[0:4], expected[0:4])
