"""Bringing an image folder in: ``hub.ingest.image_folder`` against the peers that store the
same encoded bytes, on local disk, page cache warm.

Data: `--count` photo-like JPEGs of sides 200-500 px, quality 90 (bench_ragged.py's files), in
10 class folders. Each run stores all of them once into a fresh folder:
  hub_v1 ingest      hub.ingest.image_folder(folder, datahub, "train"): images byte for byte
                     and int64 labels, resumable (progress recorded after every 1,024), as
                     by default (one process below 8 cores) and with 2 worker processes
  Deep Lake 4        ``append`` of the bytes to an Image column (if deeplake is installed)
  WebDataset         ``ShardWriter`` of the bytes (if webdataset is installed)
  tar                one uncompressed tar of the files (Python's tarfile), "just copy them"
  Mosaic, LitData    ``MDSWriter`` and ``optimize()`` (2 workers) of the bytes and labels, run
                     by peer_writers.py in --peers-python, an interpreter with
                     requirements/bench-peers.txt (Mosaic pins numpy < 2.2: they do not
                     install beside this environment)
Prints medians of --runs (files/s and MB/s) and hub_v1's ratio to the fastest peer (target
1.5x) and to the tar (target 1.0x). With --s3, the same ingest into SeaweedFS's S3 on
127.0.0.1 (credentials from the environment, so the workers derive them too), beside
``hub.copy`` (what ``hub_v1 cp`` runs) of the ingested images array, the same bytes, from
local disk to the same S3.

    python benchmarks/bench_ingest.py [--runs 3] [--count 3000] [--s3] [--peers-python PATH]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import hub_v1 as hub
from bench_ragged import make_jpegs, store_deeplake, store_tar, store_webdataset, time_store
from timing import machine, median_seconds

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from servers import seaweedfs


def class_folders(paths: list[Path], root: Path) -> list[Path]:
    """The files moved into 10 class folders under `root`, in the ingest's order."""
    moved = []
    for k, path in enumerate(paths):
        folder = root / f"class{k % 10:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        moved.append(path.rename(folder / path.name))
    return sorted(moved)


def store_ingest(root: Path, target: Path) -> None:
    report = hub.ingest.image_folder(root, hub.fs(target).connect(), "train", progress=False)
    assert not report.skipped


def store_ingest_two_workers(root: Path, target: Path) -> None:
    datahub = hub.fs(target).connect()
    report = hub.ingest.image_folder(root, datahub, "train", progress=False, workers=2)
    assert not report.skipped


def s3_rows(root: Path, runs: int) -> dict[str, float]:
    """Median seconds of the ingest into S3 (SeaweedFS) and of copying the ingested images
    array there from local disk (what ``hub_v1 cp`` runs)."""
    os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench")
    scratch = Path(tempfile.mkdtemp(prefix="bench_ingest_s3_"))
    try:
        local = hub.fs(scratch).connect()
        images = hub.ingest.image_folder(root, local, "train", progress=False).dataset["images"]
        with seaweedfs("bench", "bench") as port:

            def bucket() -> hub.DataHub:
                return hub.s3(
                    "bench", endpoint=f"http://127.0.0.1:{port}", region="us-east-1",
                    prefix=uuid.uuid4().hex, create_bucket=True,
                ).connect()  # fmt: skip

            def ingest() -> None:
                hub.ingest.image_folder(root, bucket(), "train", progress=False)

            def ingest_with_workers() -> None:
                hub.ingest.image_folder(root, bucket(), "train", progress=False, workers=2)

            def copy() -> None:
                hub.copy(images, bucket(), "images", progress=False)

            return {
                "hub_v1 ingest -> S3": median_seconds(ingest, runs),
                "hub_v1 ingest, 2 workers -> S3": median_seconds(ingest_with_workers, runs),
                "hub_v1 cp (same bytes) -> S3": median_seconds(copy, runs),
            }
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def peer_rows(python: str, paths: list[Path], runs: int, scratch: Path) -> dict[str, float]:
    """Mosaic's and LitData's medians, timed by peer_writers.py in the interpreter `python`."""
    files = scratch / "files.json"
    files.write_text(json.dumps([[str(path), int(path.parent.name[5:])] for path in paths]))
    script = Path(__file__).with_name("peer_writers.py")
    done = subprocess.run(
        [python, str(script), str(files), str(runs), "2"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description="ingesting an image folder")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--count", type=int, default=3000)
    parser.add_argument("--s3", action="store_true", help="also ingest into S3 (SeaweedFS)")
    parser.add_argument("--peers-python", help="an interpreter with bench-peers.txt installed")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    scratch = Path(tempfile.mkdtemp(prefix="bench_ingest_files_"))
    try:
        flat = scratch / "flat"
        flat.mkdir()
        paths = class_folders(make_jpegs(flat, args.count), scratch / "folders")
        megabytes = sum(path.stat().st_size for path in paths) / 1e6
        for path in paths:
            path.read_bytes()  # page cache warm for everyone
        root = paths[0].parent.parent
        seconds = {
            "hub_v1 ingest.image_folder": time_store(store_ingest, root, args.runs),
            "hub_v1 ingest, 2 workers": time_store(store_ingest_two_workers, root, args.runs),
        }
        if importlib.util.find_spec("deeplake"):
            seconds["Deep Lake 4 append"] = time_store(store_deeplake, paths, args.runs)
        if importlib.util.find_spec("webdataset"):
            seconds["WebDataset ShardWriter"] = time_store(store_webdataset, paths, args.runs)
        if args.peers_python:
            seconds |= peer_rows(args.peers_python, paths, args.runs, scratch)
        seconds["one tar (tarfile)"] = time_store(store_tar, paths, args.runs)
        cloud = s3_rows(root, args.runs) if args.s3 else {}
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    print(f"\n== {args.count:,} JPEGs, {megabytes:.0f} MB, local disk, medians of {args.runs} ==")
    for name, taken in seconds.items():
        print(f"  {name:30s} {args.count / taken:9,.0f} files/s {megabytes / taken:8,.0f} MB/s")
    hub_seconds = seconds["hub_v1 ingest.image_folder"]
    peers = {name: taken for name, taken in seconds.items() if not name.startswith(("hub", "one"))}
    if peers:
        best = min(peers, key=peers.__getitem__)
        print(f"  hub_v1 / fastest peer ({best}): {peers[best] / hub_seconds:.2f}x (target 1.5)")
    print(f"  hub_v1 / tar: {seconds['one tar (tarfile)'] / hub_seconds:.2f}x (target 1.0)")
    if cloud:
        print("\n== the same files into S3 (SeaweedFS on 127.0.0.1) ==")
        for name, taken in cloud.items():
            print(f"  {name:30s} {args.count / taken:9,.0f} files/s {megabytes / taken:8,.0f} MB/s")
        ratio = cloud["hub_v1 cp (same bytes) -> S3"] / cloud["hub_v1 ingest -> S3"]
        print(f"  ingest / cp: {ratio:.2f}x")


if __name__ == "__main__":
    main()
