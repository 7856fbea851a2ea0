"""The local disk cache of cloud stores (``disk_cache=`` on hub.s3, hub.gs and hub.connect),
against moto's S3 server and fake-gcs-server behind a counting proxy: a second epoch in a new
process downloads nothing (conditional requests only, and none within ``max_staleness``), the
folder stays within ``disk_cache_size``, processes filling one folder at once and a filler
killed mid-write leave only whole entries, and another writer's change is seen through it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import hub_v1 as hub
import numpy as np
import pytest
from conftest import S3_KEYS
from fault_proxy import FaultProxy

SAMPLES = 48
SHAPE = (SAMPLES, 24, 24, 3)


def _data() -> np.ndarray:
    return np.random.default_rng(7).integers(0, 255, SHAPE, dtype=np.uint8)


def _connection_source(cloud: str, endpoint: str, prefix: str, **options) -> str:
    """Python source of a connection to `prefix`, for another process."""
    extra = "".join(f", {name}={value!r}" for name, value in options.items())
    if cloud == "s3":
        return (
            f"hub.s3('hub-tests', endpoint={endpoint!r}, region='us-east-1', "
            f"prefix={prefix!r}, **{S3_KEYS!r}{extra})"
        )
    return f"hub.gs('hub-tests', endpoint={endpoint!r}, prefix={prefix!r}{extra})"


def _epoch_source(connection: str, seed: int, out: Path | None = None) -> str:
    """A training epoch in a new process: every sample once, one at a time, shuffled; the
    samples in order saved to `out`."""
    return textwrap.dedent(
        f"""
        import numpy as np, hub_v1 as hub, sys
        array = {connection}.connect().open("images")
        order = np.random.default_rng({seed}).permutation(len(array))
        seen = np.empty(array.shape, array.dtype)
        for n, i in enumerate(order):
            seen[i] = array[int(i)]
            if n == 4:
                print("reading", flush=True)
        if {str(out)!r} != "None":
            np.save({str(out)!r}, seen)
        """
    )


def _run(source: str) -> None:
    subprocess.run([sys.executable, "-c", source], check=True, timeout=180)


@pytest.fixture(params=["s3", "gcs"])
def cloud(request) -> tuple[str, str]:
    endpoint = request.getfixturevalue(f"{request.param}_endpoint")
    if request.param == "s3":
        hub.s3(
            "hub-tests", endpoint=endpoint, region="us-east-1", create_bucket=True, **S3_KEYS
        ).connect()
    return request.param, endpoint


def _write_images(cloud: str, endpoint: str) -> str:
    """A sharded array of SAMPLES images, one per inner chunk, 16 per shard; its prefix."""
    prefix = uuid.uuid4().hex
    datahub = eval(_connection_source(cloud, endpoint, prefix)).connect()
    array = datahub.array(
        "images", shape=SHAPE, chunk=(1, 24, 24, 3), shard=(16, 24, 24, 3), dtype="uint8"
    )
    array[:] = _data()
    return prefix


def _data_answers(proxy: FaultProxy) -> list[tuple[str, int]]:
    """(path, status) of the proxy's answers about the array's shards (not its metadata)."""
    return [
        (path, status) for _, path, status in proxy.answered if "/c/" in path or "%2Fc%2F" in path
    ]


def test_a_second_epoch_in_a_new_process_downloads_nothing(cloud, tmp_path):
    name, endpoint = cloud
    prefix = _write_images(name, endpoint)
    with FaultProxy(int(endpoint.rsplit(":", 1)[1]), failure_rate=0.0) as proxy:
        through = f"http://127.0.0.1:{proxy.port}"
        cached = _connection_source(name, through, prefix, disk_cache=str(tmp_path / "cache"))
        _run(_epoch_source(cached, seed=1, out=tmp_path / "epoch1.npy"))
        downloads = [
            path.split("?")[0]
            for path, status in _data_answers(proxy)
            # (fake-gcs-server answers a conditional read with the bytes: not a download asked)
            if status in (200, 206) and "ifGenerationNotMatch=" not in path
        ]
        # Each shard's index, then the shard whole (small enough), kept for later samples.
        assert len(set(downloads)) == SAMPLES // 16 and len(downloads) == 2 * SAMPLES // 16
        proxy.clear()
        _run(_epoch_source(cached, seed=2, out=tmp_path / "epoch2.npy"))
        second = _data_answers(proxy)
    np.testing.assert_array_equal(np.load(tmp_path / "epoch1.npy"), _data())
    np.testing.assert_array_equal(np.load(tmp_path / "epoch2.npy"), _data())
    # Each read asks only whether its shard changed, once per read whatever its ranges.
    assert 0 < len(second) <= SAMPLES, second
    if name == "s3":
        assert {status for _, status in second} == {304}, second
    else:
        # fake-gcs-server ignores the precondition and answers 200 with the same generation
        # (real GCS answers 304); every request asks it all the same.
        assert all("ifGenerationNotMatch=" in path for path, _ in second), second


def test_within_max_staleness_a_second_epoch_sends_no_request_for_data(cloud, tmp_path):
    name, endpoint = cloud
    prefix = _write_images(name, endpoint)
    with FaultProxy(int(endpoint.rsplit(":", 1)[1]), failure_rate=0.0) as proxy:
        through = f"http://127.0.0.1:{proxy.port}"
        cached = _connection_source(
            name, through, prefix, disk_cache=str(tmp_path / "cache"), max_staleness=600
        )
        _run(_epoch_source(cached, seed=1))
        proxy.clear()
        _run(_epoch_source(cached, seed=2, out=tmp_path / "epoch2.npy"))
        assert _data_answers(proxy) == []
    np.testing.assert_array_equal(np.load(tmp_path / "epoch2.npy"), _data())


def _folder_bytes(folder: Path) -> int:
    return sum(
        path.stat().st_size
        for path in folder.rglob("*")
        if path.is_file() and path.name != "ledger"
    )


def test_the_cache_stays_within_its_size(s3_endpoint, tmp_path):
    prefix = _write_images("s3", s3_endpoint)
    size = 40_000  # about 20 of the 48 samples
    cached = _connection_source(
        "s3", s3_endpoint, prefix, disk_cache=str(tmp_path / "cache"), disk_cache_size=size
    )
    _run(_epoch_source(cached, seed=1, out=tmp_path / "epoch1.npy"))
    np.testing.assert_array_equal(np.load(tmp_path / "epoch1.npy"), _data())
    held = _folder_bytes(tmp_path / "cache")
    assert 0 < held <= size


def test_three_processes_fill_one_cache_at_once(s3_endpoint, tmp_path):
    prefix = _write_images("s3", s3_endpoint)
    with FaultProxy(int(s3_endpoint.rsplit(":", 1)[1]), failure_rate=0.0) as proxy:
        # (The endpoint is part of what names a bucket's objects in the cache: one for all.)
        cached = _connection_source(
            "s3", f"http://127.0.0.1:{proxy.port}", prefix, disk_cache=str(tmp_path / "cache")
        )
        fillers = [
            subprocess.Popen(
                [sys.executable, "-c", _epoch_source(cached, seed=k, out=tmp_path / f"{k}.npy")]
            )
            for k in range(3)
        ]
        assert [filler.wait(timeout=180) for filler in fillers] == [0, 0, 0]
        for k in range(3):
            np.testing.assert_array_equal(np.load(tmp_path / f"{k}.npy"), _data())
        assert not list((tmp_path / "cache").rglob(".tmp-*"))  # every entry renamed into place
        proxy.clear()
        _run(_epoch_source(cached, seed=9, out=tmp_path / "after.npy"))
        assert {status for _, status in _data_answers(proxy)} == {304}
    np.testing.assert_array_equal(np.load(tmp_path / "after.npy"), _data())


def test_a_filler_killed_mid_epoch_leaves_nothing_that_reads_as_data(s3_endpoint, tmp_path):
    prefix = _write_images("s3", s3_endpoint)
    cache = tmp_path / "cache"
    for attempt in range(3):  # killed at different moments of its writes
        with FaultProxy(
            int(s3_endpoint.rsplit(":", 1)[1]), failure_rate=0.0, delay_seconds=0.01
        ) as proxy:
            slow = _connection_source(
                "s3", f"http://127.0.0.1:{proxy.port}", prefix, disk_cache=str(cache)
            )
            filler = subprocess.Popen(
                [sys.executable, "-c", _epoch_source(slow, seed=attempt)], stdout=subprocess.PIPE
            )
            assert filler.stdout.readline().strip() == b"reading"
            time.sleep(0.05 * attempt)
            os.kill(filler.pid, signal.SIGKILL)
            filler.wait(timeout=30)
    cached = _connection_source("s3", s3_endpoint, prefix, disk_cache=str(cache))
    _run(_epoch_source(cached, seed=5, out=tmp_path / "after.npy"))
    np.testing.assert_array_equal(np.load(tmp_path / "after.npy"), _data())


def test_another_writers_change_is_seen_through_the_cache(cloud, tmp_path):
    name, endpoint = cloud
    prefix = _write_images(name, endpoint)
    cached = _connection_source(name, endpoint, prefix, disk_cache=str(tmp_path / "cache"))
    _run(_epoch_source(cached, seed=1))  # the cache now holds every sample
    writer = eval(_connection_source(name, endpoint, prefix)).connect()
    writer.open("images")[5] = 255
    writer.open("images")[40:48] = 0
    expected = _data()
    expected[5] = 255
    expected[40:48] = 0
    _run(_epoch_source(cached, seed=2, out=tmp_path / "after.npy"))
    np.testing.assert_array_equal(np.load(tmp_path / "after.npy"), expected)
    reader = eval(_connection_source(name, endpoint, prefix, disk_cache=str(tmp_path / "cache")))
    np.testing.assert_array_equal(reader.connect().open("images")[:], expected)


def test_disk_cache_arguments_are_checked(s3_endpoint, tmp_path):
    with pytest.raises(TypeError, match="disk_cache must be a path"):
        hub.s3("hub-tests", endpoint=s3_endpoint, disk_cache=3)
    with pytest.raises(hub.InvalidArgumentError, match="disk_cache_size"):
        hub.s3("hub-tests", endpoint=s3_endpoint, disk_cache=str(tmp_path), disk_cache_size=0)
    connection = hub.connect(
        f"s3://hub-tests/{uuid.uuid4().hex}",
        endpoint=s3_endpoint,
        region="us-east-1",
        disk_cache=str(tmp_path / "c"),
        **S3_KEYS,
    )
    connection.array("a", shape=(4,), chunk=(4,), dtype="uint8")[:] = 7
    assert int(connection.open("a")[2]) == 7
    assert any((tmp_path / "c").rglob("whole"))
