"""Arrays and datasets that grow: append, extend, resize, on every store, read back by
zarr-python, with failures, concurrent appenders and kills leaving whole lengths."""

from __future__ import annotations

import multiprocessing
import threading

import hub_v1 as hub
import numpy as np
import pytest
import zarr
from hub_v1.errors import InvalidArgumentError, NotFoundError
from test_crash_safety import _kill_writers


def test_append_extend_and_resize_on_every_store(datahub):
    arr = datahub.array("grow", shape=(0, 3), chunk=(4, 3), dtype="int32")
    assert arr.shape == (0, 3) and arr[:].shape == (0, 3)
    arr.append([1, 2, 3])
    assert arr.extend(np.arange(15).reshape(5, 3)) == 5
    assert arr.extend([i, i, i] for i in range(7)) == 7
    expected = np.concatenate(
        [[[1, 2, 3]], np.arange(15).reshape(5, 3), np.repeat(np.arange(7), 3).reshape(7, 3)]
    )
    assert arr.shape == (13, 3)
    np.testing.assert_array_equal(arr[:], expected)
    assert datahub.open("grow").shape == (13, 3)  # committed to zarr.json
    arr.resize((20, 3))
    np.testing.assert_array_equal(arr[13:], 0)
    arr.resize((2, 3))
    np.testing.assert_array_equal(datahub.open("grow")[:], expected[:2])
    labels = datahub.array("labels", shape=(3,), dtype="int8")
    labels.resize(5)  # an int for a one-dimensional array
    assert labels.shape == (5,)


def test_an_empty_array_gets_chunks_sized_for_growth(local_datahub):
    rows = local_datahub.array("rows", shape=(0, 8), dtype="float32")
    assert rows.chunk[0] > 10_000  # not one row per chunk, as shape (0, 8) clamped would give
    images = local_datahub.array("images", shape=(0, 64, 64, 3), dtype="uint8", compress="png")
    assert images.chunk == (1, 64, 64, 3) and images.shard[0] > 1


@pytest.mark.parametrize("shard", [None, (8, 4)])
def test_growth_completes_the_last_partial_object_and_zarr_python_reads_it(tmp_path, shard):
    datahub = hub.fs(tmp_path).connect()
    arr = datahub.array("a", shape=(0, 4), chunk=(2, 4), shard=shard, dtype="uint16")
    expected = np.arange(4 * 23, dtype=np.uint16).reshape(23, 4)
    for start, stop in [(0, 3), (3, 4), (4, 11), (11, 23)]:
        arr.extend(expected[start:stop])
    np.testing.assert_array_equal(zarr.open_array(str(tmp_path / "a"), mode="r")[:], expected)
    np.testing.assert_array_equal(hub.fs(tmp_path).connect().open("a")[:], expected)


def test_zarr_python_appends_to_what_hub_v1_grew(tmp_path):
    arr = hub.fs(tmp_path).connect().array("a", shape=(0, 2), chunk=(3, 2), dtype="int64")
    arr.extend(np.ones((4, 2)))
    z = zarr.open_array(str(tmp_path / "a"), mode="r+")
    z.append(np.full((3, 2), 2))
    arr.refresh()
    assert arr.shape == (7, 2)
    np.testing.assert_array_equal(arr[:, 0], [1, 1, 1, 1, 2, 2, 2])


@pytest.mark.parametrize("shard", [None, (6, 2)])
def test_growing_after_a_shrink_reads_zeros_not_the_old_data(local_datahub, shard):
    arr = local_datahub.array("a", shape=(12, 2), chunk=(3, 2), shard=shard, dtype="uint8")
    arr[:] = 9
    arr.resize((4, 2))
    assert arr.nchunks_initialized() == 2  # the objects wholly outside are gone
    arr.resize((12, 2))
    np.testing.assert_array_equal(arr[:, 0], [9] * 4 + [0] * 8)
    arr.append([5, 5])
    np.testing.assert_array_equal(arr[:, 0], [9] * 4 + [0] * 8 + [5])


def test_resize_of_inner_axes_clears_what_it_exposes(local_datahub):
    arr = local_datahub.array("a", shape=(4, 6), chunk=(2, 4), dtype="int16")
    arr[:] = 3
    arr.resize((4, 2))
    arr.resize((5, 6))
    expected = np.zeros((5, 6), np.int16)
    expected[:4, :2] = 3
    np.testing.assert_array_equal(arr[:], expected)


def test_samples_of_the_wrong_shape_are_refused_naming_the_axis(local_datahub):
    arr = local_datahub.array("a", shape=(0, 4, 3), dtype="uint8")
    with pytest.raises(InvalidArgumentError, match="axis 2 of 'a' is 3 for every sample, not 5"):
        arr.append(np.zeros((4, 5)))
    with pytest.raises(ValueError, match="sample 1 has shape \\(4, 2\\)"):
        arr.extend([np.zeros((4, 3)), np.zeros((4, 2))])
    with pytest.raises(InvalidArgumentError, match="have 2 dimensions"):
        arr.append(np.zeros(4))
    assert arr.shape == (0, 4, 3)  # nothing committed by any of them
    with pytest.raises(InvalidArgumentError, match="dimensions"):
        arr.resize((3, 4))


def test_a_failing_iterable_leaves_the_old_length_and_frees_the_turn(local_datahub):
    arr = local_datahub.array("a", shape=(2,), chunk=(4,), dtype="int64")
    arr[:] = [7, 8]

    def samples():
        yield from range(10)
        raise RuntimeError("source broke")

    with pytest.raises(RuntimeError, match="source broke"):
        arr.extend(samples())
    assert arr.shape == (2,) and local_datahub.open("a").shape == (2,)
    arr.append(3)  # the turn was given back: this does not wait forever
    np.testing.assert_array_equal(arr[:], [7, 8, 3])


def test_threads_appending_to_one_array_take_turns(local_datahub):
    arr = local_datahub.array("a", shape=(0, 2), chunk=(5, 2), dtype="int32")
    other_handle = local_datahub.open("a")

    def append_many(handle, worker):
        for k in range(25):
            handle.append([worker, k])

    threads = [
        threading.Thread(target=append_many, args=(h, w))
        for w, h in enumerate([arr, other_handle] * 2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    arr.refresh()
    data = arr[:]
    assert data.shape == (100, 2)
    assert sorted(map(tuple, data.tolist())) == sorted((w, k) for w in range(4) for k in range(25))


def _append_rows(root: str, worker: int) -> None:
    arr = hub.fs(root).connect().open("a")
    for k in range(30):
        arr.append([worker, k])


def test_processes_appending_on_local_disk_take_turns(tmp_path):
    hub.fs(tmp_path).connect().array("a", shape=(0, 2), chunk=(4, 2), dtype="int32")
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_append_rows, args=(str(tmp_path), w)) for w in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
        assert worker.exitcode == 0
    data = hub.fs(tmp_path).connect().open("a")[:]
    assert sorted(map(tuple, data.tolist())) == sorted((w, k) for w in range(3) for k in range(30))


def test_a_region_planned_before_a_resize_is_refused(local_datahub):
    arr = local_datahub.array("a", shape=(4,), dtype="uint8")
    region = arr._core.select((slice(0, 4),))
    arr.resize((2,))
    with pytest.raises(InvalidArgumentError, match="planned before the array's shape changed"):
        arr._core.read(region)


def _extend_forever(root: str) -> None:
    arr = hub.fs(root).connect().open("a")
    while True:
        length = len(arr)
        arr.extend(np.full((7, 64, 64), (length + np.arange(7))[:, None, None] % 251, np.uint8))


def test_sigkill_mid_extend_leaves_a_length_whose_samples_are_all_there(tmp_path):
    hub.fs(tmp_path).connect().array(
        "a",
        shape=(0, 64, 64),
        chunk=(4, 64, 64),
        shard=(16, 64, 64),
        dtype="uint8",
        compress="zstd",
    )
    lengths = set()
    for _ in _kill_writers(_extend_forever, tmp_path, rounds=25, longest=0.3, seed=1):
        arr = hub.fs(tmp_path).connect().open("a")
        data = arr[:]
        assert len(data) % 7 == 0  # whole extends only
        np.testing.assert_array_equal(data[:, 0, 0], np.arange(len(data)) % 251)
        assert (data == data[:, :1, :1]).all()
        lengths.add(len(data))
    assert len(lengths) > 5


def _resize_forever(root: str) -> None:
    arr = hub.fs(root).connect().open("a")
    while True:
        arr.resize((4, 8))
        arr.resize((40, 8))


def test_sigkill_mid_resize_leaves_the_old_or_the_new_shape_and_never_old_data(tmp_path):
    arr = hub.fs(tmp_path).connect().array("a", shape=(40, 8), chunk=(3, 8), dtype="uint8")
    arr[:] = 1
    arr.resize((4, 8))
    for _ in _kill_writers(_resize_forever, tmp_path, rounds=20, longest=0.2, seed=2):
        data = hub.fs(tmp_path).connect().open("a")[:]
        assert data.shape in {(4, 8), (40, 8)}
        np.testing.assert_array_equal(data[:4], 1)
        np.testing.assert_array_equal(data[4:], 0)


def test_dataset_components_grow_together(datahub):
    images = datahub.array("images", shape=(0, 4, 4), dtype="uint8")
    labels = datahub.array("labels", shape=(0,), dtype="int64")
    ds = datahub.dataset("train", components={"images": images, "labels": labels})
    ds.append({"images": np.ones((4, 4)), "labels": 3})
    assert ds.extend({"images": np.zeros((2, 4, 4)), "labels": [4, 5]}) == 3
    assert len(ds) == 3 and images.shape == (3, 4, 4) and labels.shape == (3,)
    np.testing.assert_array_equal(ds[:]["labels"], [3, 4, 5])
    assert len(datahub.open("train")) == 3

    with pytest.raises(InvalidArgumentError, match="missing \\['labels'\\]"):
        ds.append({"images": np.ones((4, 4))})
    with pytest.raises(InvalidArgumentError, match="axis 1 of 'images' is 4"):
        ds.append({"images": np.ones((5, 4)), "labels": 1})
    with pytest.raises(NotFoundError, match="no components \\['boxes'\\]"):
        ds.append({"images": np.ones((4, 4)), "labels": 1, "boxes": [0]})
    with pytest.raises(InvalidArgumentError, match="as many samples"):
        ds.extend({"images": np.ones((2, 4, 4)), "labels": [1]})
    reopened = datahub.open("train")
    assert len(reopened) == 3 and reopened["images"].shape == (3, 4, 4)


def test_a_dataset_whose_append_was_interrupted_keeps_its_shortest_length(local_datahub):
    x = local_datahub.array("x", shape=(0, 2), dtype="uint8")
    y = local_datahub.array("y", shape=(0,), dtype="int64")
    ds = local_datahub.dataset("d", components={"x": x, "y": y})
    ds.extend({"x": [[1, 1], [2, 2]], "y": [1, 2]})
    y.append(99)  # as if the process died between committing y and x
    reopened = local_datahub.open("d")
    assert len(reopened) == 2 and reopened[-1]["y"] == 2
    assert reopened[:]["y"].tolist() == [1, 2]
    assert reopened[[0, -1]]["y"].tolist() == [1, 2]
    with pytest.raises(IndexError):
        reopened[2]
    reopened.append({"x": [3, 3], "y": 3})  # overwrites the stray sample
    assert len(reopened) == 3 and reopened[:]["y"].tolist() == [1, 2, 3]


def test_a_dataset_follows_growth_through_its_component_arrays(local_datahub):
    x = local_datahub.array("x", shape=(0,), dtype="int32")
    ds = local_datahub.dataset("d", components={"x": x})
    x.extend(np.arange(3))
    assert len(ds) == 3 and ds.shape == (3,)  # the dataset shares the array's handle
    region = x._core.select((slice(0, 3),))
    x.refresh()
    x.extend(np.zeros(0, np.int32))
    assert x._core.read(region).tolist() == [0, 1, 2]  # the shape did not change


def test_a_dataset_whose_components_are_one_array_refuses_to_append(local_datahub):
    x = local_datahub.array("x", shape=(0,), dtype="int32")
    ds = local_datahub.dataset("d", components={"a": x, "b": x})
    with pytest.raises(InvalidArgumentError, match="are one array"):
        ds.append({"a": 1, "b": 1})
    assert len(x) == 0
