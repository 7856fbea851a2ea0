"""The engine works in forked children (DataLoader workers fork after the parent used it)."""

from __future__ import annotations

import hub_v1 as hub
import numpy as np
from conftest import results_from_forked_children


def _read_in_child(path: str, queue) -> None:
    array = hub.fs(path).connect().open("a")
    queue.put(int(array[:].sum()))


def test_engine_works_after_fork(tmp_path):
    datahub = hub.fs(tmp_path).connect()
    array = datahub.array("a", shape=(64, 100), chunk=(8, 100), dtype="int64", compress="zstd")
    array[:] = np.arange(6400).reshape(64, 100)
    assert int(array[:].sum()) == 6400 * 6399 // 2  # the parent's pool and cache are live
    results = results_from_forked_children(_read_in_child, (str(tmp_path),), 3)
    assert results == [6400 * 6399 // 2] * 3
