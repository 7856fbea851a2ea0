"""hub_v1 demo: a dataset of synthetic images and labels in a local folder.

Writes 4,000 images (64x64x3 uint8) and their labels in batches, reopens the dataset,
reads slices and random items, and prints sizes and throughput. Run with `make demo`.
"""

from __future__ import annotations

import argparse
import os
import shutil
import time

import hub_v1 as hub
import numpy as np


def synthetic_images(rng: np.random.Generator, start: int, count: int) -> np.ndarray:
    """Smooth gradients with noise: compressible like photos, different per image."""
    y, x = np.mgrid[0:64, 0:64]
    base = (
        x[None, :, :, None] * 2
        + y[None, :, :, None]
        + np.arange(start, start + count)[:, None, None, None]
    )
    noise = rng.integers(0, 32, (count, 16, 16, 3)).repeat(4, axis=1).repeat(4, axis=2)
    return ((base + noise) % 256).astype(np.uint8)


def folder_bytes(path: str) -> int:
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, files in os.walk(path) for f in files)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--path", default="./data/demo", help="local folder to store the data in")
    parser.add_argument("--items", type=int, default=4000)
    args = parser.parse_args()

    shutil.rmtree(args.path, ignore_errors=True)
    datahub = hub.fs(args.path).connect()
    n = args.items
    images = datahub.array(
        "demo/images", shape=(n, 64, 64, 3), chunk=(250, 64, 64, 3), dtype="uint8", compress="lz4"
    )
    labels = datahub.array("demo/labels", shape=(n,), chunk=(n,), dtype="int64")
    datahub.dataset("demo/train", components={"images": images, "labels": labels})
    print(f"hub_v1 {hub.__version__}: {datahub!r}")

    rng = np.random.default_rng(0)
    batches = [
        (first, synthetic_images(rng, first, min(1000, n - first))) for first in range(0, n, 1000)
    ]
    start = time.perf_counter()
    for first, batch_of_images in batches:  # one engine call per batch: one write per chunk
        images[first : first + len(batch_of_images)] = batch_of_images
    labels[:] = np.arange(n) % 10
    write_s = time.perf_counter() - start
    raw_mb = images.nbytes / 1e6
    stored_mb = folder_bytes(args.path) / 1e6
    print(
        f"wrote {n} images ({raw_mb:.1f} MB raw, {stored_mb:.1f} MB stored with lz4) "
        f"in {write_s:.2f} s: {raw_mb / write_s:.0f} MB/s"
    )

    ds = datahub.open("demo/train")
    assert isinstance(ds, hub.Dataset)
    print(f"reopened {ds!r}, len(ds) = {len(ds)}")

    start = time.perf_counter()
    everything = ds["images"][:]
    read_s = time.perf_counter() - start
    print(f"full read: {everything.shape} in {read_s:.3f} s: {raw_mb / read_s:.0f} MB/s")

    batch = ds[100:132]
    print(f"slice ds[100:132]: images {batch['images'].shape}, labels {batch['labels'][:8]}...")
    crop = ds["images", 5, 10:20, 10:20, 0]
    print(f"crop ds['images', 5, 10:20, 10:20, 0]: {crop.shape}, mean {crop.mean():.1f}")

    order = rng.permutation(n)[:500]
    start = time.perf_counter()
    for i in order:
        item = ds[int(i)]
        assert item["labels"] == i % 10
    random_s = time.perf_counter() - start
    print(f"500 random items: {500 / random_s:.0f} items/s ({random_s * 1e3 / 500:.2f} ms each)")

    start = time.perf_counter()
    gathered = ds["images"][np.sort(order[:64])]
    gather_ms = (time.perf_counter() - start) * 1e3
    print(f"gather of 64 sorted random indices: {gathered.shape} in {gather_ms:.1f} ms")
    np.testing.assert_array_equal(gathered, everything[np.sort(order[:64])])
    print("all reads verified against the full array")


if __name__ == "__main__":
    main()
