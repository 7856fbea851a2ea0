"""Training augmentation on images of many sizes: RandomResizedCrop(224) + RandomHorizontalFlip
+ Normalize, one shuffled epoch, images per second, batches of 64, on local disk.

Data: `--count` photo-like JPEGs with sides drawn from 200-500 px, quality 90 (the files of
bench_ragged.py), kept byte for byte in a ragged jpeg array and as files in a folder.
  hub_v1 engine      ds.to_pytorch(transform={"images": Compose([...])}).loader(...): each
                     crop drawn against its image's size from the shapes array, decoded (only
                     the crop, at a reduced DCT scale) and resampled on the engine's threads
  Python recipe      torchvision's recipe (RandomResizedCrop, flip, ToTensor, Normalize) on
                     the files, decoded by simplejpeg (libjpeg-turbo) and transformed in PIL
                     and numpy, in a DataLoader: torchvision itself does not install beside
                     this CPU build of torch (its wheel's operators need the CUDA build)
  DALI CPU           NVIDIA DALI's CPU pipeline (fn.readers.file,
                     fn.decoders.image_random_crop, fn.resize, fn.crop_mirror_normalize with a
                     random mirror), 2 threads, if nvidia-dali is installed
  decode only        every file decoded whole by libjpeg-turbo (simplejpeg) on a thread per
                     core and nothing else: the figure a crop-aware decoder can beat
Prints medians of --runs epochs and the ratios the issue targets: >= 1.5x DALI's CPU pipeline,
>= 2x the Python recipe, >= 1.0x decode only; and images/s per core.

    python benchmarks/bench_ragged_transforms.py [--runs 3] [--count 2000]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import hub_v1 as hub
import numpy as np
import torch
from bench_ragged import make_jpegs
from bench_transforms import MEAN, STD, SimplejpegFiles, epoch_rate
from hub_v1 import transforms as T
from PIL import Image
from timing import machine
from torch.utils.data import DataLoader

BATCH = 64


def dali_rate(folder: Path, count: int, runs: int) -> float:
    from nvidia.dali import fn, pipeline_def, types
    from nvidia.dali.plugin.base_iterator import LastBatchPolicy
    from nvidia.dali.plugin.pytorch import DALIGenericIterator

    @pipeline_def(batch_size=BATCH, num_threads=os.cpu_count() or 1, device_id=None)
    def augment():
        files, labels = fn.readers.file(file_root=str(folder), random_shuffle=True, name="files")
        images = fn.decoders.image_random_crop(files, device="cpu", output_type=types.RGB)
        images = fn.resize(images, resize_x=224, resize_y=224)
        images = fn.crop_mirror_normalize(
            images,
            dtype=types.FLOAT,
            output_layout="CHW",
            mean=list(MEAN * 255),
            std=list(STD * 255),
            mirror=fn.random.coin_flip(),
        )
        return images, labels

    pipe = augment()
    pipe.build()
    iterator = DALIGenericIterator(
        [pipe], ["images", "labels"], reader_name="files",
        last_batch_policy=LastBatchPolicy.PARTIAL, auto_reset=True,
    )  # fmt: skip
    rates = []
    for _ in range(runs):
        seen, start = 0, time.perf_counter()
        for batch in iterator:
            images = batch[0]["images"]
            assert tuple(images.shape[1:]) == (3, 224, 224)
            seen += len(images)
        assert seen == count
        rates.append(seen / (time.perf_counter() - start))
    return statistics.median(rates)


def decode_only_rate(paths: list[Path], runs: int) -> float:
    import simplejpeg

    files = [path.read_bytes() for path in paths]

    def decode(file: bytes) -> int:
        return simplejpeg.decode_jpeg(file, colorspace="RGB").shape[0]

    rates = []
    with ThreadPoolExecutor(os.cpu_count() or 1) as pool:
        for _ in range(runs):
            start = time.perf_counter()
            assert all(height > 0 for height in pool.map(decode, files, chunksize=16))
            rates.append(len(files) / (time.perf_counter() - start))
    return statistics.median(rates)


def main() -> None:
    parser = argparse.ArgumentParser(description="augmentation of images of many sizes")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--count", type=int, default=2000, help="images in the dataset")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    print(f"torch {torch.__version__}, batches of {BATCH}, medians of {args.runs} epochs")
    scratch = Path(tempfile.mkdtemp(prefix="bench_ragged_transforms_"))
    try:
        folder = scratch / "files" / "all"  # one class folder, as DALI's reader wants
        folder.mkdir(parents=True)
        paths = make_jpegs(folder, args.count)
        megabytes = sum(path.stat().st_size for path in paths) / 1e6
        sizes = np.array([Image.open(path).size for path in paths])
        datahub = hub.fs(scratch / "hub").connect()
        images = datahub.array("images", shape=(0, None, None, 3), dtype="uint8", compress="jpeg")
        images.extend(hub.read(path) for path in paths)
        ds = datahub.dataset("train", components={"images": images})

        augment = T.Compose(
            [T.RandomResizedCrop(224), T.RandomHorizontalFlip(), T.Normalize(MEAN, STD)]
        )
        rates: dict[str, float] = {}
        for workers in (0, 2):
            engine = ds.to_pytorch(transform={"images": augment})
            rates[f"hub_v1 engine, {workers} workers"] = epoch_rate(
                engine.loader(batch_size=BATCH, shuffle=True, num_workers=workers), args.runs
            )
        recipe = SimplejpegFiles([str(path) for path in paths])
        for workers in (0, 2):
            loader = DataLoader(recipe, batch_size=BATCH, shuffle=True, num_workers=workers)
            rates[f"Python recipe (simplejpeg), {workers} workers"] = epoch_rate(loader, args.runs)
        if importlib.util.find_spec("nvidia.dali"):
            rates["DALI CPU pipeline, 2 threads"] = dali_rate(folder.parent, args.count, args.runs)
        rates["decode only (simplejpeg, a thread per core)"] = decode_only_rate(paths, args.runs)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    mean_height, mean_width = sizes[:, 1].mean(), sizes[:, 0].mean()
    print(
        f"\n== {args.count:,} jpeg of sides 200-500 (mean {mean_width:.0f}x{mean_height:.0f}, "
        f"{megabytes:.0f} MB, q90): RRC 224 + flip + normalise =="
    )
    cores = os.cpu_count() or 1
    for name, rate in rates.items():
        print(f"  {name:46s} {rate:8,.0f} images/s  ({rate / cores:,.0f} per core)")
    engine = max(rates[f"hub_v1 engine, {w} workers"] for w in (0, 2))
    recipe_best = max(rates[f"Python recipe (simplejpeg), {w} workers"] for w in (0, 2))
    print(f"  engine / Python recipe: {engine / recipe_best:.2f}x (target 2.0)")
    dali = rates.get("DALI CPU pipeline, 2 threads")
    if dali is not None:
        print(f"  engine / DALI CPU: {engine / dali:.2f}x (target 1.5)")
    decode = rates["decode only (simplejpeg, a thread per core)"]
    print(f"  engine / decode only: {engine / decode:.2f}x (target 1.0)")


if __name__ == "__main__":
    main()
