"""Shared fixtures: a DataHub on each store kind this issue covers (local disk, memory)."""

from __future__ import annotations

import hub_v1 as hub
import pytest


@pytest.fixture(params=["fs", "memory"])
def datahub(request: pytest.FixtureRequest, tmp_path) -> hub.DataHub:
    """A fresh, empty DataHub on local disk (a tmp folder) and in memory."""
    if request.param == "fs":
        return hub.fs(tmp_path / "store").connect()
    return hub.memory().connect()


@pytest.fixture
def fs_hub(tmp_path) -> hub.DataHub:
    """A DataHub on local disk, for tests that look at the files."""
    return hub.fs(tmp_path / "store").connect()
