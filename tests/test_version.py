"""One version number: pyproject.toml's, which CMake reads for the C++ package and compiles
into the engine module; vcpkg.json (which cannot read it) must state the same."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import hub_v1 as hub
from hub_v1 import _core

ROOT = Path(__file__).resolve().parents[1]


def test_every_version_is_pyprojects():
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert hub.__version__ == _core.__version__ == version
    assert json.loads((ROOT / "vcpkg.json").read_text())["version-string"] == version


def test_the_changelog_has_a_section_for_this_version():
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    headings = [
        line for line in (ROOT / "CHANGELOG.md").read_text().splitlines() if line.startswith("## ")
    ]
    assert any(heading.startswith(f"## {version} ") for heading in headings), headings
