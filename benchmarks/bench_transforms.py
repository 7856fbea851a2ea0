"""Training augmentation throughput: RandomResizedCrop(224) + RandomHorizontalFlip +
Normalize, one shuffled epoch, images per second, batches of 64, on local disk.

Data: 2,000 jpeg photos-like images of 375 x 500 (ImageNet's typical size), quality 90.
  hub_v1 engine      ds.to_pytorch(transform={"images": Compose([...])}).loader(...): crops
                     chosen in numpy, decoded (only the crop, at a reduced DCT scale) and
                     resampled on the engine's threads
  hub_v1 + Python    ds.to_pytorch(transform=f) in a DataLoader: the engine decodes, then f
                     does the same pipeline per sample in Python (PIL + numpy)
  Pillow files       the torchvision recipe without torchvision (whose CPU wheel does not
                     match this torch build): one JPEG file per image, Image.open, then the
                     same crop / resize / flip / normalise in PIL and numpy
  simplejpeg files   the same with libjpeg-turbo's decoder through simplejpeg
Each with DataLoader num_workers 0 and 2 (the machine's cores); the Python pipelines' best
worker count is the reference. Prints medians of --runs epochs, the ratio against the best
Python pipeline (target >= 2) and images/s per core beside FFCV's published ~326 per vCPU
(ImageNet, RRC 224; a different machine and dataset, so only a bearing).

    python benchmarks/bench_transforms.py [--runs 3] [--count 2000] [--dir DIR]
"""

from __future__ import annotations

import argparse
import importlib.util
import math
import os
import random
import shutil
import statistics
import time

import hub_v1 as hub
import numpy as np
import torch
from hub_v1 import transforms as T
from PIL import Image
from timing import machine
from torch.utils.data import DataLoader, Dataset

BATCH = 64
HEIGHT, WIDTH = 375, 500
MEAN, STD = np.array([0.485, 0.456, 0.406]), np.array([0.229, 0.224, 0.225])


def random_resized_crop_box(height: int, width: int, rng: random.Random) -> tuple[int, ...]:
    """torchvision's RandomResizedCrop.get_params (scale 0.08-1, ratio 3/4-4/3)."""
    area = height * width
    for _ in range(10):
        target = area * rng.uniform(0.08, 1.0)
        aspect = math.exp(rng.uniform(math.log(3 / 4), math.log(4 / 3)))
        w, h = round(math.sqrt(target * aspect)), round(math.sqrt(target / aspect))
        if 0 < w <= width and 0 < h <= height:
            return rng.randint(0, height - h), rng.randint(0, width - w), h, w
    side = min(height, width)
    return (height - side) // 2, (width - side) // 2, side, side


def python_augment(image: Image.Image, rng: random.Random) -> torch.Tensor:
    """RandomResizedCrop(224) + RandomHorizontalFlip + ToTensor + Normalize, as torchvision
    does them on a PIL image."""
    top, left, h, w = random_resized_crop_box(image.height, image.width, rng)
    image = image.crop((left, top, left + w, top + h)).resize((224, 224), Image.BILINEAR)
    if rng.random() < 0.5:
        image = image.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    pixels = np.asarray(image, dtype=np.float32) / 255.0
    return torch.from_numpy(((pixels - MEAN) / STD).astype(np.float32).transpose(2, 0, 1))


class PillowFiles(Dataset):
    def __init__(self, files: list[str]) -> None:
        self.files, self.rng = files, random.Random(0)

    def __len__(self) -> int:
        return len(self.files)

    def __getitem__(self, i: int) -> torch.Tensor:
        with Image.open(self.files[i]) as image:
            return python_augment(image.convert("RGB"), self.rng)


class SimplejpegFiles(PillowFiles):
    def __getitem__(self, i: int) -> torch.Tensor:
        import simplejpeg

        with open(self.files[i], "rb") as file:
            pixels = simplejpeg.decode_jpeg(file.read(), colorspace="RGB")
        return python_augment(Image.fromarray(pixels), self.rng)


class PythonTransform:
    """A per-sample transform for ds.to_pytorch(transform=...): the Python pipeline."""

    def __init__(self) -> None:
        self.rng = random.Random(0)

    def __call__(self, sample: dict[str, torch.Tensor]) -> torch.Tensor:
        return python_augment(Image.fromarray(sample["images"].numpy()), self.rng)


def epoch_rate(loader, runs: int) -> float:
    rates = []
    for _ in range(runs):
        count, start = 0, time.perf_counter()
        for batch in loader:
            images = batch["images"] if isinstance(batch, dict) else batch
            assert images.shape[1:] == (3, 224, 224) and images.dtype == torch.float32
            count += len(images)
        rates.append(count / (time.perf_counter() - start))
    return statistics.median(rates)


def photos(count: int, seed: int) -> np.ndarray:
    """Smooth gradients with blocky detail: compress like photographs, differ per image."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:HEIGHT, 0:WIDTH]
    out = np.empty((count, HEIGHT, WIDTH, 3), np.uint8)
    for first in range(0, count, 200):
        n = min(200, count - first)
        base = (x // 2 + y // 3)[None, :, :, None] + rng.integers(0, 255, (n, 1, 1, 3))
        detail = rng.integers(0, 40, (n, HEIGHT // 8 + 1, WIDTH // 8 + 1, 3))
        detail = detail.repeat(8, 1).repeat(8, 2)[:, :HEIGHT, :WIDTH]
        out[first : first + n] = ((base + detail) % 256).astype(np.uint8)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description="hub_v1 augmentation throughput")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--dir", default="/tmp/hub_v1_bench_transforms")
    parser.add_argument("--count", type=int, default=2000, help="images in the dataset")
    args = parser.parse_args()
    shutil.rmtree(args.dir, ignore_errors=True)
    print(f"machine: {machine()}")
    print(f"torch {torch.__version__}, batches of {BATCH}, medians of {args.runs} epochs")

    count = args.count
    images = photos(count, 0)
    datahub = hub.fs(args.dir).connect()
    array = datahub.array("images", shape=images.shape, dtype="uint8", compress="jpeg", quality=90)
    array[:] = images
    ds = datahub.dataset("train", components={"images": array})
    folder = os.path.join(args.dir, "files")
    os.makedirs(folder)
    files = [os.path.join(folder, f"{i}.jpg") for i in range(count)]
    for file, image in zip(files, images, strict=True):
        Image.fromarray(image).save(file, quality=90)
    del images

    augment = T.Compose(
        [T.RandomResizedCrop(224), T.RandomHorizontalFlip(), T.Normalize(MEAN, STD)], seed=0
    )
    rates: dict[str, float] = {}
    python_names = []
    for workers in (0, 2):
        engine = ds.to_pytorch(transform={"images": augment})
        rates[f"hub_v1 engine, {workers} workers"] = epoch_rate(
            engine.loader(batch_size=BATCH, shuffle=True, num_workers=workers), args.runs
        )
        peers = {
            "hub_v1 + Python transform": ds.to_pytorch(transform=PythonTransform()),
            "Pillow files + Python": PillowFiles(files),
        }
        if importlib.util.find_spec("simplejpeg"):
            peers["simplejpeg files + Python"] = SimplejpegFiles(files)
        for name, dataset in peers.items():
            loader = DataLoader(dataset, batch_size=BATCH, shuffle=True, num_workers=workers)
            rates[f"{name}, {workers} workers"] = epoch_rate(loader, args.runs)
            python_names.append(f"{name}, {workers} workers")

    print(f"\n== {count:,} jpeg {HEIGHT}x{WIDTH} (quality 90): RRC 224 + flip + normalise ==")
    for name, rate in rates.items():
        print(f"  {name:44s} {rate:9,.0f} images/s")
    engine_best = max(rates[f"hub_v1 engine, {w} workers"] for w in (0, 2))
    python_best_name = max(python_names, key=rates.__getitem__)
    cores = os.cpu_count() or 1
    print(
        f"  engine best / best Python ({python_best_name}): "
        f"{engine_best / rates[python_best_name]:.2f}x (target 2.0)"
    )
    print(f"  engine per core: {engine_best / cores:,.0f} images/s (FFCV publishes ~326 per vCPU)")
    shutil.rmtree(args.dir, ignore_errors=True)


if __name__ == "__main__":
    main()
