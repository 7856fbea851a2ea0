"""What each cloud operation costs in requests, counted at a proxy in front of real servers
(moto's S3 server and fake-gcs-server on 127.0.0.1): one GET per object read, a shard's index
and its merged ranges, conditional re-reads, listings that do not grow with the chunks, and
array creation that checks each parent group once per DataHub."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
import uuid

import hub_v1 as hub
import numpy as np
import pytest
from conftest import S3_KEYS
from fault_proxy import FaultProxy


class Cloud:
    """One of the two cloud services, reached directly or through a proxy."""

    def __init__(self, name: str, endpoint: str) -> None:
        self.name = name
        self.endpoint = endpoint
        self.port = int(endpoint.rsplit(":", 1)[1])

    def connect(self, endpoint: str, prefix: str, **options) -> hub.DataHub:
        if self.name == "s3":
            return hub.s3(
                "hub-tests",
                endpoint=endpoint,
                region="us-east-1",
                prefix=prefix,
                **S3_KEYS,
                **options,
            ).connect()
        return hub.gs("hub-tests", endpoint=endpoint, prefix=prefix, **options).connect()

    def spec_of(self, endpoint: str, prefix: str) -> str:
        """Python source connecting to the same folder, for another process."""
        if self.name == "s3":
            return (
                f"hub.s3('hub-tests', endpoint={endpoint!r}, region='us-east-1', "
                f"prefix={prefix!r}, **{S3_KEYS!r}).connect()"
            )
        return f"hub.gs('hub-tests', endpoint={endpoint!r}, prefix={prefix!r}).connect()"


@pytest.fixture(params=["s3", "gcs"])
def cloud(request) -> Cloud:
    endpoint = request.getfixturevalue(f"{request.param}_endpoint")
    if request.param == "s3":
        hub.s3(
            "hub-tests", endpoint=endpoint, region="us-east-1", create_bucket=True, **S3_KEYS
        ).connect()
    return Cloud(request.param, endpoint)


@pytest.fixture
def proxy(cloud):
    with FaultProxy(cloud.port, failure_rate=0.0) as running:
        yield running


def _through(cloud: Cloud, proxy: FaultProxy, prefix: str, **options) -> hub.DataHub:
    return cloud.connect(f"http://127.0.0.1:{proxy.port}", prefix, **options)


def test_a_whole_compressed_chunk_is_one_get(cloud, proxy, default_cache):
    data = np.random.default_rng(0).integers(0, 9, (20, 64, 64), dtype=np.uint8)
    datahub = _through(cloud, proxy, uuid.uuid4().hex)
    array = datahub.array("lz4", shape=data.shape, chunk=(1, 64, 64), dtype="uint8", compress="lz4")
    array[:] = data
    reopened = datahub.open("lz4")
    hub.set_cache_size(0)  # every read goes to the store
    proxy.clear()
    np.testing.assert_array_equal(reopened[:], data)
    assert proxy.requests == {"GET": 20}, proxy.requests
    assert all(status == 200 for _, _, status in proxy.answered)


def test_a_shard_index_and_inner_chunks_cost_one_get_per_merged_range(cloud, default_cache):
    """Inner chunk = one 128x128x3 sample (49 KB), 64 per shard. Samples 0 and 1 lie side by
    side and merge; 10 and 40 lie more than 64 KiB away from everything else."""
    data = np.random.default_rng(1).integers(0, 255, (64, 128, 128, 3), dtype=np.uint8)
    with FaultProxy(cloud.port, failure_rate=0.0, delay_seconds=0.2) as proxy:
        datahub = _through(cloud, proxy, uuid.uuid4().hex)
        array = datahub.array(
            "sharded",
            shape=data.shape,
            chunk=(1, 128, 128, 3),
            shard=(64, 128, 128, 3),
            dtype="uint8",
        )
        array[:] = data
        hub.set_cache_size(0)
        proxy.clear()
        np.testing.assert_array_equal(array[[0, 1, 10, 40]], data[[0, 1, 10, 40]])
        assert proxy.requests == {"GET": 1 + 3}, proxy.requests  # the index, 3 merged ranges
        ranges = [path.split("&")[0] for method, path, _ in proxy.answered]
        assert len(set(ranges)) == 1  # all of one object
        assert proxy.most_active == 3  # the three ranges were in flight together


def test_a_cached_shard_index_costs_no_request_of_its_own(cloud, proxy, default_cache):
    """6 samples in 4 shards, their indexes cached: one GET per shard, each for its samples'
    merged range at the index's version (If-Match / ifGenerationMatch), none for the index."""
    data = np.random.default_rng(2).integers(0, 255, (64, 16, 16), dtype=np.uint8)
    datahub = _through(cloud, proxy, uuid.uuid4().hex)
    array = datahub.array(
        "sharded", shape=data.shape, chunk=(1, 16, 16), shard=(16, 16, 16), dtype="uint8"
    )
    array[:] = data
    samples = [0, 1, 17, 33, 34, 63]
    np.testing.assert_array_equal(array[samples], data[samples])  # the indexes are now cached
    proxy.clear()
    np.testing.assert_array_equal(array[samples], data[samples])
    assert proxy.requests == {"GET": 4}, proxy.requests  # was 8: an index check and a read each
    precondition = "If-Match" if cloud.name == "s3" else "ifGenerationMatch="
    if cloud.name == "gcs":
        assert all(precondition in path for _, path, _ in proxy.answered), proxy.answered


def test_concurrent_reads_of_one_shard_share_requests(cloud, default_cache):
    """32 threads each read one sample of one shard at once (as a DataLoader's read-ahead
    does): two reads of the shard fly at a time, the others gather and go out together."""
    from concurrent.futures import ThreadPoolExecutor

    data = np.random.default_rng(3).integers(0, 255, (64, 32, 32), dtype=np.uint8)
    with FaultProxy(cloud.port, failure_rate=0.0, delay_seconds=0.1) as proxy:
        datahub = _through(cloud, proxy, uuid.uuid4().hex)
        array = datahub.array(
            "sharded", shape=data.shape, chunk=(1, 32, 32), shard=(64, 32, 32), dtype="uint8"
        )
        array[:] = data  # the shard's index is now cached
        proxy.clear()
        with ThreadPoolExecutor(32) as pool:
            samples = list(pool.map(array.__getitem__, range(32)))
        np.testing.assert_array_equal(np.stack(samples), data[:32])
        assert proxy.requests["GET"] < 16, proxy.requests  # 32 without merging


def test_a_shard_changed_under_a_cached_index_is_read_again(cloud, proxy, default_cache):
    """Another process rewrites a shard whose index this one has cached: the inner-chunk read
    at the old version is refused (412) and the read starts over with the new index."""
    prefix = uuid.uuid4().hex
    datahub = _through(cloud, proxy, prefix)
    array = datahub.array("sharded", shape=(16, 8), chunk=(1, 8), shard=(16, 8), dtype="int32")
    array[:] = 1
    assert int(array[3].sum()) == 8  # the index is now cached
    other_process = textwrap.dedent(
        f"""
        import numpy as np, hub_v1 as hub
        datahub = {cloud.spec_of(cloud.endpoint, prefix)}
        datahub.open("sharded")[:] = np.arange(128, dtype=np.int32).reshape(16, 8)
        """
    )
    subprocess.run([sys.executable, "-c", other_process], check=True, timeout=120)
    proxy.clear()
    # (Sample 3 itself is cached decoded, so its read would check the index first.)
    np.testing.assert_array_equal(array[5], np.arange(40, 48))
    if cloud.name == "s3":
        assert [status for _, _, status in proxy.answered] == [412, 206, 206], proxy.answered
    else:
        # fake-gcs-server ignores ifGenerationMatch on reads and sends the new version; its
        # generation header gives it away and the read starts over all the same.
        assert "ifGenerationMatch=" in proxy.answered[0][1]
        assert len(proxy.answered) == 3, proxy.answered  # refused, the new index, the sample


def test_a_cached_re_read_is_one_conditional_get(cloud, proxy, default_cache):
    datahub = _through(cloud, proxy, uuid.uuid4().hex)
    array = datahub.array(
        "cached", shape=(10, 100), chunk=(10, 100), dtype="int32", compress="zstd"
    )
    array[:] = np.arange(1000).reshape(10, 100)
    reader = datahub.open("cached")
    assert int(reader[3, 4]) == 304
    hits_before = hub.cache_stats()["hits"]
    proxy.clear()
    for i in range(5):
        assert int(reader[i, 0]) == 100 * i
    assert proxy.requests == {"GET": 5}, proxy.requests  # was 10 (a HEAD and a GET each)
    if cloud.name == "s3":
        assert [status for _, _, status in proxy.answered] == [304] * 5  # "not modified"
    else:
        # The generation precondition goes out; fake-gcs-server ignores it and answers with
        # the same generation, which hub_v1 treats as unchanged (real GCS answers 304).
        assert all("ifGenerationNotMatch=" in path for _, path, _ in proxy.answered)
    assert hub.cache_stats()["hits"] - hits_before == 5


def test_within_the_staleness_bound_a_cached_read_sends_nothing(cloud, proxy, default_cache):
    prefix = uuid.uuid4().hex
    datahub = _through(cloud, proxy, prefix, max_staleness=0.5)
    array = datahub.array("fresh", shape=(8,), chunk=(8,), dtype="uint8", compress="lz4")
    array[:] = 3
    assert int(array[0]) == 3
    proxy.clear()
    for _ in range(5):
        assert int(array[1]) == 3
    assert proxy.requests == {}, proxy.requests
    time.sleep(0.6)
    assert int(array[2]) == 3
    assert proxy.requests == {"GET": 1}, proxy.requests  # past the bound: revalidated once


def test_another_writer_replacing_an_object_is_seen_on_the_next_read(cloud, default_cache):
    prefix = uuid.uuid4().hex
    datahub = cloud.connect(cloud.endpoint, prefix)
    array = datahub.array("shared", shape=(4, 4), chunk=(4, 4), dtype="int16", compress="zstd")
    array[:] = 1
    sharded = datahub.array("shards", shape=(8, 4), chunk=(1, 4), shard=(8, 4), dtype="int16")
    sharded[:] = 1
    assert int(array[:].sum()) == 16 and int(sharded[2].sum()) == 4  # now cached
    other_process = textwrap.dedent(
        f"""
        import hub_v1 as hub
        datahub = {cloud.spec_of(cloud.endpoint, prefix)}
        datahub.open("shared")[:] = 2
        datahub.open("shards")[2] = 5
        """
    )
    subprocess.run([sys.executable, "-c", other_process], check=True, timeout=120)
    assert int(array[:].sum()) == 32  # the ETag / generation changed: read again
    assert int(sharded[2].sum()) == 20  # the shard's index was revalidated too


def test_listing_does_not_grow_with_the_chunks(cloud, proxy):
    """2,500 chunk objects under one array (three pages of a full listing): list() and open()
    of a plain group still cost a handful of requests (one listing per group folder, one
    read per node), the same for any number of chunks."""
    prefix = uuid.uuid4().hex
    direct = cloud.connect(cloud.endpoint, prefix)
    direct.array("many", shape=(2_500,), chunk=(1,), dtype="uint8")[:] = 1
    direct.array("group/a", shape=(2,), dtype="uint8")
    direct.array("group/b", shape=(2,), dtype="uint8")
    datahub = _through(cloud, proxy, prefix)
    proxy.clear()
    assert datahub.list() == ["group/a", "group/b", "many"]
    # The root and "group" listed once each; zarr.json read in group, a, b and many.
    assert proxy.requests == {"GET": 6}, proxy.requests
    proxy.clear()
    assert sorted(datahub.open("group").keys()) == ["a", "b"]
    assert proxy.requests == {"GET": 6}, proxy.requests  # group, its listing, a and b twice


def test_creating_beside_an_existing_array_checks_no_parent_again(cloud, proxy):
    datahub = _through(cloud, proxy, uuid.uuid4().hex)
    proxy.clear()
    datahub.array("deep/a/b/c", shape=(4,), dtype="uint8")
    puts = "PUT" if cloud.name == "s3" else "POST"  # GCS uploads start with a POST
    # The name and one listing of its folder (nothing left there by an interrupted delete),
    # then the root, deep, deep/a and deep/a/b: each checked, each created.
    assert proxy.requests["GET"] == 6, proxy.requests
    assert proxy.requests[puts] == 5, proxy.requests
    proxy.clear()
    datahub.array("deep/a/b/d", shape=(4,), dtype="uint8")
    assert proxy.requests["GET"] == 2, proxy.requests  # only the new name and its folder
    assert proxy.requests[puts] == 1, proxy.requests  # one write: the array's metadata
    assert datahub.list("deep") == ["deep/a/b/c", "deep/a/b/d"]


def test_hedged_reads_outrun_stalled_requests(cloud):
    """Requests that stall (no answer for 5 s) get a second request after 0.2 s: the read
    finishes without waiting out the stall timeout and retrying."""
    data = np.random.default_rng(2).integers(0, 255, (40, 32, 32), dtype=np.uint8)
    prefix = uuid.uuid4().hex
    cloud.connect(cloud.endpoint, prefix).array(
        "hedged", shape=data.shape, chunk=(1, 32, 32), dtype="uint8"
    )[:] = data
    with FaultProxy(
        cloud.port, failure_rate=0.15, faults=("stall",), max_failures_in_a_row=1, seed=3
    ) as proxy:
        datahub = _through(cloud, proxy, prefix, hedge_after=0.2)
        retries_before = hub._core.cloud_retry_count()
        np.testing.assert_array_equal(datahub.open("hedged")[:], data)
        assert proxy.injected["stall"] > 0
        assert hub._core.cloud_retry_count() == retries_before  # hedges answered instead
        assert proxy.requests["GET"] >= 41 + proxy.injected["stall"]


def test_hedge_after_and_max_staleness_are_checked():
    for wrong in ({"hedge_after": 0}, {"hedge_after": -1}, {"max_staleness": -0.5}):
        with pytest.raises(hub.InvalidArgumentError):
            hub.s3("hub-tests", **wrong)
