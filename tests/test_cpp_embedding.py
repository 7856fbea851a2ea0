"""C++ embedding: `cmake --install` puts the headers and a CMake package in a prefix, and
examples/cpp (find_package(hub_v1), target hub_v1::core) builds against it and reads an
array that Python wrote."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import hub_v1 as hub
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
BIN = os.path.dirname(sys.executable)
CMAKE = shutil.which("cmake", path=BIN) or shutil.which("cmake")
NINJA = shutil.which("ninja", path=BIN) or shutil.which("ninja")
ENGINE_BUILD = ROOT / "build" / "cpp"  # the build `make test-cpp` uses; reused when present


def cmake(*args: str | os.PathLike[str]) -> str:
    assert CMAKE and NINJA, "cmake and ninja come with requirements/dev.txt"
    result = subprocess.run([CMAKE, *map(str, args)], capture_output=True, text=True, timeout=1200)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_an_installed_package_builds_the_example_that_reads_python_data(tmp_path):
    generator = ["-G", "Ninja", f"-DCMAKE_MAKE_PROGRAM={NINJA}"]
    cmake("-S", ROOT, "-B", ENGINE_BUILD, *generator, "-DHUB_BUILD_TESTS=ON",
          "-DHUB_BUILD_PYTHON=OFF")  # fmt: skip
    cmake("--build", ENGINE_BUILD)
    prefix = tmp_path / "prefix"
    cmake("--install", ENGINE_BUILD, "--prefix", prefix)
    assert (prefix / "include" / "hub" / "array.h").is_file()
    assert (prefix / "lib" / "cmake" / "hub_v1" / "hub_v1Config.cmake").is_file()

    example = tmp_path / "example"
    cmake("-S", ROOT / "examples" / "cpp", "-B", example, *generator,
          f"-DCMAKE_PREFIX_PATH={prefix}")  # fmt: skip
    cmake("--build", example)

    data = np.arange(40, dtype="float32").reshape(8, 5) / 4
    array = (
        hub.fs(tmp_path / "data")
        .connect()
        .array("runs/weights", shape=data.shape, chunk=(3, 5), dtype="float32", compress="zstd")
    )
    array[:] = data
    result = subprocess.run(
        [example / "read_slice", tmp_path / "data", "runs/weights", "2", "5"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[:2] == ["shape 8 5", "dtype float32"]
    printed = np.array([[float(v) for v in line.split()] for line in lines[2:]])
    np.testing.assert_array_equal(printed, data[2:5])

    missing = subprocess.run(
        [example / "read_slice", tmp_path / "data", "nothing"], capture_output=True, text=True
    )
    assert missing.returncode == 1 and "no array named 'nothing'" in missing.stderr
