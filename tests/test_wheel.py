"""The wheel from `make wheel` installs into a fresh virtual environment, with no compiler on
PATH, and round-trips data through every codec, bundled libraries and all."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

ROUND_TRIP = textwrap.dedent(
    """
    import shutil, sys, tempfile
    import numpy as np
    import hub_v1 as hub

    assert hub.__file__.startswith(sys.prefix), hub.__file__  # the wheel, not the source tree
    assert not any(shutil.which(compiler) for compiler in ("gcc", "cc", "c++", "clang"))
    datahub = hub.fs(tempfile.mkdtemp()).connect()
    rng = np.random.default_rng(0)
    for codec in ("default", "gzip", "zlib", "lz4", "zstd", "png"):
        data = rng.integers(0, 255, (6, 32, 32, 3), dtype=np.uint8)
        array = datahub.array(codec, shape=data.shape, chunk=(2, 32, 32, 3), dtype="uint8",
                              compress=codec)
        array[:] = data
        assert (datahub.open(codec)[:] == data).all(), codec
    photo = np.tile(np.linspace(0, 255, 64, dtype=np.uint8), (4, 64, 1))[..., None].repeat(3, 3)
    jpeg = datahub.array("jpeg", shape=photo.shape, dtype="uint8", compress="jpeg")
    jpeg[:] = photo
    assert np.abs(jpeg[:].astype(int) - photo).mean() < 3
    print("round trip ok", hub.__version__)
    """
)


def test_the_wheel_installs_and_works_without_a_compiler(tmp_path):
    wheels = sorted((ROOT / "wheelhouse").glob("hub_v1-*-manylinux_*.whl"))
    assert wheels, "no repaired wheel in wheelhouse/: run `make wheel` (make test does)"
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", venv], check=True, timeout=300)
    python = venv / "bin" / "python"
    install = subprocess.run(
        [python, "-m", "pip", "install", "-q", "--only-binary", ":all:", wheels[-1]],
        capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert install.returncode == 0, install.stdout + install.stderr
    # Only the new environment's bin on PATH: no gcc, cc or c++ to fall back on.
    environment = {"PATH": str(venv / "bin"), "HOME": os.environ.get("HOME", str(tmp_path))}
    result = subprocess.run(
        [python, "-c", ROUND_TRIP], capture_output=True, text=True, cwd=tmp_path,
        env=environment, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "round trip ok" in result.stdout
    bundled = list((venv / "lib").glob("python3*/site-packages/hub_v1.libs/*"))
    names = {path.name.split("-")[0] for path in bundled}
    assert {"libturbojpeg", "libpng16", "liblz4", "libzstd", "libdeflate"} <= names, names
