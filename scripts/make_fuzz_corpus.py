"""Writes the seed corpus of the libFuzzer targets in cpp/fuzz (valid inputs to mutate).

fuzz_chunk_decode: one valid encoded chunk per pipeline, prefixed by the byte that selects
the pipeline (the order of `Targets` in fuzz_chunk_decode.cc). fuzz_jpeg_region: 32 x 40
jpeg images (baseline and progressive, 4:2:0 and 4:4:4, colour and grey, encoded by Pillow)
behind the 8 control bytes that pick the box and output. fuzz_zarr_json: zarr.json
documents as hub_v1 and zarr-python write them (the hostile_*.json seeds beside them, deep
nesting, huge numbers and wrong types, are kept by hand). Run after building hub_v1:

    python scripts/make_fuzz_corpus.py cpp/fuzz/corpus
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import hub_v1 as hub
import numpy as np


def _blosc(cname: str, clevel: int, shuffle: str, typesize: int, blocksize: int) -> dict:
    configuration = {"cname": cname, "clevel": clevel, "shuffle": shuffle}
    return {
        "name": "blosc",
        "configuration": {**configuration, "typesize": typesize, "blocksize": blocksize},
    }


CHUNK_TARGETS = [  # (codecs, dtype, shape), as in fuzz_chunk_decode.cc
    ([{"name": "bytes"}, {"name": "crc32c"}], "uint16", (64,)),
    ([{"name": "bytes"}, {"name": "gzip", "configuration": {"level": 1}}], "uint16", (64,)),
    (
        [{"name": "bytes"}, {"name": "numcodecs.zlib", "configuration": {"level": 1}}],
        "uint16",
        (64,),
    ),
    (
        [{"name": "bytes"}, {"name": "numcodecs.lz4", "configuration": {"acceleration": 1}}],
        "uint16",
        (64,),
    ),
    ([{"name": "bytes"}, {"name": "zstd", "configuration": {"level": 1}}], "uint16", (64,)),
    ([{"name": "hub_v1.jpeg", "configuration": {"quality": 75}}], "uint8", (2, 16, 16, 3)),
    ([{"name": "hub_v1.png", "configuration": {"level": 1}}], "uint8", (2, 16, 16, 3)),
    ([{"name": "hub_v1.png", "configuration": {"level": 1}}], "uint16", (2, 16, 16)),
    (
        [{"name": "bytes"}, {"name": "gzip", "configuration": {"level": 1}}, {"name": "zstd"}],
        "uint8",
        (128,),
    ),
    ([{"name": "bytes"}, _blosc("lz4", 5, "shuffle", 2, 0)], "uint16", (64,)),
    (
        [
            {"name": "transpose", "configuration": {"order": [1, 0]}},
            {"name": "bytes"},
            _blosc("zstd", 3, "bitshuffle", 4, 64),
            {"name": "crc32c"},
        ],
        "float32",
        (8, 16),
    ),
    ([{"name": "bytes"}, _blosc("blosclz", 9, "noshuffle", 1, 0)], "uint8", (300,)),
]


def main(out: Path) -> None:
    rng = np.random.default_rng(0)
    chunks = out / "fuzz_chunk_decode"
    chunks.mkdir(parents=True, exist_ok=True)
    for selector, (codecs, dtype, shape) in enumerate(CHUNK_TARGETS):
        smooth = (np.arange(int(np.prod(shape))) % 37).reshape(shape)
        noisy = rng.integers(0, 200, shape)
        for variant, data in (("smooth", smooth), ("noisy", noisy)):
            encoded = hub._core.encode_chunk(json.dumps(codecs), data.astype(dtype))
            (chunks / f"{selector}_{variant}.bin").write_bytes(bytes([selector]) + encoded)
    write_jpeg_region_seeds(out / "fuzz_jpeg_region", rng)
    documents = out / "fuzz_zarr_json"
    documents.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as root:
        datahub = hub.fs(root).connect()
        for compress, dtype, shape in [
            ("default", "float32", (10, 20)),
            ("gzip", "int16", (7, 3, 5)),
            ("lz4", "uint8", (100,)),
            ("blosc:cname=zstd,shuffle=bitshuffle", "complex64", (6, 2)),
            ("zstd", "float64", (4, 4)),
            ("jpeg", "uint8", (3, 16, 16, 3)),
            ("png", "uint16", (3, 16, 16)),
        ]:
            name = compress.partition(":")[0]
            datahub.array(name, shape=shape, dtype=dtype, compress=compress)
            text = (Path(root) / name / "zarr.json").read_text()
            (documents / f"{name}.json").write_text(text)


def write_jpeg_region_seeds(folder: Path, rng: np.random.Generator) -> None:
    import io

    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    y, x = np.mgrid[0:32, 0:40]
    colour = np.stack([x * 6, y * 7, (x + y) * 3], axis=2).astype(np.uint8)
    variants = [
        ("baseline_420", colour, {"quality": 75, "subsampling": 2}),
        ("baseline_444", colour, {"quality": 90, "subsampling": 0}),
        ("progressive", colour, {"quality": 75, "progressive": True}),
        ("grey", colour[..., 0], {"quality": 75}),
    ]
    for name, pixels, options in variants:
        encoded = io.BytesIO()
        Image.fromarray(pixels).save(encoded, format="JPEG", **options)
        grey = pixels.ndim == 2
        # control: box (top 4, left 8, height 20, width 24, in quarter pixels), output 16 x 12,
        # float or uint8, channels, flip
        for float_chw in (0, 1):
            layout = float_chw | (0 if grey else 2)
            control = bytes([16, 32, 80, 96, 15, 11, layout, rng.integers(2)])
            (folder / f"{name}_{float_chw}.bin").write_bytes(control + encoded.getvalue())


if __name__ == "__main__":
    main(Path(sys.argv[1]))
