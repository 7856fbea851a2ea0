"""Hostile stores and racing writers: nothing lost, nothing outside the root, no crash, no hang.

Each class of attack is tried with many members, and each race for many rounds (bounded in
time), so that a 1-in-1,000 failure shows.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import random
import resource
import shutil
import signal
import stat
import threading
import time

import hub_v1 as hub
import numpy as np
import pytest
from hostile_object_server import Answer, HostileObjectServer, Request, endless
from hub_v1.errors import (
    ContainsNodeError,
    CorruptChunkError,
    InvalidArgumentError,
    SelectionTooLargeError,
    StorageError,
)

# ---------------------------------------------------------------------------------------------
# Writes that are lost


def _read_forever(array, stop: threading.Event, index: int, errors: list) -> None:
    try:
        while not stop.is_set():
            array[index]
    except Exception as error:  # a reader must never fail; report it to the test
        errors.append(error)


@pytest.mark.parametrize("shard", [None, (64,)], ids=["plain", "sharded"])
def test_a_patch_after_a_whole_write_is_never_applied_to_older_bytes(local_datahub, shard):
    chunk = (32,) if shard else (64,)
    array = local_datahub.array("a", shape=(64,), chunk=chunk, shard=shard, compress="lz4")
    stop, errors = threading.Event(), []
    readers = [
        threading.Thread(target=_read_forever, args=(array, stop, i + 2, errors)) for i in range(3)
    ]
    for reader in readers:
        reader.start()
    stale, rounds, deadline = 0, 0, time.monotonic() + 6
    try:
        while rounds < 1500 and time.monotonic() < deadline:
            value = rounds % 200
            array[:] = np.full(64, value, np.uint8)
            array[1] = 201 + rounds % 50
            seen = array[:]
            stale += seen[0] != value or seen[63] != value or seen[1] != 201 + rounds % 50
            rounds += 1
    finally:
        stop.set()
        for reader in readers:
            reader.join()
    assert not errors
    assert rounds >= 300
    assert stale == 0, f"{stale} of {rounds} rounds lost the whole write"


@pytest.mark.parametrize("shard", [None, (100, 4)], ids=["plain", "sharded"])
def test_threads_patching_one_chunk_lose_no_update(datahub, shard):
    cloud = datahub.location.startswith(("s3://", "gs://"))
    threads, rows_each = 8, 5 if cloud else 50
    rows = threads * rows_each
    chunk = (50, 4) if shard else (rows, 4)
    rounds = 2 if cloud else 10
    lost = 0
    for round_ in range(rounds):
        array = datahub.array(
            f"rows{round_}", shape=(rows, 4), chunk=chunk, shard=shard, dtype="uint16"
        )

        def write(array, first: int) -> None:
            for row in range(first, rows, threads):
                array[row] = [1, 2, 3, row + 1]

        workers = [threading.Thread(target=write, args=(array, t)) for t in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        lost += int((array[:, 3] != np.arange(1, rows + 1)).sum())
    assert lost == 0, f"{lost} of {rounds * rows} row updates lost"


def _write_every_other_row(root: str, name: str, parity: int) -> None:
    array = hub.fs(root).connect().open(name)
    for row in range(parity, array.shape[0], 2):
        array[row] = [row + 1, 1, 2, 3]


def test_processes_writing_disjoint_inner_chunks_of_one_shard_lose_no_update(tmp_path):
    """Without lock=True: every write rewrites part of the shard, so it takes the shard's
    lock on local disk (the other process's inner chunks would otherwise be lost)."""
    datahub = hub.fs(tmp_path).connect()
    context = multiprocessing.get_context("fork")
    lost, rounds, deadline = 0, 0, time.monotonic() + 20
    while rounds < 5 and time.monotonic() < deadline:
        name = f"shared{rounds}"
        datahub.array(name, shape=(200, 4), chunk=(1, 4), shard=(200, 4), dtype="uint16")
        writers = [
            context.Process(target=_write_every_other_row, args=(str(tmp_path), name, parity))
            for parity in (0, 1)
        ]
        for writer in writers:
            writer.start()
        for writer in writers:
            writer.join(timeout=60)
            assert writer.exitcode == 0
        lost += int((datahub.open(name)[:, 0] != np.arange(1, 201)).sum())
        rounds += 1
    assert rounds >= 2
    assert lost == 0, f"{lost} of {rounds * 200} inner-chunk updates lost"


def _delete_forever(root: str) -> None:
    hub.fs(root).connect().delete("a")


@pytest.mark.parametrize("kind", ["metadata", "chunks"])
def test_chunks_left_without_metadata_are_never_adopted(datahub, kind):
    array = datahub.array("a", shape=(8, 4), chunk=(2, 4), dtype="uint8")
    array[:] = 7
    store = datahub._store
    if kind == "metadata":
        store.delete("a/zarr.json")  # what a delete killed after its first step leaves
    else:
        for key in store.list("a"):
            if key != "a/c/0/0":
                store.delete(key)
    with pytest.raises(ContainsNodeError, match=r"no zarr\.json") as refused:
        datahub.array("a", shape=(8, 4), chunk=(2, 4), dtype="uint8")
    assert "interrupted delete or overwrite" in str(refused.value)
    fresh = datahub.array("a", shape=(8, 4), chunk=(2, 4), dtype="uint8", overwrite=True)
    assert (fresh[:] == 0).all()
    assert [key for key in store.list("a")] == ["a/zarr.json"]


def _array_a(root, overwrite: bool = False):
    datahub = hub.fs(root).connect()
    return datahub.array("a", shape=(2000, 8), chunk=(1, 8), dtype="uint8", overwrite=overwrite)


def test_a_delete_killed_at_any_moment_never_leaves_a_half_array(tmp_path):
    context = multiprocessing.get_context("fork")
    rng = random.Random(14)
    outcomes = set()
    for round_ in range(8):
        _array_a(tmp_path, overwrite=True)[:] = 9
        deleter = context.Process(target=_delete_forever, args=(str(tmp_path),))
        deleter.start()
        time.sleep(rng.uniform(0.0, 0.15))
        os.kill(deleter.pid, signal.SIGKILL)
        deleter.join()
        try:
            again = _array_a(tmp_path)
        except ContainsNodeError:
            outcomes.add("refused")
            assert (_array_a(tmp_path, overwrite=True)[:] == 0).all()
            continue
        data = again[:]
        # Either the delete never reached the metadata (all old data) or it finished.
        assert (data == 9).all() or (data == 0).all(), f"round {round_}: a half-deleted array"
        outcomes.add("old" if (data == 9).all() else "gone")
    assert "refused" in outcomes or "gone" in outcomes


# ---------------------------------------------------------------------------------------------
# Data outside the store


def _swap_forever(root, outside, stop: threading.Event) -> None:
    """Swaps the array's folders (and its chunk folder) for symlinks to `outside` and back."""
    targets = [root / "victim", root / "victim" / "c"]
    while not stop.is_set():
        for target in targets:
            parked = target.with_name(target.name + ".parked")
            try:
                os.rename(target, parked)
                os.symlink(outside, target)
                time.sleep(0)
                os.unlink(target)
                os.rename(parked, target)
            except OSError:
                pass


def _canaries(outside) -> list[str]:
    return sorted(str(p.relative_to(outside)) for p in outside.rglob("*"))


def _outside_with_canaries(tmp_path):
    outside = tmp_path / "outside"
    for name in ["zarr.json", "c/0", "c/1", "deep/c/0"]:
        (outside / name).parent.mkdir(parents=True, exist_ok=True)
        (outside / name).write_bytes(b"canary")
    return outside


def test_delete_racing_a_symlink_swapper_never_removes_anything_outside(tmp_path):
    root = tmp_path / "store"
    outside = _outside_with_canaries(tmp_path)
    before = _canaries(outside)
    datahub = hub.fs(root).connect()
    rounds, deadline = 0, time.monotonic() + 15
    while rounds < 60 and time.monotonic() < deadline:
        array = datahub.array("victim", shape=(16, 4), chunk=(1, 4), dtype="uint8")
        array[:] = 1
        stop = threading.Event()
        swapper = threading.Thread(target=_swap_forever, args=(root, outside, stop))
        swapper.start()
        try:
            datahub.delete("victim")
        except (PermissionError, StorageError, KeyError):
            pass  # refusing is fine; reaching outside is not
        finally:
            stop.set()
            swapper.join()
        for leftover in ["victim", "victim/c"]:  # put the store back for the next round
            path = root / leftover
            if path.is_symlink():
                path.unlink()
            parked = path.with_name(path.name + ".parked")
            if parked.exists():
                os.rename(parked, path)
        shutil.rmtree(root / "victim", ignore_errors=True)  # what a refused delete left
        assert _canaries(outside) == before, f"round {rounds}: a file outside the store changed"
        rounds += 1
    assert rounds >= 24


def test_listing_and_sizes_racing_a_swapper_never_see_outside(tmp_path):
    root = tmp_path / "store"
    outside = _outside_with_canaries(tmp_path)
    (outside / "c" / "big").write_bytes(b"x" * 1_000_000)
    datahub = hub.fs(root).connect()
    array = datahub.array("victim", shape=(16, 4), chunk=(1, 4), dtype="uint8")
    array[:] = 1
    stored = array.nbytes_stored()
    stop = threading.Event()
    swapper = threading.Thread(target=_swap_forever, args=(root, outside, stop))
    swapper.start()
    listings, seen_outside = 0, []
    deadline = time.monotonic() + 5
    try:
        while listings < 3000 and time.monotonic() < deadline:
            keys = datahub._store.list("")
            seen_outside += [k for k in keys if "big" in k or "deep" in k]
            with contextlib.suppress(PermissionError, StorageError, KeyError):
                assert array.nbytes_stored() <= stored
            listings += 1
    finally:
        stop.set()
        swapper.join()
    assert listings >= 200
    assert seen_outside == []


@pytest.mark.parametrize(
    ("maker", "bucket"),
    [
        (hub.s3, "hk1/evil"),
        (hub.s3, "hk1/../hk2"),
        (hub.s3, ".."),
        (hub.s3, "UPPER"),
        (hub.s3, "ab"),
        (hub.s3, "a" * 64),
        (hub.s3, "bad_underscore"),
        (hub.s3, "-starts-with-dash"),
        (hub.s3, "two..dots"),
        (hub.s3, "192.168.5.4"),
        (hub.s3, "xn--reserved"),
        (hub.s3, "name-s3alias"),
        (hub.gs, "hk1/evil"),
        (hub.gs, "hk1/../hk2"),
        (hub.gs, "goog-bucket"),
        (hub.gs, "my-google-data"),
        (hub.gs, "Capital"),
        (hub.gs, "ends-with-dot."),
        (hub.gs, "x" * 64),
        (hub.gs, "10.0.0.1"),
    ],
)
def test_bucket_names_are_checked_by_the_clouds_rules(maker, bucket):
    keys = {"aws_access_key_id": "k", "aws_secret_access_key": "s"} if maker is hub.s3 else {}
    with pytest.raises(InvalidArgumentError, match="bucket name"):
        maker(bucket, endpoint="http://127.0.0.1:9", **keys).connect()


@pytest.mark.parametrize("url", ["s3://hk1/../hk2/data", "gs://a/b/../../c", "s3://hk1/a//b"])
def test_url_prefixes_are_checked_like_keys(url):
    with pytest.raises(InvalidArgumentError):
        hub.connect(url, endpoint="http://127.0.0.1:9")


# ---------------------------------------------------------------------------------------------
# Credentials that are silently replaced


@pytest.mark.parametrize(
    "content",
    [
        "[default]\naws_acces_key_id = AKIAEXAMPLE\naws_secret_key = SECRETVALUE\n",
        "[default]\nregion = us-east-1\n",
        '["AKIAEXAMPLE", "SECRETVALUE"]',
        '{"aws_access_key_id": {"value": "AKIAEXAMPLE"}, "aws_secret_access_key": "SECRETVALUE"}',
        '{"aws_access_key_id": "AKIAEXAMPLE"}',
        '{"aws_access_key_id": "", "aws_secret_access_key": "SECRETVALUE"}',
        "{}",
        "[default]\n",
    ],
)
def test_an_unusable_credentials_file_is_an_error_naming_it(tmp_path, monkeypatch, content):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "ENVIRONMENT_IDENTITY")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "ENVIRONMENT_SECRET")
    creds = tmp_path / "creds"
    creds.write_text(content)
    with pytest.raises(InvalidArgumentError) as refused:
        hub.s3("hub-tests", aws_creds_filepath=str(creds), endpoint="http://127.0.0.1:9")
    message = str(refused.value)
    assert str(creds) in message
    for secret in ["AKIAEXAMPLE", "SECRETVALUE", "ENVIRONMENT"]:
        assert secret not in message


# ---------------------------------------------------------------------------------------------
# Crashes, hangs and unbounded memory


def _nested(depth: int, leaf: str = "1") -> str:
    return "[" * depth + leaf + "]" * depth


def _array_document(**changes) -> dict:
    document = {
        "zarr_format": 3,
        "node_type": "array",
        "shape": [4],
        "data_type": "uint8",
        "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": [4]}},
        "chunk_key_encoding": {"name": "default"},
        "fill_value": 0,
        "codecs": [{"name": "bytes"}],
        "attributes": {},
    }
    document.update(changes)
    return document


DEEP = "__DEEP__"


@pytest.mark.parametrize(
    "field",
    ["attributes", "shape", "codecs", "fill_value", "codec_configuration", "group_attributes"],
)
def test_metadata_nested_100000_deep_is_refused_not_a_crash(fs_hub, field):
    root = fs_hub.location.removeprefix("file://")
    deep = _nested(100_000, "{}" if field == "attributes" else "1")
    if field == "group_attributes":
        text = json.dumps({"zarr_format": 3, "node_type": "group", "attributes": {"x": DEEP}})
    elif field == "codec_configuration":
        text = json.dumps(_array_document(codecs=[{"name": "bytes", "configuration": DEEP}]))
    elif field == "attributes":
        text = json.dumps(_array_document(attributes={"x": DEEP}))
    else:
        text = json.dumps(_array_document(**{field: DEEP}))
    os.makedirs(f"{root}/x", exist_ok=True)
    with open(f"{root}/x/zarr.json", "w") as file:
        file.write(text.replace(f'"{DEEP}"', deep))
    with pytest.raises(InvalidArgumentError, match="levels deep"):
        fs_hub.open("x")
    with pytest.raises(InvalidArgumentError, match="levels deep"):
        fs_hub.list()


@pytest.mark.parametrize("rank", [65, 1000, 100_000])
def test_absurd_ranks_are_refused(rank):
    with pytest.raises(InvalidArgumentError, match="at most 64"):
        hub.memory().connect().array("x", shape=(1,) * rank, dtype="uint8")


def _in_thread_with_timeout(work, seconds: float = 10):
    outcome: list = []

    def run() -> None:
        try:
            outcome.append(("ok", work()))
        except Exception as error:
            outcome.append(("error", error))

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert outcome, f"hung for {seconds} s"
    return outcome[0]


@pytest.mark.parametrize("where", ["zarr.json", "c/0"])
@pytest.mark.parametrize("kind", ["fifo", "folder", "device"])
def test_a_special_file_is_refused_naming_its_key(fs_hub, where, kind):
    root = fs_hub.location.removeprefix("file://")
    array = fs_hub.array("a", shape=(8,), chunk=(4,), dtype="uint8")
    path = f"{root}/a/{where}"
    if os.path.exists(path):
        os.unlink(path)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "folder":
        os.mkdir(path)
    else:
        try:
            os.mknod(path, 0o600 | stat.S_IFCHR, os.makedev(1, 5))  # like /dev/zero
        except PermissionError:
            pytest.skip("creating a device node needs root")
    if where == "zarr.json":
        status, error = _in_thread_with_timeout(lambda: hub.fs(root).connect().open("a"))
    else:
        status, error = _in_thread_with_timeout(lambda: array[:])
        assert status == "error" and "a/c/0" in str(error)
        status, error = _in_thread_with_timeout(lambda: array.__setitem__(1, 5))
    assert status == "error", "read as if it were data"
    assert isinstance(error, StorageError) and "not a regular file" in str(error)


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@pytest.mark.parametrize("what", ["zarr.json", "chunk", "shard"])
def test_a_huge_sparse_object_is_refused_before_it_is_read(fs_hub, what):
    root = fs_hub.location.removeprefix("file://")
    shard = (64,) if what == "shard" else None
    array = fs_hub.array("a", shape=(64,), chunk=(16,), shard=shard, dtype="uint8")
    array[:] = 3
    key = {"zarr.json": "a/zarr.json", "chunk": "a/c/0", "shard": "a/c/0"}[what]
    before = _peak_rss_mb()
    with open(f"{root}/{key}", "r+b") as file:
        file.truncate(3 << 30)  # 3 GB, all holes
    start = time.monotonic()
    if what == "zarr.json":
        with pytest.raises(InvalidArgumentError, match="too large"):
            hub.fs(root).connect().open("a")
    else:
        with pytest.raises(CorruptChunkError, match="a/c/0"):
            array[:]
        with pytest.raises(CorruptChunkError, match="a/c/0"):
            array[1] = 4
    assert time.monotonic() - start < 5
    assert _peak_rss_mb() - before < 512


@pytest.mark.parametrize(
    ("changes", "match"),
    [
        ({"shape": [2**62, 2**62]}, "overflows"),
        ({"shape": [2**40, 2**40, 2**40]}, "overflows"),
        ({"data_type": "float64", "shape": [2**61]}, "overflows"),
        ({"fill_value": 300}, "does not fit"),
        ({"fill_value": -1}, "does not fit"),
        ({"data_type": "int32", "fill_value": 2**40}, "does not fit"),
        ({"data_type": "int8", "fill_value": -129}, "does not fit"),
        ({"data_type": "uint64", "fill_value": -5}, "does not fit"),
        ({"codecs": [{"name": "bytes", "configuration": "little"}]}, "must be an object"),
        ({"codecs": [{"name": "bytes"}, {"name": "gzip", "configuration": [5]}]}, "object"),
        ({"codecs": [{"name": "bytes"}, {"name": "zstd", "configuration": 3}]}, "object"),
        (
            {"codecs": [{"name": "bytes"}, {"name": "gzip", "configuration": {"level": "9"}}]},
            "level",
        ),
    ],
)
def test_nonsense_metadata_is_refused_never_wrapped(fs_hub, changes, match):
    root = fs_hub.location.removeprefix("file://")
    document = _array_document(**changes)
    if "shape" in changes:
        chunk = [1] * len(changes["shape"])
        document["chunk_grid"]["configuration"]["chunk_shape"] = chunk
    os.makedirs(f"{root}/x", exist_ok=True)
    with open(f"{root}/x/zarr.json", "w") as file:
        json.dump(document, file)
    with pytest.raises(InvalidArgumentError, match=match):
        fs_hub.open("x")


def test_a_shape_whose_size_overflows_is_refused_on_create():
    with pytest.raises(InvalidArgumentError, match="overflows"):
        hub.memory().connect().array("x", shape=(2**62, 2**62), chunk=(1, 1), dtype="uint8")


def test_stale_temp_files_of_killed_writers_are_swept_by_the_next_write(tmp_path):
    datahub = hub.fs(tmp_path).connect()
    array = datahub.array("a", shape=(8,), chunk=(4,), dtype="uint8")
    array[:] = 1
    folder = tmp_path / "a" / "c"
    stale = folder / ".hub_tmp.0.4242.7"
    fresh = folder / ".hub_tmp.1.4243.8"
    for temp in (stale, fresh):
        temp.write_bytes(b"half a chunk")
    two_hours_ago = time.time() - 7200
    os.utime(stale, (two_hours_ago, two_hours_ago))
    hub.fs(tmp_path).connect().open("a")[0] = 5  # a later process writes into the folder
    assert not stale.exists()
    assert fresh.exists()  # may belong to a live writer
    assert hub.fs(tmp_path).connect().open("a")[:].tolist() == [5, 1, 1, 1, 1, 1, 1, 1]


@pytest.mark.parametrize(
    "selection", [np.s_[:], np.s_[:, ::1], np.s_[..., 0 : 2**20]], ids=["all", "step", "range"]
)
def test_a_read_whose_result_cannot_be_allocated_fails_at_once(selection):
    array = hub.memory().connect().array("x", shape=(2**20, 2**20), chunk=(64, 64), dtype="uint8")
    before = _peak_rss_mb()
    start = time.monotonic()
    with pytest.raises(MemoryError):
        array[selection]  # 1 TiB: refused before any chunk is planned or read
    assert time.monotonic() - start < 2
    assert _peak_rss_mb() - before < 256


@pytest.mark.parametrize(
    ("shape", "selection"),
    [
        ((2**40,), np.s_[:]),  # 1 TiB of one-byte chunks
        ((2**40,), np.s_[::-1]),
        ((2**40,), np.s_[2**39 :: 3]),
        ((2**25,), np.s_[:]),  # 32 MiB: the result fits, the plan (2^25 chunks) would not
        ((2**30, 2**30), np.s_[[0, 5, 2**29], :]),  # a gather: its chunks are spread out
    ],
    ids=["1TiB", "1TiB-reversed", "1TiB-stepped", "too-many-chunks", "gather"],
)
def test_a_selection_too_big_to_plan_is_refused_in_milliseconds(shape, selection):
    array = hub.memory().connect().array("a", shape=shape, chunk=(1,) * len(shape), dtype="uint8")
    before, start = _peak_rss_mb(), time.monotonic()
    for attempt in (lambda: array[selection], lambda: array.__setitem__(selection, 1)):
        with pytest.raises(SelectionTooLargeError, match="read it in parts") as refused:
            attempt()
        assert isinstance(refused.value, MemoryError)
    assert time.monotonic() - start < 0.5
    assert _peak_rss_mb() - before < 64


def test_a_selection_of_many_small_chunks_within_the_bound_still_reads():
    array = hub.memory().connect().array("a", shape=(2**22,), chunk=(1,), dtype="uint8")
    array[5] = 7
    assert array[::4096].tolist() == [0] * 1024
    assert array[:8].tolist() == [0, 0, 0, 0, 0, 7, 0, 0]


@pytest.mark.parametrize("cloud", ["s3", "gcs"])
@pytest.mark.parametrize("behaviour", ["huge", "endless"])
@pytest.mark.parametrize("compress", ["lz4", "default"])
def test_a_cloud_object_bigger_than_its_codecs_allow_is_cut_off(cloud, behaviour, compress):
    template = hub.memory().connect()
    template.array("a", shape=(4096,), chunk=(4096,), dtype="uint8", compress=compress)
    server = HostileObjectServer({"a/zarr.json": template._store.get("a/zarr.json")})

    def huge_or_endless(request: Request, served: Answer) -> Answer | None:
        """`huge` claims a 1 PB chunk, `endless` streams a chunked body that never ends."""
        if request.key.endswith("zarr.json"):
            return None
        length = {"Content-Length": str(2**50)} if behaviour == "huge" else {}
        return Answer(200, {"ETag": '"2"', "x-goog-generation": "2", **length}, endless())

    server.misbehave = huge_or_endless
    try:
        if cloud == "s3":
            datahub = hub.s3(
                "hostile",
                endpoint=server.endpoint,
                region="us-east-1",
                max_attempts=1,
                aws_access_key_id="k",
                aws_secret_access_key="s",
            ).connect()
        else:
            datahub = hub.gs("hostile", endpoint=server.endpoint, max_attempts=1).connect()
        array = datahub.open("a")
        before = _peak_rss_mb()
        start = time.monotonic()
        with pytest.raises(CorruptChunkError, match="c/0"):
            array[:]
        with pytest.raises(CorruptChunkError, match="c/0"):
            array[5]
        assert time.monotonic() - start < 10
        assert _peak_rss_mb() - before < 256
        assert server.sent < 64 << 20  # the client stopped reading long before the server did
    finally:
        server.close()
