"""Every code sample in the user guide (docs/) runs, as written, in a fresh folder: Python
blocks in order in one namespace per page, `$ ...` lines of console blocks in a shell. Cloud
samples reach the S3 and GCS emulators through the standard environment variables (a bucket
named my-bucket, credentials in aws_credentials.ini), so they run unchanged against a
real cloud too. The site itself must build with `mkdocs build --strict`."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import S3_KEYS

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
PAGES = sorted(path.name for path in DOCS.glob("*.md"))
FENCE = re.compile(r"^```(\w+)\n(.*?)^```$", re.MULTILINE | re.DOTALL)
SNIPPET = re.compile(r'^--8<-- "(.+)"$')
RUN_FROM_THE_REPOSITORY = {"cpp.md"}  # builds the engine from the source tree


def code_blocks(page: str) -> list[tuple[str, str]]:
    return [(match[1], match[2]) for match in FENCE.finditer((DOCS / page).read_text())]


def test_every_page_is_in_the_site_and_has_samples():
    nav = (ROOT / "mkdocs.yml").read_text()
    for page in PAGES:
        assert f": {page}" in nav, f"{page} is missing from mkdocs.yml's nav"
        runnable = [lang for lang, _ in code_blocks(page) if lang in ("python", "console")]
        assert runnable, f"{page} has no sample to run"


@pytest.fixture()
def cloud_environment(s3_endpoint, gcs_endpoint, monkeypatch, tmp_path):
    """The emulators behind the standard variables, and the files the samples name."""
    import hub_v1 as hub

    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_endpoint)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("STORAGE_EMULATOR_HOST", gcs_endpoint)
    hub.s3("my-bucket", create_bucket=True, region="us-east-1", **S3_KEYS).connect()
    hub.gs("my-bucket", endpoint=gcs_endpoint, project_id="docs").connect()
    (tmp_path / "aws_credentials.ini").write_text(
        "[default]\naws_access_key_id = {aws_access_key_id}\n"
        "aws_secret_access_key = {aws_secret_access_key}\n".format(**S3_KEYS)
    )
    return tmp_path


@pytest.mark.parametrize("page", PAGES)
def test_the_samples_of_each_page_run(page, cloud_environment, monkeypatch):
    workdir = ROOT if page in RUN_FROM_THE_REPOSITORY else cloud_environment
    monkeypatch.chdir(workdir)
    bin_dir = os.path.dirname(sys.executable)  # hub_v1, cmake and ninja of this environment
    monkeypatch.setenv("PATH", bin_dir + os.pathsep + os.environ["PATH"])
    namespace: dict[str, object] = {"__name__": f"docs_{page[:-3]}"}
    for language, body in code_blocks(page):
        if language == "python":
            exec(compile(body, f"docs/{page}", "exec"), namespace)
        elif language == "console":
            for line in body.splitlines():
                assert line.startswith("$ "), f"docs/{page}: console lines start with '$ '"
                result = subprocess.run(
                    line[2:], shell=True, capture_output=True, text=True, timeout=1200
                )
                assert result.returncode == 0, f"docs/{page}: {line}\n{result.stderr}"
        elif language in ("cpp", "cmake"):  # included from files that other samples build
            for included in body.splitlines():
                match = SNIPPET.match(included)
                assert match and (ROOT / match[1]).is_file(), f"docs/{page}: {included}"


def test_the_site_builds_strictly(tmp_path):
    mkdocs = Path(sys.executable).parent / "mkdocs"
    result = subprocess.run(
        [mkdocs, "build", "--strict", "--site-dir", tmp_path / "site"],
        capture_output=True, text=True, cwd=ROOT, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "site" / "cpp" / "index.html").read_text().count("ValueAt") >= 1
