"""The C++ store conformance suite (cpp/tests/store/store_conformance_test.cc), which ctest runs
on memory and local stores, run here on moto's S3 and fake-gcs-server as well: every store
the engine opens by URL answers the same way (whole objects, ranges, size limits, listings,
generations, keys that cannot leave the store)."""

from __future__ import annotations

import os
import subprocess
import uuid

import hub_v1 as hub
from engine_build import build_engine


def test_every_store_passes_the_conformance_suite(s3_endpoint, gcs_endpoint):
    binary = build_engine("hub_store_conformance") / "cpp" / "tests" / "hub_store_conformance"
    prefix = uuid.uuid4().hex
    # The buckets exist before the suite runs against them.
    hub.s3("hub-tests", endpoint=s3_endpoint, region="us-east-1", create_bucket=True,
           aws_access_key_id="testing", aws_secret_access_key="testing").connect()  # fmt: skip
    hub.gs("hub-tests", endpoint=gcs_endpoint).connect()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "STORAGE_"))}
    env.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_ENDPOINT_URL=s3_endpoint,
        AWS_REGION="us-east-1",
        STORAGE_EMULATOR_HOST=gcs_endpoint,
        HUB_CONFORMANCE_URLS=f"s3://hub-tests/{prefix} gs://hub-tests/{prefix}",
    )
    result = subprocess.run([binary], capture_output=True, text=True, timeout=600, env=env)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    for store in ("memory", "file", "s3", "gs"):
        assert f"/{store}" in result.stdout, f"the suite did not run on {store}"
    assert "FAILED" not in result.stdout
