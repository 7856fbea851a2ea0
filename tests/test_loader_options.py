"""Loader options are one checked object (`LoaderOptions`), the same for both frameworks."""

from __future__ import annotations

import hub_v1 as hub
import numpy as np
import pytest
from hub_v1.integrations.loader_options import LoaderOptions


@pytest.fixture
def dataset():
    datahub = hub.memory().connect()
    x = datahub.array("x", shape=(10, 2), chunk=(4, 2), dtype="int32")
    x[:] = np.arange(20).reshape(10, 2)
    y = datahub.array("y", shape=(10,), dtype="int64")
    return datahub.dataset("d", components={"x": x, "y": y})


@pytest.mark.parametrize(
    "options, message",
    [
        ({"batch_size": 0}, "batch_size must be at least 1"),
        ({"read_batch": 0}, "read_batch must be at least 1"),
        ({"epochs": 0}, "epochs must be at least 1"),
        ({"epoch": -1}, "epoch must be 0 or more"),
        ({"components": "x"}, "a list of names, not the string 'x'"),
    ],
)
def test_bad_options_are_refused_where_they_are_given(options, message):
    with pytest.raises(ValueError, match=message):
        LoaderOptions(**options)


def test_both_frameworks_refuse_the_same_bad_option(dataset):
    pytest.importorskip("torch")
    with pytest.raises(ValueError, match="batch_size must be at least 1"):
        dataset.to_pytorch(batch_size=0)
    with pytest.raises(ValueError, match="a list of names"):
        dataset.to_pytorch(components="x")
    with pytest.raises(KeyError, match="no component 'z'"):
        dataset.to_pytorch(components=["z"])
    pytest.importorskip("tensorflow")
    with pytest.raises(ValueError, match="read_batch must be at least 1"):
        dataset.to_tensorflow(read_batch=0)
    with pytest.raises(KeyError, match="no component 'z'"):
        dataset.to_tensorflow(components=["z"])


def test_tensorflow_elements_are_read_ahead_in_read_batches(dataset):
    pytest.importorskip("tensorflow")
    elements = list(dataset.to_tensorflow(components=["x"], read_batch=3).as_numpy_iterator())
    assert [e["x"].tolist() for e in elements] == np.arange(20).reshape(10, 2).tolist()
    again = list(dataset.to_tensorflow(components=["x"], read_batch=3).take(4))  # stops early
    assert len(again) == 4
