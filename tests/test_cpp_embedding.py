"""C++ embedding: `cmake --install` puts the headers and a CMake package in a prefix, and
examples/cpp (find_package(hub_v1), targets hub_v1::core and hub_v1::cloud) builds against
it and reads an array and a dataset that Python wrote, locally, on S3 and on GCS."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import hub_v1 as hub
import numpy as np
from engine_build import GENERATOR, ROOT, build_engine, cmake


def test_an_installed_package_builds_the_example_that_reads_python_data(tmp_path):
    example = _build_examples(tmp_path)
    prefix = tmp_path / "prefix"
    assert (prefix / "include" / "hub" / "array.h").is_file()
    assert (prefix / "lib" / "cmake" / "hub_v1" / "hub_v1Config.cmake").is_file()

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


def _build_examples(tmp_path) -> Path:
    engine = build_engine()
    prefix = tmp_path / "prefix"
    cmake("--install", engine, "--prefix", prefix)
    assert (prefix / "include" / "hub" / "cloud_store.h").is_file()
    assert list((prefix / "lib").glob("libhub_v1_cloud.a")), "hub_v1::cloud was not installed"
    example = tmp_path / "example"
    cmake("-S", ROOT / "examples" / "cpp", "-B", example, *GENERATOR,
          f"-DCMAKE_PREFIX_PATH={prefix}")  # fmt: skip
    cmake("--build", example)
    return example


def _write_dataset(datahub: hub.DataHub) -> tuple[np.ndarray, np.ndarray]:
    images = np.random.default_rng(0).integers(0, 255, (6, 8, 8, 3), dtype=np.uint8)
    labels = np.arange(6, dtype=np.int64) * 10
    image_array = datahub.array("mnist/images", shape=images.shape, dtype="uint8", compress="png")
    image_array[:] = images
    label_array = datahub.array("mnist/labels", shape=labels.shape, dtype="int64")
    label_array[:] = labels
    datahub.dataset("mnist/train", components={"labels": label_array, "images": image_array})
    return images, labels


def test_the_dataset_example_reads_python_data_from_s3_and_gcs(tmp_path, s3_endpoint, gcs_endpoint):
    """examples/cpp/read_dataset, linked with hub_v1::cloud from the installed package, opens
    by URL datasets Python wrote to moto's S3 (keys from the environment, from a credentials
    file, then an EC2 instance role from a metadata service, every request signed by it) and
    to fake-gcs-server, and reads each sample as Python sees it."""
    import json
    import uuid

    from credential_endpoints import MetadataEndpoints
    from fault_proxy import FaultProxy

    example = _build_examples(tmp_path)
    prefix = uuid.uuid4().hex
    s3_hub = hub.s3("hub-tests", endpoint=s3_endpoint, region="us-east-1", create_bucket=True,
                    prefix=prefix, aws_access_key_id="testing",
                    aws_secret_access_key="testing").connect()  # fmt: skip
    images, labels = _write_dataset(s3_hub)
    gcs_prefix = uuid.uuid4().hex
    _write_dataset(hub.gs("hub-tests", endpoint=gcs_endpoint, prefix=gcs_prefix).connect())

    expected = ["length 6", "component labels int64 6", "component images uint8 6 8 8 3"] + [
        f"sample {i} {labels[i]} {images[i].astype(np.int64).sum()}" for i in range(4)
    ]
    base = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "STORAGE_"))}
    keys = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    s3_env = {**base, **keys, "AWS_ENDPOINT_URL": s3_endpoint, "AWS_REGION": "us-east-1"}
    creds = tmp_path / "creds.json"
    creds.write_text(json.dumps({"aws_access_key_id": "testing", "aws_secret_access_key": "x"}))
    runs = [
        (f"s3://hub-tests/{prefix}", s3_env),
        (
            f"s3://hub-tests/{prefix}",
            {**s3_env, **dict.fromkeys(keys, ""), "HUB_AWS_CREDENTIALS": str(creds)},
        ),
        (f"gs://hub-tests/{gcs_prefix}", {**base, "STORAGE_EMULATOR_HOST": gcs_endpoint}),
    ]
    for url, env in runs:
        env = {k: v for k, v in env.items() if v}
        result = subprocess.run(
            [example / "read_dataset", url, "mnist/train", "4"],
            capture_output=True, text=True, timeout=120, env=env,
        )  # fmt: skip
        assert result.returncode == 0, (url, result.stderr)
        assert result.stdout.splitlines() == expected, url

    missing = subprocess.run(
        [example / "read_dataset", f"s3://hub-tests/{prefix}", "mnist/nothing"],
        capture_output=True, text=True, timeout=120, env=s3_env,
    )  # fmt: skip
    assert missing.returncode == 1 and "no dataset named 'mnist/nothing'" in missing.stderr

    # A machine's role: no keys anywhere, an IMDSv2 service, the program linked as it was.
    with (
        MetadataEndpoints() as metadata,
        FaultProxy(int(s3_endpoint.rsplit(":", 1)[1]), failure_rate=0.0) as proxy,
    ):
        role_env = {
            **base,
            "AWS_ENDPOINT_URL": f"http://127.0.0.1:{proxy.port}",
            "AWS_REGION": "us-east-1",
            "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
            "AWS_CONFIG_FILE": str(tmp_path / "none"),
            "AWS_EC2_METADATA_DISABLED": "false",
            "AWS_EC2_METADATA_SERVICE_ENDPOINT": metadata.endpoint,
        }
        result = subprocess.run(
            [example / "read_dataset", f"s3://hub-tests/{prefix}", "mnist/train", "4"],
            capture_output=True, text=True, timeout=120, env=role_env,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        assert result.stdout.splitlines() == expected
        assert metadata.issued == ["ASIAHUBTEST000000000"]
        assert proxy.signers == {"ASIAHUBTEST000000000": len(proxy.answered)}, proxy.signers
    bad = subprocess.run(
        [example / "read_dataset", "ftp://host/x", "d"], capture_output=True, text=True
    )
    assert bad.returncode == 1 and "unsupported URL scheme 'ftp'" in bad.stderr
