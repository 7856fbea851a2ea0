"""User attributes (``arr.attrs``, ``ds.attrs``): JSON values in zarr.json, beside hub_v1's own
key, read by zarr-python as ordinary attributes, merged per key across writers."""

from __future__ import annotations

import json
import threading

import hub_v1 as hub
import numpy as np
import pytest
import zarr
from hub_v1.errors import InvalidArgumentError, NotFoundError


@pytest.fixture
def local(tmp_path):
    return hub.fs(str(tmp_path)).connect(), tmp_path


def test_attributes_round_trip_and_persist(local):
    datahub, root = local
    labels = datahub.array("labels", shape=(4,), dtype="int64")
    assert dict(labels.attrs) == {} and len(labels.attrs) == 0
    labels.attrs["class_names"] = ["cat", "dog"]
    labels.attrs.update({"version": 2, "meta": {"source": "coco", "ratio": 0.5, "ok": True}})
    attrs = datahub.open("labels").attrs
    assert attrs["class_names"] == ["cat", "dog"] and attrs["meta"]["ratio"] == 0.5
    assert set(attrs) == {"class_names", "version", "meta"} and "hub_v1" not in attrs
    del attrs["version"]
    with pytest.raises(KeyError):
        del attrs["version"]
    assert "version" not in datahub.open("labels").attrs
    document = json.loads((root / "labels" / "zarr.json").read_text())
    assert document["attributes"]["class_names"] == ["cat", "dog"]
    assert document["attributes"]["hub_v1"]["compress"] == "default"  # hub_v1's key kept
    labels[:] = np.arange(4)  # writing data leaves the attributes alone
    assert datahub.open("labels").attrs["class_names"] == ["cat", "dog"]


def test_zarr_python_reads_and_writes_them_too(local):
    datahub, root = local
    array = datahub.array("a", shape=(3, 2), dtype="float32")
    array.attrs["units"] = "metres"
    assert zarr.open_array(str(root / "a")).attrs["units"] == "metres"
    outside = zarr.open_array(str(root / "a"), mode="r+")
    outside.attrs["written_by"] = "zarr-python"
    attrs = datahub.open("a").attrs
    assert attrs["written_by"] == "zarr-python" and attrs["units"] == "metres"
    assert datahub.open("a").compress == "default"  # zarr-python kept hub_v1's key


def test_dataset_attributes_keep_the_components(local):
    datahub, root = local
    x = datahub.array("x", shape=(5, 2), dtype="uint8")
    y = datahub.array("y", shape=(5,), dtype="int64")
    ds = datahub.dataset("train", components={"input": x, "label": y})
    ds.attrs["split"] = "train"
    reopened = datahub.open("train")
    assert dict(reopened.attrs) == {"split": "train"}
    assert sorted(reopened[0:2]) == ["input", "label"]
    assert zarr.open_group(str(root / "train")).attrs["split"] == "train"
    # Re-running the script reopens the dataset and keeps its attributes.
    again = datahub.dataset("train", components={"input": x, "label": y})
    assert again.attrs["split"] == "train"


def test_bad_attributes_are_refused_before_anything_is_written(local):
    datahub, _ = local
    array = datahub.array("a", shape=(2,), dtype="uint8")
    array.attrs["kept"] = 1
    for bad in (float("nan"), float("inf"), np.int64(3), {1, 2}, b"bytes"):
        with pytest.raises(InvalidArgumentError, match="JSON"):
            array.attrs["bad"] = bad
    with pytest.raises(InvalidArgumentError, match="strings"):
        array.attrs.update({1: "x"})
    with pytest.raises(InvalidArgumentError, match="hub_v1"):
        array.attrs["hub_v1"] = {}
    with pytest.raises(KeyError):  # not a user attribute: not there to delete
        del array.attrs["hub_v1"]
    assert dict(datahub.open("a").attrs) == {"kept": 1}
    assert datahub.open("a").compress == "default"


def test_writers_of_different_keys_in_one_process_all_land(local):
    datahub, _ = local
    array = datahub.array("a", shape=(2,), dtype="uint8")
    views = [array.attrs for _ in range(8)]  # each read before any write

    def set_key(k: int) -> None:
        for round_ in range(5):
            views[k][f"key{k}"] = round_

    threads = [threading.Thread(target=set_key, args=(k,)) for k in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert dict(datahub.open("a").attrs) == {f"key{k}": 4 for k in range(8)}


def test_refresh_sees_another_writer_and_missing_nodes_are_errors(local):
    datahub, _ = local
    array = datahub.array("a", shape=(2,), dtype="uint8")
    held = array.attrs
    datahub.open("a").attrs["late"] = True
    assert "late" not in held
    held.refresh()
    assert held["late"] is True
    datahub.delete("a")
    with pytest.raises(NotFoundError):
        array.attrs  # noqa: B018


def test_copies_carry_the_attributes():
    source = hub.memory().connect().array("s", shape=(4,), dtype="int32")
    source.attrs["class_names"] = ["a", "b"]
    copied = hub.copy(source, hub.memory().connect(), "t", progress=False)
    assert copied.attrs["class_names"] == ["a", "b"]
