"""Image decode throughput: hub_v1's jpeg/png arrays versus Pillow and libjpeg-turbo's tjbench.

Builds 1000 distinct 512x512x3 photographs (scikit-image's sample photos, resized, flipped and
shifted), stores them with hub_v1 as jpeg (quality 73, the default) and as png, then times a
full read of the (1000, 512, 512, 3) array against Pillow decoding the very same JPEG/PNG
streams one after another (Pillow has one thread; hub_v1 uses its pool), and against
`tjbench` (libjpeg-turbo's own single-threaded decode loop, if installed) on one of them.
Prints medians over --runs, images/s and megapixels/s.

    python benchmarks/bench_images.py [--runs 5] [--count 1000]
"""

from __future__ import annotations

import argparse
import io
import os
import re
import shutil
import struct
import subprocess
import tempfile

import hub_v1 as hub
import numpy as np
import skimage.data
from PIL import Image
from timing import machine, median_seconds

PHOTOS = ["astronaut", "coffee", "chelsea", "rocket", "immunohistochemistry", "hubble_deep_field"]


def make_images(count: int) -> np.ndarray:
    bases = [
        np.asarray(Image.fromarray(getattr(skimage.data, name)()).convert("RGB").resize((512, 512)))
        for name in PHOTOS
    ]
    images = np.empty((count, 512, 512, 3), np.uint8)
    for i in range(count):
        image = bases[i % len(bases)]
        if (i // len(bases)) % 2:
            image = image[:, ::-1]
        images[i] = np.roll(image, shift=(i * 7) % 512, axis=1)
    return images


def encoded_images(root: str, name: str) -> list[bytes]:
    """The per-image streams hub_v1 stored, read back out of its chunks."""
    streams = []
    chunk_dir = os.path.join(root, name, "c")
    for first in sorted(os.listdir(chunk_dir), key=int):
        with open(os.path.join(chunk_dir, first, "0", "0", "0"), "rb") as f:
            payload = f.read()[:-4]  # drop the crc32c
        (count,) = struct.unpack_from("<I", payload, 8)
        offsets = struct.unpack_from(f"<{count + 1}Q", payload, 16)
        start = 16 + 8 * (count + 1)
        streams += [payload[start + offsets[i] : start + offsets[i + 1]] for i in range(count)]
    return streams


def pillow_decode_all(streams: list[bytes]) -> None:
    for stream in streams:
        np.asarray(Image.open(io.BytesIO(stream)).convert("RGB"))


def tjbench_fps(stream: bytes) -> float | None:
    if shutil.which("tjbench") is None:
        return None
    with tempfile.NamedTemporaryFile(suffix=".jpg") as f:
        f.write(stream)
        f.flush()
        out = subprocess.run(
            ["tjbench", f.name, "-rgb", "-benchtime", "2", "-warmup", "1"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    match = re.search(r"Decompress\s+--> Frame rate:\s+([\d.]+) fps", out)
    return float(match.group(1)) if match else None


def row(label: str, seconds: float, count: int) -> str:
    rate = count / seconds
    return f"  {label:<40}{seconds:9.3f} s{rate:10.0f} img/s{rate * 512 * 512 / 1e6:9.0f} MP/s"


def bench_codec(datahub, images: np.ndarray, compress: str, level: float, args) -> None:
    count = len(images)
    array = datahub.array(
        compress,
        shape=images.shape,
        chunk=(10, 512, 512, 3),
        dtype="uint8",
        compress=compress,
        compresslevel=level,
    )
    write_s = median_seconds(lambda: array.__setitem__(slice(None), images), 1)
    streams = encoded_images(args.dir, compress)
    stored_mb = sum(len(s) for s in streams) / 1e6
    hub_s = median_seconds(lambda: array[:], args.runs)
    reused = np.empty_like(images)
    hub_into_s = median_seconds(lambda: array.read(slice(None), out=reused), args.runs)
    pillow_s = median_seconds(lambda: pillow_decode_all(streams), args.runs)
    print(
        f"\n== {compress} (compresslevel {level}): {stored_mb:.0f} MB stored, "
        f"written in {write_s:.2f} s =="
    )
    print(row("hub_v1 full read (new array each time)", hub_s, count))
    print(row("hub_v1 full read into a reused array", hub_into_s, count))
    print(row("Pillow decoding the same streams", pillow_s, count))
    print(f"  hub_v1 / Pillow: {pillow_s / hub_s:.2f}x")
    if compress == "jpeg":
        # One tjbench run per kind of photo; the mix repeats them equally often.
        rates = [tjbench_fps(stream) for stream in streams[: len(PHOTOS)]]
        if all(rates):
            fps = len(rates) / sum(1 / rate for rate in rates)
            print(row("tjbench (libjpeg-turbo alone, 1 thread)", count / fps, count))
            print(
                f"  hub_v1 / (2 x tjbench): {count / hub_s / (2 * fps):.2f} "
                f"(reused array: {count / hub_into_s / (2 * fps):.2f})"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description="hub_v1 image decode throughput")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--dir", default="/tmp/hub_v1_bench_images")
    args = parser.parse_args()
    shutil.rmtree(args.dir, ignore_errors=True)
    images = make_images(args.count)
    datahub = hub.fs(args.dir).connect()
    print(f"machine: {machine()}")
    print(
        f"{args.count} images 512x512x3 uint8, {os.cpu_count()} cores, engine threads "
        f"{hub.threads()}, medians of {args.runs} runs"
    )
    for compress, level in [("jpeg", 0.5), ("png", 1.0)]:
        bench_codec(datahub, images, compress, level, args)
    shutil.rmtree(args.dir, ignore_errors=True)


if __name__ == "__main__":
    main()
