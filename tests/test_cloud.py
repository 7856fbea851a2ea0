"""S3 and GCS specifics on real servers (moto, SeaweedFS, fake-gcs-server): credentials from every
source, clear authentication errors, the URL entry point, workers, and secrets kept secret."""

from __future__ import annotations

import json
import logging
import os
import pickle
import sys
import threading
import time
import uuid
from functools import partial

import hub_v1 as hub
import numpy as np
import pytest
from conftest import S3_KEYS, gcs_hub, results_from_forked_children, s3_hub
from servers import free_port, running, seaweedfs

SECRET = "s3cr3t-" + uuid.uuid4().hex  # moto accepts any key; this one must never leak


def _hub_from_creds_file(tmp_path, s3_endpoint, prefix: str) -> hub.DataHub:
    """A DataHub whose credentials come from an INI file holding SECRET."""
    creds = tmp_path / "credentials"
    creds.write_text(f"[default]\naws_access_key_id = key-id\naws_secret_access_key = {SECRET}\n")
    return hub.s3(
        "hub-tests",
        aws_creds_filepath=str(creds),
        endpoint=s3_endpoint,
        region="us-east-1",
        prefix=prefix,
    ).connect()


def _round_trip(datahub):
    array = datahub.array("probe", shape=(20, 5), chunk=(8, 5), dtype="int16", compress="zstd")
    array[:] = np.arange(100).reshape(20, 5)
    return array


def test_credentials_from_an_ini_file(tmp_path, s3_endpoint):
    creds = tmp_path / "credentials"
    creds.write_text(
        "[default]\naws_access_key_id = first\naws_secret_access_key = " + SECRET + "\n"
        "[other]\naws_access_key_id = second\naws_secret_access_key = " + SECRET + "\n"
    )
    for profile in (None, "other"):
        datahub = hub.s3(
            "hub-tests",
            aws_creds_filepath=str(creds),
            profile=profile,
            endpoint=s3_endpoint,
            region="us-east-1",
            create_bucket=True,
            prefix=uuid.uuid4().hex,
        ).connect()
        assert (_round_trip(datahub)[3] == np.arange(15, 20)).all()
    with pytest.raises(KeyError, match="no profile 'missing'"):
        hub.s3("hub-tests", aws_creds_filepath=str(creds), profile="missing")


def test_credentials_from_a_json_file_with_the_bucket(tmp_path, s3_endpoint):
    creds = tmp_path / "creds.json"
    creds.write_text(
        json.dumps(
            {"aws_access_key_id": "k", "aws_secret_access_key": SECRET, "bucket": "hub-tests"}
        )
    )
    connection = hub.s3(
        aws_creds_filepath=str(creds),
        endpoint=s3_endpoint,
        region="us-east-1",
        prefix=uuid.uuid4().hex,
    )
    assert connection.bucket == "hub-tests"
    _round_trip(connection.connect())


def test_credentials_from_the_environment(monkeypatch, s3_endpoint):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "env-key")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_endpoint)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    _round_trip(hub.s3("hub-tests", prefix=uuid.uuid4().hex).connect())


def test_url_entry_point(tmp_path, s3_endpoint, gcs_endpoint):
    prefix = uuid.uuid4().hex
    s3 = hub.connect(
        f"s3://hub-tests/{prefix}", endpoint=s3_endpoint, region="us-east-1", **S3_KEYS
    )
    _round_trip(s3)
    assert s3.location == f"s3://hub-tests/{prefix}"
    again = hub.connect(
        f"s3://hub-tests/{prefix}", endpoint=s3_endpoint, region="us-east-1", **S3_KEYS
    )
    assert again.open("probe")[19, 4] == 99
    gcs = hub.connect(f"gs://hub-tests/{prefix}", endpoint=gcs_endpoint)
    _round_trip(gcs)
    assert gcs.location == f"gs://hub-tests/{prefix}"
    for url in (f"file://{tmp_path}/a", str(tmp_path / "b"), "memory://"):
        _round_trip(hub.connect(url))
    with pytest.raises(ValueError, match="unsupported URL scheme"):
        hub.connect("ftp://x/y")


@pytest.fixture(scope="module")
def authenticating_s3():
    """A second moto server that checks credentials (none are registered, so all fail)."""
    port = free_port()
    env = dict(os.environ, INITIAL_NO_AUTH_ACTION_COUNT="0")
    command = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
    with running(command, port, env):
        yield f"http://127.0.0.1:{port}"


def test_a_wrong_key_is_a_clear_error_without_the_secret(authenticating_s3):
    connection = hub.s3(
        "hub-tests",
        aws_access_key_id="AKIAWRONG",
        aws_secret_access_key=SECRET,
        endpoint=authenticating_s3,
        region="us-east-1",
        max_attempts=1,
    )
    with pytest.raises(hub.HubError) as raised:
        connection.connect().open("anything")
    message = str(raised.value)
    assert isinstance(raised.value, PermissionError), message
    assert "hub-tests" in message and SECRET not in message


def test_a_wrong_key_on_seaweedfs_is_a_permission_error():
    """SeaweedFS checks keys, and refuses a listing with a wrong key id or secret as
    INVALID_ACCESS_KEY_ID or SIGNATURE_DOES_NOT_MATCH; the right key works."""
    with seaweedfs("hubtests", SECRET) as port:
        endpoint = f"http://127.0.0.1:{port}"
        right = hub.s3(
            "hub-tests", aws_access_key_id="hubtests", aws_secret_access_key=SECRET,
            endpoint=endpoint, region="us-east-1", create_bucket=True,
        ).connect()  # fmt: skip
        _round_trip(right)
        assert right.open("probe")[19, 4] == 99
        for key_id, secret in (("AKIAWRONG", SECRET), ("hubtests", "not-the-secret")):
            wrong = hub.s3(
                "hub-tests", aws_access_key_id=key_id, aws_secret_access_key=secret,
                endpoint=endpoint, region="us-east-1", max_attempts=1,
            )  # fmt: skip
            datahub = wrong.connect()
            # A HEAD is refused as ACCESS_DENIED, a listing with the spellings above.
            for attempt in (partial(datahub.open, "probe"), datahub.list):
                with pytest.raises(hub.PermissionDeniedError) as raised:
                    attempt()
                message = str(raised.value)
                assert "hub-tests" in message and SECRET not in message, message


def test_secrets_never_appear_in_reprs_errors_or_pickles(tmp_path, s3_endpoint):
    connection = hub.s3(
        "hub-tests",
        aws_access_key_id="key-id",
        aws_secret_access_key=SECRET,
        endpoint=s3_endpoint,
        region="us-east-1",
        prefix=uuid.uuid4().hex,
    )
    datahub = connection.connect()
    array = _round_trip(datahub)
    texts = [repr(connection), str(connection), repr(datahub), repr(array), datahub.location]
    try:
        datahub.open("missing")
    except KeyError as error:
        texts.append(str(error))
    with pytest.raises(ValueError, match="never pickles secrets"):
        pickle.dumps(array)  # explicit keys cannot travel: nothing secret is ever pickled
    from_file = _hub_from_creds_file(tmp_path, s3_endpoint, connection.prefix)
    pickled = pickle.dumps(from_file.open("probe"))
    assert pickle.loads(pickled)[19, 4] == 99
    texts.append(pickled.decode("latin-1"))
    assert all(SECRET not in text for text in texts)


def _sum_in_worker(dataset) -> int:
    import torch

    loader = torch.utils.data.DataLoader(
        dataset.to_pytorch(), batch_size=4, num_workers=2, multiprocessing_context="spawn"
    )
    return int(sum(batch["x"].sum() for batch in loader))


def test_a_dataset_on_s3_feeds_dataloader_workers(tmp_path, s3_endpoint):
    pytest.importorskip("torch")
    datahub = _hub_from_creds_file(tmp_path, s3_endpoint, uuid.uuid4().hex)
    x = datahub.array("x", shape=(40,), chunk=(8,), dtype="int64")
    x[:] = np.arange(40)
    ds = datahub.dataset("d", components={"x": x})
    assert _sum_in_worker(ds) == sum(range(40))  # spawned workers reconnect from the file


def test_many_chunks_round_trip_on_both_clouds(s3_endpoint, gcs_endpoint):
    data = np.random.default_rng(0).integers(0, 255, (200, 64, 64), dtype=np.uint8)
    for datahub in (s3_hub(s3_endpoint), gcs_hub(gcs_endpoint)):
        array = datahub.array(
            "many", shape=data.shape, chunk=(1, 64, 64), dtype="uint8", compress="lz4"
        )
        array[:] = data  # 200 chunks, 32 requests in flight
        np.testing.assert_array_equal(datahub.open("many")[:], data)


def _s3_hub_through(proxy, max_attempts: int, prefix: str | None = None) -> hub.DataHub:
    """A folder of the test bucket (a fresh one by default), reached through a FaultProxy."""
    return hub.s3(
        "hub-tests",
        endpoint=f"http://127.0.0.1:{proxy.port}",
        region="us-east-1",
        prefix=prefix or uuid.uuid4().hex,
        max_attempts=max_attempts,
        **S3_KEYS,
    ).connect()


def test_reading_a_gcs_chunk_is_one_request(gcs_endpoint):
    """GCS reads stream each chunk in one GET, with no metadata request before it."""
    from fault_proxy import FaultProxy

    port = int(gcs_endpoint.rsplit(":", 1)[1])
    data = np.random.default_rng(2).integers(0, 255, (100, 64, 64), dtype=np.uint8)
    with FaultProxy(port, failure_rate=0.0) as proxy:
        datahub = gcs_hub(f"http://127.0.0.1:{proxy.port}")
        datahub.array("one_get", shape=data.shape, chunk=(1, 64, 64), dtype="uint8")[:] = data
        reopened = datahub.open("one_get")
        proxy.requests.clear()
        np.testing.assert_array_equal(reopened[:], data)
    assert proxy.requests == {"GET": 100}, proxy.requests


def test_reading_an_uncompressed_s3_chunk_is_one_request(s3_endpoint):
    """Checksummed raw chunks have a known size: S3 reads each with one ranged GET (no HEAD),
    whole or in part, and the crc32c check catches an object of any other size."""
    from fault_proxy import FaultProxy

    s3_hub(s3_endpoint)  # makes sure the bucket exists
    port = int(s3_endpoint.rsplit(":", 1)[1])
    data = np.random.default_rng(5).integers(0, 255, (100, 64, 64), dtype=np.uint8)
    prefix = uuid.uuid4().hex
    with FaultProxy(port, failure_rate=0.0) as proxy:
        datahub = _s3_hub_through(proxy, max_attempts=6, prefix=prefix)
        datahub.array("raw", shape=data.shape, chunk=(1, 64, 64), dtype="uint8")[:] = data
        reopened = datahub.open("raw")
        proxy.requests.clear()
        np.testing.assert_array_equal(reopened[:], data)
        assert proxy.requests == {"GET": 100}, proxy.requests
        proxy.requests.clear()
        np.testing.assert_array_equal(reopened[:, 5:9, ::2], data[:, 5:9, ::2])  # parts of chunks
        assert proxy.requests == {"GET": 100}, proxy.requests
        sparse = datahub.array("sparse", shape=(50, 4), chunk=(1, 4), dtype="int16")
        sparse[7] = 3
        proxy.requests.clear()
        assert int(sparse[:].sum()) == 12  # 49 chunks never written read as zeros
        assert proxy.requests == {"GET": 50}, proxy.requests
    direct = hub.s3(
        "hub-tests", endpoint=s3_endpoint, region="us-east-1", prefix=prefix, **S3_KEYS
    ).connect()
    for wrong in (b"short", bytes(64 * 64 + 4 + 100)):  # too short, too long
        direct._store.put("raw/c/7/0/0", wrong)
        with pytest.raises(hub.CorruptChunkError, match="raw/c/7/0/0"):
            direct.open("raw")[:]
        with pytest.raises(hub.CorruptChunkError, match="raw/c/7/0/0"):
            direct.open("raw")[7, :3]  # part of the chunk
    np.testing.assert_array_equal(direct.open("raw")[8], data[8])  # the others are intact


def test_each_s3_chunk_goes_up_as_one_put(s3_endpoint):
    """Small objects are one PUT each, not a multipart upload (create, part, complete)."""
    from fault_proxy import FaultProxy

    s3_hub(s3_endpoint)  # makes sure the bucket exists
    data = np.random.default_rng(6).integers(0, 255, (50, 32, 32), dtype=np.uint8)
    with FaultProxy(int(s3_endpoint.rsplit(":", 1)[1]), failure_rate=0.0) as proxy:
        datahub = _s3_hub_through(proxy, max_attempts=6)
        array = datahub.array("puts", shape=data.shape, chunk=(1, 32, 32), dtype="uint8")
        proxy.requests.clear()
        array[:] = data
        assert proxy.requests == {"PUT": 50}, proxy.requests
        proxy.requests.clear()
        array[3:5, :16] = 7  # partly covered chunks: read, patch, one PUT each
        assert proxy.requests == {"GET": 2, "PUT": 2}, proxy.requests
        data[3:5, :16] = 7
        np.testing.assert_array_equal(datahub.open("puts")[:], data)


@pytest.mark.parametrize("cloud", ["s3", "gcs"])
def test_reads_keep_requests_in_flight_requests_open(cloud, request):
    """`requests_in_flight` requests are open at once: more than the AWS SDK's default
    connection pool of 25 when asked, and never more than asked."""
    from fault_proxy import FaultProxy

    endpoint = request.getfixturevalue(f"{cloud}_endpoint")
    connect = {"s3": s3_hub, "gcs": gcs_hub}[cloud]
    connect(endpoint)  # makes sure the bucket exists
    data = np.random.default_rng(4).integers(0, 255, (160, 16, 16), dtype=np.uint8)
    with FaultProxy(int(endpoint.rsplit(":", 1)[1]), 0.0, delay_seconds=0.1) as proxy:
        for in_flight in (40, 8):
            datahub = connect(f"http://127.0.0.1:{proxy.port}", requests_in_flight=in_flight)
            datahub.array("wide", shape=data.shape, chunk=(1, 16, 16), dtype="uint8")[:] = data
            proxy.most_active = 0
            np.testing.assert_array_equal(datahub.open("wide")[:], data)
            # 160 requests of 0.1 s each: a full read keeps every slot busy.
            assert proxy.most_active == in_flight, (in_flight, proxy.most_active)


def test_requests_in_flight_is_checked(s3_endpoint, gcs_endpoint):
    for connect, endpoint in ((s3_hub, s3_endpoint), (gcs_hub, gcs_endpoint)):
        for wrong in (0, 1025):
            with pytest.raises(ValueError, match="requests_in_flight must be between 1 and 1024"):
                connect(endpoint, requests_in_flight=wrong)


def test_reads_of_objects_larger_than_the_size_hint_are_whole(s3_endpoint, gcs_endpoint):
    """The first read of a store guesses a small size; larger chunks must still come back
    whole (a second request fetches the rest)."""
    data = np.random.default_rng(3).integers(0, 255, (3, 700, 1000), dtype=np.uint8)
    for datahub in (s3_hub(s3_endpoint), gcs_hub(gcs_endpoint)):
        datahub.array("large", shape=data.shape, chunk=(1, 700, 1000), dtype="uint8")[:] = data
        np.testing.assert_array_equal(datahub.open("large")[:], data)
        np.testing.assert_array_equal(datahub.open("large")[1, 350:, 10], data[1, 350:, 10])


def test_transient_faults_are_retried_and_nothing_is_lost(s3_endpoint, caplog):
    """A fault-injecting proxy fails 10% of requests (500 InternalError, 503 SlowDown,
    connection resets, stalls past the client's timeout); a 200-chunk write followed by a
    full read still round-trips bit for bit."""
    from fault_proxy import FaultProxy

    s3_hub(s3_endpoint)  # makes sure the bucket exists
    port = int(s3_endpoint.rsplit(":", 1)[1])
    data = np.random.default_rng(1).integers(0, 255, (200, 32, 32), dtype=np.uint8)
    retries_before = hub._core.cloud_retry_count()
    caplog.set_level(logging.DEBUG, logger="hub_v1")
    with FaultProxy(port, failure_rate=0.1, seed=7) as proxy:
        datahub = _s3_hub_through(proxy, max_attempts=10)
        array = datahub.array(
            "faulty", shape=data.shape, chunk=(1, 32, 32), dtype="uint8", compress="gzip"
        )
        array[:] = data
        np.testing.assert_array_equal(datahub.open("faulty")[:], data)
    assert sum(proxy.injected.values()) > 20, proxy.injected
    assert all(count > 0 for count in proxy.injected.values()), proxy.injected
    # The AWS SDK retries once itself; hub_v1 retried the failures that outlasted it, and
    # logged each retry at debug level.
    retries = hub._core.cloud_retry_count() - retries_before
    assert retries > 0
    hub._core.deliver_log_records()  # those not yet delivered at a Python step of this thread
    retry_lines = [r for r in caplog.records if r.getMessage().startswith("retrying ")]
    assert len(retry_lines) == retries, (len(retry_lines), retries)
    assert all(r.levelno == logging.DEBUG and r.name == "hub_v1" for r in retry_lines)
    assert all("'hub-tests/" in r.getMessage() for r in retry_lines)  # names bucket and key


def test_a_blocking_log_handler_cannot_stall_a_read_that_retries(s3_endpoint):
    """Retries logged on engine threads reach Python on the main thread; a handler that blocks
    until the read has finished (which deadlocks if it runs on the read's own I/O threads)
    never holds up the read."""
    from fault_proxy import FaultProxy

    s3_hub(s3_endpoint)
    port = int(s3_endpoint.rsplit(":", 1)[1])
    data = np.random.default_rng(3).integers(0, 255, (20, 16, 16), dtype=np.uint8)
    read_done = threading.Event()
    emitted_on: list[str] = []

    class Blocking(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            emitted_on.append(threading.current_thread().name)
            read_done.wait(timeout=20)

    handler = Blocking(level=logging.DEBUG)
    logger = logging.getLogger("hub_v1")
    level_before = logger.level
    logger.setLevel(logging.DEBUG)
    logger.addHandler(handler)
    try:
        prefix = uuid.uuid4().hex
        with FaultProxy(port, failure_rate=0.0) as quiet:
            array = _s3_hub_through(quiet, max_attempts=3, prefix=prefix).array(
                "logged", shape=data.shape, chunk=(1, 16, 16), dtype="uint8", compress="gzip"
            )
            array[:] = data
        with FaultProxy(port, failure_rate=0.3, seed=11, faults=("503",)) as proxy:
            reopened = _s3_hub_through(proxy, max_attempts=10, prefix=prefix).open("logged")
            results: list = []

            def read() -> None:
                started = time.monotonic()
                results.append(reopened[:])
                results.append(time.monotonic() - started)
                read_done.set()

            reader = threading.Thread(target=read)
            reader.start()
            reader.join(timeout=60)
            assert not reader.is_alive()
        np.testing.assert_array_equal(results[0], data)
        assert results[1] < 10, "the read waited for the log handler"
        assert proxy.injected["503"] > 0
        hub._core.deliver_log_records()
        assert emitted_on and set(emitted_on) == {threading.main_thread().name}
    finally:
        read_done.set()
        logger.removeHandler(handler)
        logger.setLevel(level_before)


def _sum_in_forked_child(array, queue) -> None:
    queue.put(int(array[:].sum(dtype=np.int64)))


def test_forked_children_read_after_the_parent_used_s3(s3_endpoint, tmp_path):
    """DataLoader workers fork by default on Linux: the AWS SDK and the engine's pools must
    work in a child forked after the parent already had requests in flight."""
    s3_hub(s3_endpoint)  # makes sure the bucket exists
    datahub = _hub_from_creds_file(tmp_path, s3_endpoint, uuid.uuid4().hex)
    array = datahub.array("a", shape=(64, 1000), chunk=(4, 1000), dtype="int64")
    array[:] = np.arange(64_000).reshape(64, 1000)
    expected = 64_000 * 63_999 // 2
    assert int(array[:].sum()) == expected  # the parent's clients and pools are live
    assert results_from_forked_children(_sum_in_forked_child, (array,), 2) == [expected] * 2
    assert int(array[:].sum()) == expected  # and the parent still works


def test_a_server_killed_mid_read_is_an_error_not_a_hang():
    """The S3 server dies while 32 requests are in flight: the read fails with a
    StorageError after its bounded retries; nothing crashes or hangs."""
    from fault_proxy import FaultProxy

    port = free_port()
    command = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
    with running(command, port) as server:
        data = np.random.default_rng(4).integers(0, 255, (400, 128, 128), dtype=np.uint8)
        s3_hub(f"http://127.0.0.1:{port}").array(
            "x", shape=data.shape, chunk=(1, 128, 128), dtype="uint8"
        )  # creates the bucket
        with FaultProxy(port, failure_rate=0.0, delay_seconds=0.05) as proxy:
            datahub = _s3_hub_through(proxy, max_attempts=3)
            array = datahub.array("x", shape=data.shape, chunk=(1, 128, 128), dtype="uint8")
            array[:] = data
            outcome: dict[str, BaseException] = {}

            def read() -> None:
                try:
                    array[:]
                except BaseException as error:
                    outcome["error"] = error

            reader = threading.Thread(target=read)
            started = time.monotonic()
            reader.start()
            time.sleep(0.3)  # 400 chunks at 32 in flight and 50 ms each take ~0.7 s
            server.kill()
            server.wait()
            reader.join(timeout=120)
            assert not reader.is_alive(), "the read hung after the server died"
        assert isinstance(outcome.get("error"), hub.StorageError), outcome
        assert time.monotonic() - started < 120
