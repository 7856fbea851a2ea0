"""The C++ engine's own CMake build, for the tests that run C++ programs: the build folder
`make test-cpp` uses (build/cpp), configured the same way and reused when it is there."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = os.path.dirname(sys.executable)
CMAKE = shutil.which("cmake", path=BIN) or shutil.which("cmake")
NINJA = shutil.which("ninja", path=BIN) or shutil.which("ninja")
ENGINE_BUILD = ROOT / "build" / "cpp"
GENERATOR = ["-G", "Ninja", f"-DCMAKE_MAKE_PROGRAM={NINJA}"]


def cmake(*args: str | os.PathLike[str]) -> str:
    assert CMAKE and NINJA, "cmake and ninja come with requirements/dev.txt"
    result = subprocess.run([CMAKE, *map(str, args)], capture_output=True, text=True, timeout=1200)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def build_engine(*targets: str) -> Path:
    """Configures build/cpp (C++ tests on, Python module off, the cloud stores on) and
    builds `targets` (all if none); returns the build folder."""
    cmake("-S", ROOT, "-B", ENGINE_BUILD, *GENERATOR, "-DHUB_BUILD_TESTS=ON",
          "-DHUB_BUILD_PYTHON=OFF", f"-DPython_EXECUTABLE={sys.executable}")  # fmt: skip
    cmake("--build", ENGINE_BUILD, *(["--target", *targets] if targets else []))
    return ENGINE_BUILD
