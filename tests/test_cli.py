"""The `hub_v1` console script, run as users run it: a subprocess of the installed command."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import hub_v1 as hub
import numpy as np
import pytest
from conftest import S3_KEYS, s3_hub

HUB_COMMAND = shutil.which("hub_v1", path=os.path.dirname(sys.executable))


def run(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None):
    assert HUB_COMMAND, "the hub_v1 console script is not installed next to this Python"
    return subprocess.run(
        [HUB_COMMAND, *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=300
    )


@pytest.fixture()
def mnist(tmp_path) -> Path:
    """data/ holding mnist/images (half written, lz4), mnist/labels and the mnist/ds dataset."""
    datahub = hub.fs(tmp_path / "data").connect()
    images = datahub.array(
        "mnist/images", shape=(100, 28, 28), chunk=(10, 28, 28), dtype="uint8", compress="lz4"
    )
    images[:50] = np.tile(np.arange(28, dtype=np.uint8), (50, 28, 1))  # compressible
    labels = datahub.array("mnist/labels", shape=(100,), chunk=(50,), dtype="int64")
    labels[:] = np.arange(100) % 10
    datahub.dataset("mnist/ds", components={"images": images, "labels": labels})
    return tmp_path / "data"


def test_info_reports_shape_codec_and_stored_size(mnist):
    result = run("info", str(mnist / "mnist" / "images"), "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    array = hub.fs(mnist).connect().open("mnist/images")
    assert report["name"] == "mnist/images"  # named from the hierarchy's root
    assert report["shape"] == [100, 28, 28] and report["chunk"] == [10, 28, 28]
    assert report["dtype"] == "uint8" and report["codec"] == "lz4"
    assert report["chunks"] == 10 and report["chunks_stored"] == 5
    chunks = (mnist / "mnist" / "images" / "c").rglob("*")
    on_disk = sum(f.stat().st_size for f in chunks if f.is_file())
    assert report["stored_bytes"] == on_disk == array.nbytes_stored()
    assert report["compression_ratio"] == pytest.approx(50 * 28 * 28 / on_disk)
    text = run("info", str(mnist / "mnist" / "images")).stdout
    assert "lz4" in text and "5 of 10 chunks stored" in text and "compression:" in text


def test_info_of_a_dataset_describes_each_component(mnist):
    result = run("info", "mnist/ds", "--json", cwd=mnist)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["kind"] == "dataset" and report["shape"] == [100]
    assert set(report["components"]) == {"images", "labels"}
    assert report["components"]["labels"]["stored_bytes"] > 0


def test_ls_lists_arrays_and_datasets(mnist):
    result = run("ls", str(mnist))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert [line.split("\t")[:2] for line in lines] == [
        ["mnist/ds", "dataset"],
        ["mnist/images", "array"],
        ["mnist/labels", "array"],
    ]


def test_cp_rechunks_and_recompresses_into_another_store(mnist, tmp_path):
    destination = tmp_path / "copy" / "images"
    result = run(
        "cp", str(mnist / "mnist" / "images"), str(destination),
        "--chunk", "25,28,28", "--compress", "zstd", "--compresslevel", "0.2", "--progress",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "100%" in result.stderr  # the progress bar ran to the end
    copied = hub.fs(tmp_path / "copy").connect().open("images")
    assert (copied.chunk, copied.compress, copied.compresslevel) == ((25, 28, 28), "zstd", 0.2)
    source = hub.fs(mnist).connect().open("mnist/images")
    np.testing.assert_array_equal(copied[:], source[:])
    # Refuses to replace what exists, unless told to.
    again = run("cp", str(mnist / "mnist" / "images"), str(destination), "--no-progress")
    assert again.returncode == 1 and "already exists" in again.stderr
    assert (
        run("cp", str(mnist / "mnist" / "images"), str(destination), "--overwrite").returncode == 0
    )
    assert hub.fs(tmp_path / "copy").connect().open("images").chunk == (10, 28, 28)


def test_cp_reshards_and_info_reports_shards(mnist, tmp_path):
    destination = tmp_path / "sharded" / "images"
    result = run(
        "cp", str(mnist / "mnist" / "images"), str(destination),
        "--chunk", "1,28,28", "--shard", "40,28,28", "--no-progress",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    copied = hub.fs(tmp_path / "sharded").connect().open("images")
    assert (copied.chunk, copied.shard) == ((1, 28, 28), (40, 28, 28))
    np.testing.assert_array_equal(copied[:], hub.fs(mnist).connect().open("mnist/images")[:])
    report = json.loads(run("info", str(destination), "--json").stdout)
    # 50 written images (the rest are zeros, not stored) in shards 0 and 1 of 3.
    assert (report["shard"], report["shards"], report["shards_stored"]) == ([40, 28, 28], 3, 2)
    assert (report["chunks"], report["chunks_stored"]) == (100, 50)
    assert "shard:" in run("info", str(destination)).stdout
    bad = run("cp", str(mnist / "mnist" / "images"), str(tmp_path / "bad"), "--shard", "7,28,28")
    assert bad.returncode == 1 and "multiple of chunk" in bad.stderr


def test_cp_to_and_from_s3(mnist, s3_endpoint):
    prefix = uuid.uuid4().hex
    s3_hub(s3_endpoint)  # the bucket
    env = {
        **os.environ,
        "AWS_ENDPOINT_URL": s3_endpoint,
        "AWS_ACCESS_KEY_ID": S3_KEYS["aws_access_key_id"],
        "AWS_SECRET_ACCESS_KEY": S3_KEYS["aws_secret_access_key"],
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    up = run("cp", str(mnist / "mnist" / "images"), f"s3://hub-tests/{prefix}/images", env=env)
    assert up.returncode == 0, up.stderr
    assert run("ls", f"s3://hub-tests/{prefix}", env=env).stdout.startswith("images\tarray")
    info = json.loads(run("info", f"s3://hub-tests/{prefix}/images", "--json", env=env).stdout)
    assert info["chunks_stored"] == 10  # a copy writes every chunk, zeros included
    down = run("cp", f"s3://hub-tests/{prefix}/images", str(mnist / "back"), env=env)
    assert down.returncode == 0, down.stderr
    source = hub.fs(mnist).connect()
    np.testing.assert_array_equal(source.open("back")[:], source.open("mnist/images")[:])


def test_preview_writes_a_contact_sheet_of_images(mnist, tmp_path):
    from PIL import Image

    output = tmp_path / "grid.png"
    result = run("preview", str(mnist / "mnist" / "ds"), "--items", "0:16", "-o", str(output))
    assert result.returncode == 0, result.stderr
    sheet = np.asarray(Image.open(output).convert("L"))
    # 16 tiles in a 4 x 4 grid of 128-pixel tiles with 2-pixel gutters.
    assert sheet.shape == (4 * 130, 4 * 130)
    tile = sheet[1:129, 1:129]
    # Each image is the ramp 0..27 from left to right, scaled up with nearest neighbours.
    assert tile[0, 0] == 0 and tile[0, -1] == 27
    assert (np.diff(tile[0].astype(int)) >= 0).all() and (tile == tile[0]).all()


def test_preview_of_other_values_is_a_histogram(mnist, tmp_path):
    from PIL import Image

    output = tmp_path / "labels.png"
    result = run("preview", str(mnist / "mnist" / "labels"), "--items", ":", "-o", str(output))
    assert result.returncode == 0, result.stderr
    assert "histogram of 100 values" in result.stderr
    pixels = np.asarray(Image.open(output).convert("RGB"))
    assert pixels.shape == (360, 640, 3)
    assert (pixels == (70, 110, 180)).all(axis=2).sum() > 1000  # the bars are drawn


def test_bench_reports_read_throughput(mnist):
    result = run("bench", str(mnist / "mnist" / "images"), "--repeat", "2", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["bytes"] == 100 * 28 * 28 and report["repeat"] == 2
    assert report["mb_per_second"] > 0


def test_errors_are_clear_and_set_the_exit_status(mnist, tmp_path):
    missing = run("info", str(mnist / "nothing"))
    assert missing.returncode == 1
    assert missing.stderr.startswith("hub_v1: error: no array or dataset named 'nothing'")
    assert run("info", str(tmp_path / "no" / "such" / "x")).returncode == 1
    assert run("ls", "ftp://host/x").returncode == 1
    bad_items = run("preview", str(mnist / "mnist" / "images"), "--items", "a:b")
    assert bad_items.returncode == 1 and "--items" in bad_items.stderr
    unknown = run("preview", str(mnist / "mnist" / "images"), "-o", str(tmp_path / "x.nope"))
    assert unknown.returncode == 1 and "cannot tell an image format" in unknown.stderr
    unwritable = run("preview", str(mnist / "mnist" / "images"), "-o", str(tmp_path / "no/x.png"))
    assert unwritable.returncode == 1 and "No such file or directory" in unwritable.stderr
    usage = run("info")
    assert usage.returncode == 2 and "usage:" in usage.stderr
    assert run("frobnicate").returncode == 2


def test_python_dash_m_runs_the_same_command(mnist):
    result = subprocess.run(
        [sys.executable, "-m", "hub_v1", "ls", str(mnist)], capture_output=True, text=True
    )
    assert result.returncode == 0 and "mnist/images" in result.stdout
