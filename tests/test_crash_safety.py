"""Nothing lost: writers killed mid-write, concurrent writers, and the optional chunk lock."""

from __future__ import annotations

import json
import multiprocessing
import os
import random
import signal
import time

import hub_v1 as hub
import numpy as np

SHAPE, CHUNK = (64, 128, 128), (4, 128, 128)  # 16 chunks of 64 KiB, gzip + crc32c


def _write_forever(root: str) -> None:
    datahub = hub.fs(root).connect()
    array = datahub.open("a")
    version = 1
    while True:
        array[:] = np.full(SHAPE, version % 250 + 1, np.uint8)  # every chunk, in parallel
        hub._core.create_group(datahub._store, "meta", json.dumps({"version": version}))
        version += 1


def _kill_writers(target, root, rounds: int, longest: float, seed: int):
    """Starts `target(root)` in a forked process `rounds` times, SIGKILLs it after a random
    moment of up to `longest` seconds, and yields after each kill."""
    context = multiprocessing.get_context("fork")
    rng = random.Random(seed)
    for _ in range(rounds):
        writer = context.Process(target=target, args=(str(root),))
        writer.start()
        time.sleep(rng.uniform(0.02, longest))
        os.kill(writer.pid, signal.SIGKILL)
        writer.join()
        yield


def test_sigkill_mid_write_leaves_every_chunk_old_or_new(tmp_path):
    datahub = hub.fs(tmp_path).connect()
    array = datahub.array("a", shape=SHAPE, chunk=CHUNK, dtype="uint8", compress="gzip")
    array[:] = 1
    versions_seen = set()
    for _ in _kill_writers(_write_forever, tmp_path, rounds=50, longest=0.25, seed=0):
        reopened = hub.fs(tmp_path).connect().open("a")  # metadata intact
        data = reopened[:]  # every chunk passes its crc32c, or this raises
        for first in range(0, SHAPE[0], CHUNK[0]):
            chunk = data[first : first + CHUNK[0]]
            assert (chunk == chunk.flat[0]).all(), "a chunk mixes two versions"
            versions_seen.add(int(chunk.flat[0]))
        node = hub._core.read_node(datahub._store, "meta")
        assert node[1] in ("group", "missing") and isinstance(json.loads(node[2]), dict)
        assert not [k for k in datahub._store.list("") if ".hub_" in k]
    assert len(versions_seen) > 10  # the kills landed at many different moments


def _write_rows(root: str, rows: slice, value: int) -> None:
    array = hub.fs(root).connect().open("shared")
    for _ in range(20):
        array[rows] = value


def _run_all(processes) -> None:
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=120)
        assert process.exitcode == 0


def test_four_processes_writing_disjoint_chunks_produce_the_union(tmp_path):
    datahub = hub.fs(tmp_path).connect()
    datahub.array("shared", shape=(64, 256), chunk=(16, 256), dtype="int32", compress="lz4")
    context = multiprocessing.get_context("fork")
    writers = [
        context.Process(target=_write_rows, args=(str(tmp_path), slice(16 * p, 16 * p + 16), p + 1))
        for p in range(4)
    ]
    _run_all(writers)
    expected = np.repeat(np.arange(1, 5, dtype=np.int32), 16)[:, None] * np.ones(256, np.int32)
    np.testing.assert_array_equal(datahub.open("shared")[:], expected)


def _patch_rows_one_by_one(root: str, writer: int, barrier) -> None:
    array = hub.fs(root, lock=True).connect().open("shared")
    barrier.wait()
    for i in range(16):  # a new row each time: a lost update could never be repaired
        array[16 * writer + i] = writer + 1


def test_locked_writers_share_one_chunk_without_losing_updates(tmp_path):
    """Four processes patch rows of the same 16 MB chunk, one row per read-patch-rewrite;
    with lock=True each rewrite holds the chunk's lock, so every row survives. (Run with
    lock=False, this loses rows: that is the hazard the lock exists for.)"""
    datahub = hub.fs(tmp_path).connect()
    datahub.array("shared", shape=(64, 65536), chunk=(64, 65536), dtype="int32", compress="lz4")
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(4)
    writers = [
        context.Process(target=_patch_rows_one_by_one, args=(str(tmp_path), p, barrier))
        for p in range(4)
    ]
    _run_all(writers)
    rows = datahub.open("shared")[:, 0]
    np.testing.assert_array_equal(rows, np.repeat(np.arange(1, 5, dtype=np.int32), 16))
    assert hub.fs(tmp_path, lock=True).connect().list() == ["shared"]  # lock files are hidden


SHARDED_SHAPE, INNER, SHARD = (64, 32, 32), (1, 32, 32), (16, 32, 32)


def _patch_shards_forever(root: str) -> None:
    array = hub.fs(root).connect().open("s")
    version = 2
    while True:
        # Partial-shard rewrites: one item, then two, of shards 0 and 1, re-encoded while the
        # shard's other inner chunks are kept byte for byte.
        array[5] = version % 250 + 1
        array[20:22] = version % 250 + 1
        version += 1


def test_sigkill_mid_partial_shard_rewrite_leaves_the_old_or_the_new_shard(tmp_path):
    datahub = hub.fs(tmp_path).connect()
    array = datahub.array(
        "s", shape=SHARDED_SHAPE, chunk=INNER, shard=SHARD, dtype="uint8", compress="gzip"
    )
    array[:] = np.arange(64, dtype=np.uint8)[:, None, None]
    versions_seen = set()
    for _ in _kill_writers(_patch_shards_forever, tmp_path, rounds=30, longest=0.2, seed=1):
        data = hub.fs(tmp_path).connect().open("s")[:]  # every index and inner chunk checks out
        for item in range(64):
            assert (data[item] == data[item].flat[0]).all(), "an inner chunk mixes versions"
        untouched = [i for i in range(64) if i not in (5, 20, 21)]
        np.testing.assert_array_equal(data[untouched, 0, 0], np.array(untouched, np.uint8))
        # Items 20 and 21 are one write of one shard: both old, or both new.
        pair = (int(data[20, 0, 0]), int(data[21, 0, 0]))
        assert pair == (20, 21) or pair[0] == pair[1]
        versions_seen.add(int(data[5, 0, 0]))
        assert not [k for k in datahub._store.list("") if ".hub_" in k]
    assert len(versions_seen) > 5
