"""The decoded-chunk cache: item-by-item reads decode a chunk once, and reads stay correct
after writes from this process, from other processes, and with the cache off."""

from __future__ import annotations

import subprocess
import sys

import hub_v1 as hub
import numpy as np
import pytest


def _gzip_array(datahub, name="a"):
    array = datahub.array(
        name, shape=(64, 32, 32), chunk=(32, 32, 32), dtype="uint8", compress="gzip"
    )
    array[:] = np.random.default_rng(0).integers(0, 255, (64, 32, 32))
    return array


def test_item_reads_decode_each_chunk_once(local_datahub, default_cache):
    datahub = local_datahub
    array = _gzip_array(datahub)
    before = hub.cache_stats()
    items = [array[i] for i in range(64)]
    after = hub.cache_stats()
    assert after["misses"] - before["misses"] == 2  # two chunks, each decoded once
    assert after["hits"] - before["hits"] == 62
    np.testing.assert_array_equal(np.stack(items), array[:])


def test_writes_keep_the_cache_coherent(local_datahub, default_cache):
    datahub = local_datahub
    array = _gzip_array(datahub)
    array[3]  # cache chunk 0
    array[3, 0, 0] = 200  # partial write through the cache
    assert array[3, 0, 0] == 200
    array[0:32] = 9  # whole-chunk write drops the cached chunk
    assert array[3, 0, 0] == 9 and (array[5] == 9).all()
    datahub.delete("a")
    recreated = datahub.array("a", shape=(64, 32, 32), chunk=(32, 32, 32), dtype="uint8")
    assert recreated[3, 0, 0] == 0


def test_writes_by_another_process_are_seen(tmp_path, default_cache):
    datahub = hub.fs(tmp_path).connect()
    array = _gzip_array(datahub)
    assert array[1, 2, 3] != 77
    script = f"import hub_v1 as hub; hub.fs({str(tmp_path)!r}).connect().open('a')[1, 2, 3] = 77"
    subprocess.run([sys.executable, "-c", script], check=True)
    assert array[1, 2, 3] == 77


def test_cache_can_be_disabled(local_datahub, default_cache):
    datahub = local_datahub
    hub.set_cache_size(0)
    assert hub.cache_size() == 0
    array = _gzip_array(datahub)
    before = hub.cache_stats()
    for i in range(4):
        array[i]
    assert hub.cache_stats()["misses"] - before["misses"] == 4
    assert hub.cache_stats()["used_bytes"] == 0


def test_cache_respects_its_budget(local_datahub, default_cache):
    datahub = local_datahub
    hub.set_cache_size(200_000)  # room for six of the ten 32 KiB chunks
    array = datahub.array("b", shape=(320, 32, 32), chunk=(32, 32, 32), dtype="uint8")
    array[:] = 1
    for i in range(0, 320, 32):
        array[i]
    assert 5 * 32768 <= hub.cache_stats()["used_bytes"] <= 200_000


def test_thread_count_is_settable(local_datahub):
    datahub = local_datahub
    before = hub.threads()
    try:
        hub.set_threads(1)
        assert hub.threads() == 1
        array = _gzip_array(datahub)
        assert array[:].shape == (64, 32, 32)
    finally:
        hub.set_threads(before)
    with pytest.raises(ValueError):
        hub.set_threads(0)
