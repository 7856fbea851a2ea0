"""One version number: pyproject.toml's, which CMake reads for the C++ package and compiles
into the engine module; vcpkg.json (which cannot read it) must state the same."""

from __future__ import annotations

import json
from pathlib import Path

import hub_v1 as hub
import tomllib
from hub_v1 import _core

ROOT = Path(__file__).resolve().parents[1]


def test_every_version_is_pyprojects():
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert hub.__version__ == _core.__version__ == version
    assert json.loads((ROOT / "vcpkg.json").read_text())["version-string"] == version
