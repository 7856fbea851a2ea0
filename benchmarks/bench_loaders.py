"""Training-loader throughput: one epoch, samples per second, on local disk.

(a) 20,000 uint8 images 128x128x3 stored with lz4; (b) 5,000 jpeg images 256x256x3.
Loaders, each with DataLoader num_workers 0 and 2, shuffled, batches of 64:
  hub_v1 map-style  DataLoader(ds.to_pytorch(), batch_size=64, shuffle=True)
  hub_v1 map-style, read-ahead  ds.to_pytorch().loader(batch_size=64, shuffle=True): its own
                    batch sampler, so the next batches are read while the step runs
  hub_v1 batched    DataLoader(ds.to_pytorch(batch_size=64, shuffle=True), batch_size=None)
  zarr-python       a plain map-style torch Dataset over zarr.open_array of the same array
                    (per-item reads decode whole chunks: timed on a subset, rate extrapolated)
  memmap (a)        the same samples from a numpy memmap: map-style, and sorted batch gathers
                    (the ceiling)
  Pillow (b)        a map-style Dataset decoding the same JPEG files with Pillow
  simplejpeg (b)    the same, decoding with libjpeg-turbo through simplejpeg (if installed)
  tf.data           ds.to_tensorflow().shuffle(1024).batch(64).prefetch(AUTOTUNE)
  tf.data batched   ds.to_tensorflow(batch_size=64, shuffle=True): a batch per engine call
Prints medians of --runs epochs and ratios; states the machine.

    python benchmarks/bench_loaders.py [--runs 3] [--dir /tmp/hub_v1_bench_loaders]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import hub_v1 as hub
import numpy as np
import torch
import zarr
from PIL import Image
from timing import machine
from torch.utils.data import DataLoader, Dataset, Subset

BATCH = 64


class ZarrDataset(Dataset):
    def __init__(self, root: str, path: str) -> None:
        self.root, self.path, self.array = root, path, None

    def __len__(self) -> int:
        return zarr.open_array(store=self.root, path=self.path, mode="r").shape[0]

    def __getitem__(self, i: int) -> torch.Tensor:
        if self.array is None:  # opened lazily, in the worker
            self.array = zarr.open_array(store=self.root, path=self.path, mode="r")
        return torch.from_numpy(self.array[i])


class MemmapDataset(Dataset):
    def __init__(self, path: str, shape: tuple[int, ...]) -> None:
        self.path, self.shape, self.array = path, shape, None

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, i: int) -> torch.Tensor:
        if self.array is None:
            self.array = np.memmap(self.path, dtype=np.uint8, mode="r", shape=self.shape)
        return torch.from_numpy(np.array(self.array[i]))


class SimplejpegDataset(Dataset):
    def __init__(self, files: list[str]) -> None:
        self.files = files

    def __len__(self) -> int:
        return len(self.files)

    def __getitem__(self, i: int) -> torch.Tensor:
        import simplejpeg

        with open(self.files[i], "rb") as file:
            return torch.from_numpy(simplejpeg.decode_jpeg(file.read(), colorspace="RGB"))


class PillowDataset(Dataset):
    def __init__(self, files: list[str]) -> None:
        self.files = files

    def __len__(self) -> int:
        return len(self.files)

    def __getitem__(self, i: int) -> torch.Tensor:
        with Image.open(self.files[i]) as image:
            return torch.from_numpy(np.asarray(image.convert("RGB")))


def epoch_rate(loader, runs: int, limit: int | None = None) -> float:
    """Median samples per second over `runs` epochs (stopping after `limit` samples)."""
    rates = []
    for _ in range(runs):
        count, start = 0, time.perf_counter()
        for batch in loader:
            first = batch["images"] if isinstance(batch, dict) else batch
            count += len(first)
            if limit and count >= limit:
                break
        rates.append(count / (time.perf_counter() - start))
    return statistics.median(rates)


def memmap_gather_rate(path: str, shape: tuple[int, ...], runs: int) -> float:
    mm = np.memmap(path, dtype=np.uint8, mode="r", shape=shape)
    rates = []
    for run in range(runs):
        order = np.random.default_rng(run).permutation(shape[0])
        start = time.perf_counter()
        for first in range(0, shape[0], BATCH):
            torch.from_numpy(mm[np.sort(order[first : first + BATCH])])
        rates.append(shape[0] / (time.perf_counter() - start))
    return statistics.median(rates)


def tf_rate(ds, runs: int) -> float:
    import tensorflow as tf

    pipeline = ds.to_tensorflow().shuffle(1024).batch(BATCH).prefetch(tf.data.AUTOTUNE)
    return epoch_rate(pipeline, runs)


def tf_batched_rate(ds, runs: int) -> float:
    """to_tensorflow(batch_size=...): whole batches, one engine call each, on tf.data's map."""
    return epoch_rate(ds.to_tensorflow(batch_size=BATCH, shuffle=True), runs)


def hub_loader_rates(ds, workers: int, runs: int) -> dict[str, float]:
    """hub_v1's map-style and batched loaders with `workers` DataLoader workers."""
    return {
        f"hub_v1 map-style, {workers} workers": epoch_rate(
            DataLoader(ds.to_pytorch(), batch_size=BATCH, shuffle=True, num_workers=workers), runs
        ),
        f"hub_v1 map-style read-ahead, {workers} workers": epoch_rate(
            ds.to_pytorch().loader(batch_size=BATCH, shuffle=True, num_workers=workers), runs
        ),
        f"hub_v1 batched, {workers} workers": epoch_rate(
            DataLoader(
                ds.to_pytorch(batch_size=BATCH, shuffle=True), batch_size=None, num_workers=workers
            ),
            runs,
        ),
    }


def synthetic_images(count: int, side: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:side, 0:side]
    out = np.empty((count, side, side, 3), np.uint8)
    for first in range(0, count, 1000):
        n = min(1000, count - first)
        base = (x + y)[None, :, :, None] + rng.integers(0, 255, (n, 1, 1, 3))
        noise = rng.integers(0, 32, (n, side // 8, side // 8, 3)).repeat(8, 1).repeat(8, 2)
        out[first : first + n] = ((base + noise) % 256).astype(np.uint8)
    return out


def report(title: str, rates: dict[str, float], references: dict[str, str]) -> None:
    print(f"\n== {title} ==")
    for name, rate in rates.items():
        print(f"  {name:<44}{rate:10.0f} samples/s")
    for label, expression in references.items():
        a, b = expression.split(" / ")
        print(f"  {label:<44}{rates[a] / rates[b]:10.2f}x")


def bench_lz4(root: str, runs: int) -> None:
    images = synthetic_images(20000, 128, 0)
    datahub = hub.fs(root).connect()
    array = datahub.array("a/images", shape=images.shape, dtype="uint8", compress="lz4")
    array[:] = images
    labels = datahub.array("a/labels", shape=(20000,), dtype="int64")
    labels[:] = np.arange(20000)
    ds = datahub.dataset("a/train", components={"images": array, "labels": labels})
    memmap_path = os.path.join(root, "a.u8")
    images.tofile(memmap_path)
    del images
    subset = Subset(
        ZarrDataset(root, "a/images"), np.random.default_rng(0).permutation(20000)[:640]
    )
    rates = {}
    for workers in (0, 2):
        rates.update(hub_loader_rates(ds, workers, runs))
        rates[f"zarr-python map-style, {workers} workers"] = epoch_rate(
            DataLoader(subset, batch_size=BATCH, num_workers=workers), 1
        )
        rates[f"memmap map-style, {workers} workers"] = epoch_rate(
            DataLoader(
                MemmapDataset(memmap_path, (20000, 128, 128, 3)),
                batch_size=BATCH,
                shuffle=True,
                num_workers=workers,
            ),
            runs,
        )
    rates["memmap sorted batch gathers (ceiling)"] = memmap_gather_rate(
        memmap_path, (20000, 128, 128, 3), runs
    )
    rates["tf.data pipeline"] = tf_rate(ds, runs)
    rates["tf.data batched"] = tf_batched_rate(ds, runs)
    best_hub = max(rates[f"hub_v1 batched, {w} workers"] for w in (0, 2))
    rates["hub_v1 batched, best"] = best_hub
    best_zarr = max(rates[f"zarr-python map-style, {w} workers"] for w in (0, 2))
    rates["zarr-python map-style, best"] = best_zarr
    report(
        "(a) 20,000 x 128x128x3 uint8, lz4",
        rates,
        {
            "batched / memmap ceiling": (
                "hub_v1 batched, best / memmap sorted batch gathers (ceiling)"
            ),
            "batched / zarr-python wrapper": "hub_v1 batched, best / zarr-python map-style, best",
        },
    )


def bench_jpeg(root: str, runs: int) -> None:
    images = synthetic_images(5000, 256, 1)
    datahub = hub.fs(root).connect()
    # The default image layout: one image per inner chunk of a shard.
    array = datahub.array(
        "b/images", shape=images.shape, dtype="uint8", compress="jpeg", quality=90
    )
    array[:] = images
    labels = datahub.array("b/labels", shape=(5000,), dtype="int64")
    labels[:] = np.arange(5000)
    ds = datahub.dataset("b/train", components={"images": array, "labels": labels})
    folder = os.path.join(root, "b_files")
    os.makedirs(folder)
    files = []
    for i, image in enumerate(images):  # Pillow's own JPEGs at the same quality, one file each
        files.append(os.path.join(folder, f"{i}.jpg"))
        Image.fromarray(image).save(files[-1], quality=90)
    rates = {}
    have_simplejpeg = importlib.util.find_spec("simplejpeg") is not None
    for workers in (0, 2):
        rates.update(hub_loader_rates(ds, workers, runs))
        rates[f"Pillow files map-style, {workers} workers"] = epoch_rate(
            DataLoader(PillowDataset(files), batch_size=BATCH, shuffle=True, num_workers=workers),
            runs,
        )
        if have_simplejpeg:
            rates[f"simplejpeg files map-style, {workers} workers"] = epoch_rate(
                DataLoader(
                    SimplejpegDataset(files), batch_size=BATCH, shuffle=True, num_workers=workers
                ),
                runs,
            )
    rates["tf.data pipeline"] = tf_rate(ds, runs)
    rates["tf.data batched"] = tf_batched_rate(ds, runs)
    rates["hub_v1 batched, best"] = max(rates[f"hub_v1 batched, {w} workers"] for w in (0, 2))
    rates["Pillow, best"] = max(rates[f"Pillow files map-style, {w} workers"] for w in (0, 2))
    rates["hub_v1 map-style read-ahead, best"] = max(
        rates[f"hub_v1 map-style read-ahead, {w} workers"] for w in (0, 2)
    )
    references = {
        "batched / Pillow": "hub_v1 batched, best / Pillow, best",
        "map-style read-ahead / batched (target 0.9)": (
            "hub_v1 map-style read-ahead, best / hub_v1 batched, best"
        ),
    }
    if have_simplejpeg:
        rates["simplejpeg, best"] = max(
            rates[f"simplejpeg files map-style, {w} workers"] for w in (0, 2)
        )
        references["map-style read-ahead / simplejpeg (target 1.0)"] = (
            "hub_v1 map-style read-ahead, best / simplejpeg, best"
        )
    report("(b) 5,000 x 256x256x3 jpeg (quality 90), one image per chunk", rates, references)


def main() -> None:
    parser = argparse.ArgumentParser(description="hub_v1 training-loader throughput")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--dir", default="/tmp/hub_v1_bench_loaders")
    args = parser.parse_args()
    shutil.rmtree(args.dir, ignore_errors=True)
    print(f"machine: {machine()}")
    print(
        f"{os.cpu_count()} cores, torch {torch.__version__}, zarr {zarr.__version__}, "
        f"batches of {BATCH}, medians of {args.runs} epochs"
    )
    bench_lz4(args.dir, args.runs)
    bench_jpeg(args.dir, args.runs)
    shutil.rmtree(args.dir, ignore_errors=True)


if __name__ == "__main__":
    main()
