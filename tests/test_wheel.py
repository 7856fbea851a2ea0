"""The wheels from `make wheels`, one per CPython the machine has (3.11 up), each installed
into a fresh virtual environment of its own interpreter with no compiler on PATH: every codec
round-trips, bundled libraries and all, and the README's quick start runs. On Python 3.12 the
newest zarr-python (which needs 3.12) is a second format oracle: the interop tests run there
against it, both ways. The whole suite runs on the build's own interpreter (make test-python)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
WHEELHOUSE = ROOT / "wheelhouse"

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
    print("round trip ok", hub.__version__, sys.version.split()[0])
    """
)


def _built() -> list[tuple[str, str]]:
    """(wheel file name, interpreter) for each wheel `make wheels` built."""
    listing = WHEELHOUSE / "interpreters.txt"
    if not listing.exists():
        return []
    return [tuple(line.split(" ", 1)) for line in listing.read_text().splitlines() if line]


WHEELS = _built()


def test_make_wheels_built_one_for_each_python_here():
    assert WHEELS, "no wheels in wheelhouse/: run `make wheels` (make test does)"
    tags = {wheel.split("-")[2] for wheel, _ in WHEELS}
    assert f"cp3{sys.version_info.minor}" in tags  # at least this interpreter's
    for wheel, _ in WHEELS:
        assert "-manylinux_" in wheel, wheel


def _venv_with(tmp_path: Path, interpreter: str, *requirements: str) -> Path:
    venv = tmp_path / "venv"
    subprocess.run([interpreter, "-m", "venv", venv], check=True, timeout=300)
    python = venv / "bin" / "python"
    install = subprocess.run(
        [python, "-m", "pip", "install", "-q", "--only-binary", ":all:", *requirements],
        capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert install.returncode == 0, install.stdout + install.stderr
    return python


def _run(python: Path, *arguments: str, cwd: Path, timeout: int = 600):
    # Only the environment's bin on PATH: no gcc, cc or c++ to fall back on.
    environment = {
        "PATH": str(python.parent),
        "HOME": os.environ.get("HOME", str(cwd)),
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    return subprocess.run(
        [python, *arguments], capture_output=True, text=True, cwd=cwd, env=environment,
        timeout=timeout,
    )  # fmt: skip


# No pyarrow comes with the wheel, and the cloud stores open without it: an S3 store with
# keys given and a GCS store at an emulator's address (nothing listens there; opening sends
# no request).
CLOUD_WITHOUT_PYARROW = """
import importlib.util
assert importlib.util.find_spec("pyarrow") is None, "pyarrow was installed"
import hub_v1 as hub
s3 = hub.s3("bucket", aws_access_key_id="k", aws_secret_access_key="s",
            endpoint="http://127.0.0.1:9", region="us-east-1").connect()
gs = hub.gs("bucket", endpoint="http://127.0.0.1:9").connect()
assert "s3://bucket" in repr(s3) and "gs://bucket" in repr(gs), (repr(s3), repr(gs))
print("cloud ok")
"""


@pytest.mark.parametrize(("wheel", "interpreter"), WHEELS, ids=[w.split("-")[2] for w, _ in WHEELS])
def test_each_wheel_installs_and_works_without_a_compiler(tmp_path, wheel, interpreter):
    oracle = "cp312" in wheel
    extra = ["-r", str(ROOT / "requirements" / "newest-zarr.txt")] if oracle else ["pytest"]
    python = _venv_with(tmp_path, interpreter, str(WHEELHOUSE / wheel), *extra)
    result = _run(python, "-c", ROUND_TRIP, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "round trip ok" in result.stdout
    bundled = list((python.parents[1] / "lib").glob("python3*/site-packages/hub_v1.libs/*"))
    names = {path.name.split("-")[0] for path in bundled}
    assert {"libturbojpeg", "libpng16", "liblz4", "libzstd", "libdeflate"} <= names, names
    # The cloud stores are hub_v1's own client: libcurl and OpenSSL bundled, no pyarrow.
    assert {"libcurl", "libcrypto"} <= names, names
    result = _run(python, "-c", CLOUD_WITHOUT_PYARROW, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "cloud ok" in result.stdout

    # The README's quick start, from the wheel, on local disk and in memory (the cloud
    # emulators are the main suite's); on 3.12 the zarr-python interop tests too.
    result = _run(python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-k",
                  "not s3 and not gcs", "tests/test_quickstart.py", cwd=ROOT)  # fmt: skip
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    if oracle:
        version = _run(python, "-c", "import zarr; print(zarr.__version__)", cwd=tmp_path)
        assert version.stdout.strip() == "3.4.2", version.stdout + version.stderr
        result = _run(python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-k", "zarr",
                      "tests/test_interop.py", "tests/test_sharding.py", cwd=ROOT)  # fmt: skip
        assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
        assert int(result.stdout.split(" passed")[0].split()[-1]) >= 40, result.stdout[-2000:]
