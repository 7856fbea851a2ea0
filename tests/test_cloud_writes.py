"""Writes, deletes and listings over hub_v1's own cloud client, counted at a proxy in front of
moto's S3 and fake-gcs-server: large objects go up as S3 multipart uploads (aborted when a
part fails, leaving the old object and no parts behind), prefixes are deleted in batches,
listings page, and GCS writes, deletes and lists through the same client."""

from __future__ import annotations

import re
import uuid

import boto3
import hub_v1 as hub
import numpy as np
import pytest
from conftest import S3_KEYS, s3_hub
from fault_proxy import FaultProxy

LARGE = 80 << 20  # past the 64 MiB one PUT carries: five parts of 16 MiB


def _port(endpoint: str) -> int:
    return int(endpoint.rsplit(":", 1)[1])


def _s3_store(port: int, prefix: str):
    return (
        hub.s3(
            "hub-tests",
            endpoint=f"http://127.0.0.1:{port}",
            region="us-east-1",
            prefix=prefix,
            max_attempts=2,
            **S3_KEYS,
        )
        .connect()
        ._store
    )


def _uploads_in_progress(endpoint: str, prefix: str) -> list[str]:
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=S3_KEYS["aws_access_key_id"],
        aws_secret_access_key=S3_KEYS["aws_secret_access_key"],
    )
    answer = client.list_multipart_uploads(Bucket="hub-tests", Prefix=prefix)
    return [upload["Key"] for upload in answer.get("Uploads", [])]


def test_a_large_s3_object_goes_up_in_parts(s3_endpoint):
    s3_hub(s3_endpoint)  # makes sure the bucket exists
    prefix = uuid.uuid4().hex
    data = np.random.default_rng(1).integers(0, 256, LARGE, dtype=np.uint8).tobytes()
    with FaultProxy(_port(s3_endpoint), failure_rate=0.0) as proxy:
        store = _s3_store(proxy.port, prefix)
        store.put("big", data)
        sent = [(method, re.sub(r"uploadId=[^&]+", "uploadId=U", path)) for method, path, _ in
                proxy.answered]  # fmt: skip
        # One upload begun, five parts sent side by side (in any order), one completion.
        assert sent[0] == ("POST", f"/hub-tests/{prefix}/big?uploads="), sent
        parts = [("PUT", f"/hub-tests/{prefix}/big?partNumber={n}&uploadId=U") for n in range(1, 6)]
        assert sorted(sent[1:6]) == parts, sent
        assert sent[6:] == [("POST", f"/hub-tests/{prefix}/big?uploadId=U")], sent
        assert proxy.most_active >= 2  # parts in flight at once
        assert store.get("big") == data
    assert _uploads_in_progress(s3_endpoint, prefix) == []


def test_a_failed_part_aborts_the_upload_and_keeps_the_old_object(s3_endpoint):
    s3_hub(s3_endpoint)
    prefix = uuid.uuid4().hex
    old = b"the object before"
    new = np.random.default_rng(2).integers(0, 256, LARGE, dtype=np.uint8).tobytes()
    with FaultProxy(_port(s3_endpoint), failure_rate=0.0) as proxy:
        store = _s3_store(proxy.port, prefix)
        store.put("big", old)
        proxy.refuse = re.compile(r"^PUT .*partNumber=3&")
        proxy.clear()
        with pytest.raises(hub.PermissionDeniedError, match="AccessDenied"):
            store.put("big", new)
        methods = [method for method, _, _ in proxy.answered]
        assert methods[-1] == "DELETE" and "uploadId=" in proxy.answered[-1][1], proxy.answered
        proxy.refuse = None
        assert store.get("big") == old
    assert _uploads_in_progress(s3_endpoint, prefix) == []


@pytest.mark.parametrize("cloud", ["s3", "gcs"])
def test_deleting_many_objects_lists_by_pages_and_deletes_in_batches(cloud, request):
    endpoint = request.getfixturevalue(f"{cloud}_endpoint")
    if cloud == "s3":
        s3_hub(endpoint)
    prefix = uuid.uuid4().hex
    chunks = 1050  # with the array's zarr.json, past one listing page of 1,000
    with FaultProxy(_port(endpoint), failure_rate=0.0) as proxy:
        location = {"endpoint": f"http://127.0.0.1:{proxy.port}", "prefix": prefix}
        if cloud == "s3":
            datahub = hub.s3("hub-tests", region="us-east-1", **location, **S3_KEYS).connect()
        else:
            datahub = hub.gs("hub-tests", **location).connect()
        array = datahub.array("many", shape=(chunks,), chunk=(1,), dtype="uint8")
        proxy.clear()
        array[:] = np.arange(chunks) % 251
        assert proxy.requests == {"PUT" if cloud == "s3" else "POST": chunks}, proxy.requests
        proxy.clear()
        keys = datahub._store.list("many")
        assert len(keys) == chunks + 1 and keys == sorted(keys)
        # S3 answers 1,000 keys a page (fake-gcs-server answers all in one)
        assert proxy.requests == {"GET": 2 if cloud == "s3" else 1}, proxy.requests
        proxy.clear()
        datahub.delete("many")
        listings = [
            path for method, path, _ in proxy.answered if method == "GET" and "prefix=" in path
        ]
        assert len(listings) == (2 if cloud == "s3" else 1), listings
        if cloud == "s3":  # DeleteObjects: up to 1,000 keys each
            batches = [path for method, path, _ in proxy.answered if method == "POST"]
            assert batches == ["/hub-tests?delete="] * 2, batches
        else:  # one DELETE per object, 64 in flight at a time
            assert proxy.requests["DELETE"] >= chunks + 1, proxy.requests
        assert datahub._store.list("many") == []
        assert "many" not in datahub.list()


@pytest.fixture(scope="module")
def serial_moto():
    """A moto S3 server of its own that answers one request at a time, so that its check of a
    write's condition and the write itself are one step, as on S3 (the shared server handles
    requests on many threads, and two conditional PUTs could both pass the check)."""
    import logging
    import threading

    from moto.server import create_backend_app
    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = make_server("127.0.0.1", 0, create_backend_app("s3"), threaded=False)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    endpoint = f"http://127.0.0.1:{server.server_port}"
    s3_hub(endpoint)  # the bucket
    yield endpoint
    server.shutdown()


def _connect(cloud: str, endpoint: str, prefix: str) -> hub.DataHub:
    if cloud == "s3":
        return hub.s3(
            "hub-tests", endpoint=endpoint, region="us-east-1", prefix=prefix, **S3_KEYS
        ).connect()
    return hub.gs("hub-tests", endpoint=endpoint, prefix=prefix).connect()


def _write_rows(cloud: str, endpoint: str, prefix: str, rows: list[int], queue) -> None:
    try:
        array = _connect(cloud, endpoint, prefix).open("shared")
        for row in rows:  # each a rewrite of part of the one shard
            array[row] = row + 1
        queue.put(("ok", len(rows)))
    except BaseException as error:  # reported to the parent, which waits for it
        queue.put(("failed", repr(error)))


@pytest.mark.parametrize("cloud", ["s3", "gcs"])
def test_two_machines_rewriting_one_shard_lose_nothing(cloud, request):
    """Two processes patch disjoint rows of one shard at the same time, with no lock between
    them: every write is conditional on the version it read, and a writer that lost the race
    reads the shard again and redoes its patch, so every row of both is there at the end."""
    import multiprocessing

    upstream = request.getfixturevalue("serial_moto" if cloud == "s3" else "gcs_endpoint")
    prefix = uuid.uuid4().hex
    # A little latency widens each writer's read-to-write window, so their writes race.
    with FaultProxy(_port(upstream), failure_rate=0.0, delay_seconds=0.005) as proxy:
        endpoint = f"http://127.0.0.1:{proxy.port}"
        datahub = _connect(cloud, endpoint, prefix)
        datahub.array("shared", shape=(48, 64), chunk=(1, 64), shard=(48, 64), dtype="uint8")
        context = multiprocessing.get_context("fork")
        queue = context.Queue()
        halves = [list(range(0, 48, 2)), list(range(1, 48, 2))]
        writers = [
            context.Process(target=_write_rows, args=(cloud, endpoint, prefix, rows, queue))
            for rows in halves
        ]
        for writer in writers:
            writer.start()
        results = [queue.get(timeout=120) for _ in writers]
        for writer in writers:
            writer.join(timeout=60)
        assert results == [("ok", 24), ("ok", 24)], results
        stored = datahub.open("shared")[:]
        lost_races = sum(status == 412 for _, _, status in proxy.answered)
    expected = np.repeat((np.arange(48) + 1).astype(np.uint8)[:, None], 64, axis=1)
    np.testing.assert_array_equal(stored, expected)
    assert lost_races > 0, "the writers never raced: the test proves nothing"
