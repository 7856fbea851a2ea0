"""Names and symlinks can never lead a local store outside its folder."""

from __future__ import annotations

import os

import hub_v1 as hub
import numpy as np
import pytest


@pytest.fixture
def layout(tmp_path):
    root = tmp_path / "store"
    outside = tmp_path / "outside"
    outside.mkdir()
    datahub = hub.fs(root).connect()
    return datahub, root, outside


@pytest.mark.parametrize("name", ["../outside/x", "/etc/passwd", "a/../../x", "..", "a/./b"])
def test_names_that_escape_are_refused(layout, name):
    datahub, _, outside = layout
    with pytest.raises(ValueError, match="invalid name"):
        datahub.array(name, shape=(4,))
    with pytest.raises(ValueError, match="invalid name"):
        datahub.open(name)
    assert list(outside.iterdir()) == []


def test_a_symlinked_folder_pointing_outside_is_never_followed(layout):
    datahub, root, outside = layout
    (outside / "secret").mkdir()
    (outside / "secret" / "zarr.json").write_text('{"zarr_format": 3, "node_type": "group"}')
    os.symlink(outside, root / "evil")
    with pytest.raises(PermissionError, match="leads outside the storage folder"):
        datahub.open("evil/secret")
    with pytest.raises(PermissionError):
        datahub.array("evil/new", shape=(4,))
    with pytest.raises(PermissionError):
        datahub.delete("evil/secret")
    assert sorted(p.name for p in outside.iterdir()) == ["secret"]
    assert (outside / "secret" / "zarr.json").exists()
    assert datahub.list() == []  # listings do not descend into it either


def test_a_chunk_folder_swapped_for_a_symlink_is_refused(layout):
    datahub, root, outside = layout
    array = datahub.array("a", shape=(4, 4), chunk=(2, 4), dtype="uint8")
    array[:] = 1
    # Someone replaces the chunk folder with a link to chunks of their choosing.
    os.rename(root / "a" / "c", outside / "c")
    os.symlink(outside / "c", root / "a" / "c")
    with pytest.raises(PermissionError, match="leads outside"):
        array[:]
    with pytest.raises(PermissionError):
        array[0] = 5
    assert np.frombuffer((outside / "c" / "0" / "0").read_bytes()[:8], np.uint8).tolist() == [1] * 8


def test_relative_symlinks_that_stay_inside_the_store_work(layout):
    datahub, root, _ = layout
    array = datahub.array("real/a", shape=(4,), dtype="int32")
    array[:] = [1, 2, 3, 4]
    os.symlink("real", root / "alias")  # relative: resolved beneath the root
    assert datahub.open("alias/a")[:].tolist() == [1, 2, 3, 4]
    os.symlink(root / "real", root / "absolute")  # absolute links jump to "/": refused
    with pytest.raises(PermissionError):
        datahub.open("absolute/a")
