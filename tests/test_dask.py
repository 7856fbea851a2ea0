"""Dask: to_dask and from_dask on a real distributed LocalCluster with two worker processes,
on local disk and on the S3 emulator (workers reopen the arrays from their pickled
locations)."""

from __future__ import annotations

import os
import uuid

import dask.array as da
import distributed
import hub_v1 as hub
import numpy as np
import pytest
from conftest import s3_hub

AWS_ENVIRONMENT = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


@pytest.fixture(scope="module")
def client():
    # Workers inherit the environment when they start: S3 credentials for the s3 cases
    # (explicit keys never pickle, so workers reconnect with credentials from there).
    saved = {name: os.environ.get(name) for name in AWS_ENVIRONMENT}
    os.environ.update(AWS_ENVIRONMENT)
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        distributed.Client(cluster) as dask_client,
    ):
        yield dask_client
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name)
        else:
            os.environ[name] = value


@pytest.fixture(params=["fs", "s3"])
def shared_hub(request, tmp_path):
    """A store every worker process can reach: a folder, or S3 (credentials from the
    environment, see `client`)."""
    if request.param == "fs":
        return hub.fs(tmp_path).connect()
    s3_endpoint = request.getfixturevalue("s3_endpoint")
    s3_hub(s3_endpoint)  # the bucket
    return hub.s3(
        "hub-tests", endpoint=s3_endpoint, region="us-east-1", prefix=uuid.uuid4().hex
    ).connect()


def test_to_dask_reads_chunk_aligned_blocks_on_the_workers(client, shared_hub):
    data = np.arange(40 * 30, dtype="int64").reshape(40, 30)
    array = shared_hub.array("x", shape=data.shape, chunk=(8, 15), dtype="int64", compress="zstd")
    array[:] = data
    darray = array.to_dask()
    assert darray.chunks == ((8,) * 5, (15, 15))
    assert darray.dtype == np.int64
    np.testing.assert_array_equal(darray.compute(), data)
    assert int(darray.sum().compute()) == int(data.sum())
    np.testing.assert_array_equal((darray[3:17, ::2] * 2).compute(), data[3:17, ::2] * 2)
    # The tasks ran in the worker processes, not here.
    assert len(client.run(lambda: 1)) == 2


def test_from_dask_writes_blocks_in_parallel_from_the_workers(client, shared_hub):
    source = da.random.default_rng(1).integers(0, 1000, size=(60, 20), chunks=(12, 20))
    expected = source.compute()
    array = hub.from_dask(source, shared_hub, "y", compress="lz4")
    assert array.chunk == (12, 20)
    np.testing.assert_array_equal(shared_hub.open("y")[:], expected)


def test_from_dask_realigns_blocks_that_would_share_a_chunk(client, shared_hub):
    source = da.arange(100, chunks=(7,)).astype("float32")  # block edges at 7, 14, ...
    array = hub.from_dask(source, shared_hub, "z", chunk=(10,))
    np.testing.assert_array_equal(array[:], np.arange(100, dtype="float32"))


def test_da_store_with_aligned_blocks(client, shared_hub):
    source = da.ones((32, 8), chunks=(8, 8), dtype="uint8") * 3
    array = shared_hub.array("w", shape=(32, 8), chunk=(8, 8), dtype="uint8")
    da.store(source, array, lock=False)
    assert int(array[:].sum()) == 3 * 32 * 8


def test_a_ragged_array_is_a_bag_of_its_samples_read_on_the_workers(client, shared_hub):
    boxes = shared_hub.array("boxes", shape=(0, None, 4), dtype="float32", shard=3)
    samples = [np.full((k % 4, 4), k, np.float32) for k in range(10)]
    boxes.extend(samples)
    bag = boxes.to_dask()
    assert bag.npartitions == 4  # one per shard
    got = bag.compute()
    assert len(got) == 10
    for sample, expected in zip(got, samples, strict=True):
        np.testing.assert_array_equal(sample, expected)
    assert bag.map(lambda sample: sample.shape[0]).sum().compute() == sum(k % 4 for k in range(10))
