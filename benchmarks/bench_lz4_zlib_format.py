"""compress="lz4" and "zlib": the 0.2 format (numcodecs.lz4 / numcodecs.zlib) against the 0.3
format (blosc with that compressor and the dtype's shuffle), on bench_local's data.

Both formats go through hub_v1's own engine codecs (`_core.encode_chunk` / `decode_chunk`), one
(64, 128, 128, 3) chunk at a time on one thread, so the figures compare the formats and not
libraries. Prints the compression ratio and encode / decode speed (MB/s of decoded data,
medians of --runs) for the uint8 images and the same content as float32.

    python benchmarks/bench_lz4_zlib_format.py [--runs 5]
"""

from __future__ import annotations

import argparse
import json

import hub_v1 as hub
import numpy as np
from bench_local import CHUNK, make_data
from timing import machine, median_seconds


def _chains(compress: str, dtype: np.dtype) -> dict[str, list[dict]]:
    """The codec chains of one compress= at compresslevel 0.5, as 0.2 and 0.3 write them."""
    old = (
        {"name": "numcodecs.lz4", "configuration": {"acceleration": 1}}
        if compress == "lz4"
        else {"name": "numcodecs.zlib", "configuration": {"level": 5}}
    )
    datahub = hub.memory().connect()
    datahub.array("new", shape=(1,), dtype=dtype.name, compress=compress)
    new = json.loads(datahub.open("new")._core.metadata_json())["codecs"]
    return {"0.2": [{"name": "bytes"}, old], "0.3": [c for c in new if c["name"] != "crc32c"]}


def measure(codecs: list[dict], chunks: list[np.ndarray], runs: int) -> tuple[float, ...]:
    """Compression ratio, encode and decode MB/s of `codecs` over `chunks`."""
    text = json.dumps(codecs)
    encoded = [hub._core.encode_chunk(text, chunk) for chunk in chunks]
    for chunk, stored in zip(chunks, encoded, strict=True):
        back = hub._core.decode_chunk(text, stored, chunk.dtype, list(chunk.shape))
        assert np.array_equal(back, chunk), "decoded chunk differs"
    encode = median_seconds(lambda: [hub._core.encode_chunk(text, c) for c in chunks], runs)
    decode = median_seconds(
        lambda: [
            hub._core.decode_chunk(text, stored, c.dtype, list(c.shape))
            for c, stored in zip(chunks, encoded, strict=True)
        ],
        runs,
    )
    total = sum(chunk.nbytes for chunk in chunks)
    ratio = total / sum(len(stored) for stored in encoded)
    return ratio, total / encode / 1e6, total / decode / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(f"machine: {machine()}; hub_v1 {hub.__version__}; medians of {args.runs} runs")
    print(f"{'data':<9}{'compress':<9}{'format':<7}{'ratio':>7}{'encode MB/s':>13}", end="")
    print(f"{'decode MB/s':>13}")
    for dtype in ("uint8", "float32"):
        data = make_data(dtype)
        starts = range(0, len(data) - CHUNK[0] + 1, CHUNK[0])  # whole chunks only
        chunks = [np.ascontiguousarray(data[i : i + CHUNK[0]]) for i in starts]
        for compress in ("lz4", "zlib"):
            for version, codecs in _chains(compress, data.dtype).items():
                ratio, encode, decode = measure(codecs, chunks, args.runs)
                print(f"{dtype:<9}{compress:<9}{version:<7}{ratio:>7.2f}{encode:>13.0f}", end="")
                print(f"{decode:>13.0f}")


if __name__ == "__main__":
    main()
