"""Ragged arrays: storing JPEG files as they are, against the peers that store the same bytes,
and random single-sample reads of a ragged array against a fixed-shape array.

1. Writes `--count` photo-like JPEGs (crops of scikit-image's sample photos with sides drawn
   from 200-500 px, quality 90) to a folder, reads them once (page cache warm), then times
   storing those bytes unchanged, one store each run, on local disk:
   - hub_v1: ``images.extend(hub.read(p) for p in paths)`` into a
     ``(0, None, None, 3)`` jpeg array (no decode);
   - Deep Lake 4 ``append`` of the bytes to an Image column (if installed);
   - Mosaic Streaming ``MDSWriter`` with a ``bytes`` column (if installed);
   - WebDataset ``ShardWriter`` (if installed);
   - one uncompressed tar of the files (Python's tarfile), the floor of "just copy them".
   Reports files/s and MB/s (of JPEG bytes), medians of --runs, and how many times as fast
   as each hub_v1 is. Mosaic needs a torchvision that matches torch: where the import fails,
   the row says so.
2. Random single-sample reads: a ragged uint8 array of (224, 224, 3) samples against a
   fixed-shape (N, 224, 224, 3) array of the same bytes (both one sample per chunk, raw),
   the median time of one ``arr[i]`` over 2,000 random indices, decoded-chunk cache off.

    python benchmarks/bench_ragged.py [--runs 3] [--count 3000]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tarfile
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import hub_v1 as hub
import numpy as np
import skimage.data
from PIL import Image
from timing import machine

PHOTOS = ["astronaut", "coffee", "chelsea", "rocket", "immunohistochemistry", "hubble_deep_field"]


def make_jpegs(folder: Path, count: int) -> list[Path]:
    """`count` JPEG files of sides 200-500 px, photo-like (crops of real photographs)."""
    rng = np.random.default_rng(0)
    bases = [
        np.asarray(Image.fromarray(getattr(skimage.data, name)()).convert("RGB").resize((640, 640)))
        for name in PHOTOS
    ]
    paths = []
    for i in range(count):
        height, width = rng.integers(200, 501, size=2)
        top, left = rng.integers(0, 640 - height + 1), rng.integers(0, 640 - width + 1)
        crop = bases[i % len(bases)][top : top + height, left : left + width]
        if i % 2:
            crop = crop[:, ::-1]
        path = folder / f"{i:06d}.jpg"
        Image.fromarray(np.ascontiguousarray(crop)).save(path, "JPEG", quality=90)
        paths.append(path)
    return paths


def store_hub(paths: list[Path], target: Path) -> None:
    images = (
        hub.fs(target)
        .connect()
        .array("images", shape=(0, None, None, 3), dtype="uint8", compress="jpeg")
    )
    images.extend(hub.read(path) for path in paths)


def store_deeplake(paths: list[Path], target: Path) -> None:
    import deeplake

    dataset = deeplake.create(str(target))
    dataset.add_column("images", deeplake.types.Image(sample_compression="jpeg"))
    batch = 256
    for start in range(0, len(paths), batch):
        dataset.append({"images": [p.read_bytes() for p in paths[start : start + batch]]})
    dataset.commit()


def store_mosaic(paths: list[Path], target: Path) -> None:
    from streaming import MDSWriter

    with MDSWriter(out=str(target), columns={"image": "bytes"}, compression=None) as writer:
        for path in paths:
            writer.write({"image": path.read_bytes()})


def store_webdataset(paths: list[Path], target: Path) -> None:
    import webdataset

    target.mkdir()
    with webdataset.ShardWriter(str(target / "shard-%06d.tar"), maxsize=64 << 20) as writer:
        for path in paths:
            writer.write({"__key__": path.stem, "jpg": path.read_bytes()})


def store_tar(paths: list[Path], target: Path) -> None:
    with tarfile.open(target, "w") as tar:
        for path in paths:
            tar.add(path, arcname=path.name)


def time_store(store: Callable[[Any, Path], None], source: Any, runs: int) -> float:
    """Median seconds of `store(source, a fresh folder's "out")` over `runs` runs."""
    seconds = []
    for _ in range(runs):
        scratch = Path(tempfile.mkdtemp(prefix="bench_ragged_"))
        try:
            start = time.perf_counter()
            store(source, scratch / "out")
            seconds.append(time.perf_counter() - start)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    return statistics.median(seconds)


def random_reads(runs: int) -> None:
    count, side = 2000, 224
    rng = np.random.default_rng(1)
    samples = rng.integers(0, 256, size=(count, side, side, 3), dtype=np.uint8)
    folder = Path(tempfile.mkdtemp(prefix="bench_ragged_reads_"))
    try:
        datahub = hub.fs(folder).connect()
        fixed = datahub.array(
            "fixed", shape=(count, side, side, 3), chunk=(1, side, side, 3),
            shard=(256, side, side, 3), dtype="uint8",
        )  # fmt: skip
        fixed[:] = samples
        ragged = datahub.array("ragged", shape=(0, None, None, 3), dtype="uint8", shard=256)
        ragged.extend(samples)
        order = rng.permutation(count)
        budget = hub.cache_size()
        hub.set_cache_size(0)
        try:
            results = {}
            for name, array in (("fixed", fixed), ("ragged", ragged)):
                per_read = []
                for _ in range(runs):
                    start = time.perf_counter()
                    for index in order:
                        array[int(index)]
                    per_read.append((time.perf_counter() - start) / count)
                results[name] = statistics.median(per_read)
        finally:
            hub.set_cache_size(budget)
        ratio = results["ragged"] / results["fixed"]
        print(
            f"random single reads of {side}x{side}x3 uint8, raw: fixed "
            f"{results['fixed'] * 1e6:.0f} us, ragged {results['ragged'] * 1e6:.0f} us "
            f"({ratio:.2f}x the fixed array's time)"
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--count", type=int, default=3000)
    args = parser.parse_args()
    print(machine())
    folder = Path(tempfile.mkdtemp(prefix="bench_ragged_jpegs_"))
    try:
        paths = make_jpegs(folder, args.count)
        megabytes = sum(os.path.getsize(p) for p in paths) / 1e6
        for path in paths:  # page cache warm
            path.read_bytes()
        print(f"{args.count} JPEGs, {megabytes:.0f} MB, sides 200-500 px, quality 90; "
              f"median of {args.runs} runs")  # fmt: skip
        stores = {
            "hub_v1 extend(hub.read)": store_hub,
            "Deep Lake 4 append": store_deeplake,
            "Mosaic MDSWriter": store_mosaic,
            "WebDataset ShardWriter": store_webdataset,
            "tar (tarfile)": store_tar,
        }
        seconds = {}
        for name, store in stores.items():
            try:
                seconds[name] = time_store(store, paths, args.runs)
            except ImportError as error:
                print(f"{name:26} not importable here ({error.name})")
        base = seconds["hub_v1 extend(hub.read)"]
        for name, value in seconds.items():
            print(
                f"{name:26} {args.count / value:8.0f} files/s {megabytes / value:7.0f} MB/s  "
                f"hub_v1 {value / base:.2f}x as fast"
            )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    random_reads(args.runs)


if __name__ == "__main__":
    main()
