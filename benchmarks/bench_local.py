"""Local-disk benchmark: hub_v1 versus zarr-python 3 (its own codec pipeline and the zarrs
Rust pipeline) and TensorStore (zarr3 driver).

One uint8 array of shape (2000, 128, 128, 3) in two layouts: unsharded, chunk
(64, 128, 128, 3); and sharded (Zarr v3 sharding_indexed), inner chunk (1, 128, 128, 3) in
shards of (64, 128, 128, 3). Each is stored with gzip level 1, with raw bytes and with blosc
(lz4, clevel 5, byte shuffle), each with crc32c and identical codecs for every library.
`--dtype float32` stores the same content as float32 in 500 items (the same number of
bytes), where blosc's shuffle has bytes to move. Times, in one process: full write, full read,
300 random single-item reads and 20 reads of 32 random sorted indices. Prints medians over
--runs repetitions, the ratios peer_time / hub_v1_time (above 1: hub_v1 is faster), and
hub_v1's times over the memmap floors of the same reads (see memmap_floors).

hub_v1 runs twice: as users get it (decoded-chunk cache on, 256 MB) and with the cache
off, so the ratios show what the cache buys and what the engine alone does.
TensorStore runs with its default context (no cache), like zarr-python.

    python benchmarks/bench_local.py [--runs 5] [--dir /tmp/hub_bench] [--layout sharded]
"""

from __future__ import annotations

import argparse
import os
import shutil
from importlib.metadata import version

import hub_v1 as hub
import numpy as np
import tensorstore as ts
import zarr
import zarr.codecs
import zarr.registry
from timing import machine, median_seconds

SHAPE = (2000, 128, 128, 3)
CHUNK = (64, 128, 128, 3)
INNER = (1, 128, 128, 3)  # the sharded layout's chunk; its shard is CHUNK
LAYOUTS = {"unsharded": (CHUNK, None), "sharded": (INNER, CHUNK)}
CODECS = ["gzip", "raw", "blosc-lz4"]


def make_data(dtype: str = "uint8") -> np.ndarray:
    """Image-like content: smooth gradients plus noise, so gzip has something to do. As
    float32: the first quarter of the items, scaled to [0, 1]."""
    rng = np.random.default_rng(0)
    y, x = np.mgrid[0:128, 0:128]
    base = (x + 2 * y)[None, :, :, None] + np.arange(SHAPE[0])[:, None, None, None] * 7
    noise = rng.integers(0, 16, SHAPE, dtype=np.uint8)
    pixels = ((base % 256).astype(np.uint8) + noise).astype(np.uint8)
    if dtype == "uint8":
        return pixels
    return pixels[: SHAPE[0] // 4].astype(np.float32) / 255


def hub_compress(codec: str) -> tuple[str, float]:
    """hub_v1's compress= and compresslevel= for a benchmark codec (levels as the peers')."""
    return {
        "gzip": ("gzip", 1.0),  # gzip level 1
        "raw": ("default", 1.0),
        "blosc-lz4": ("blosc:cname=lz4,shuffle=shuffle", 0.5),  # clevel 5
    }[codec]


def codec_json(codec: str, itemsize: int) -> list[dict]:
    """The bytes -> bytes codecs of every library's array, before crc32c."""
    if codec == "gzip":
        return [{"name": "gzip", "configuration": {"level": 1}}]
    if codec == "blosc-lz4":
        configuration = {"cname": "lz4", "clevel": 5, "shuffle": "shuffle", "typesize": itemsize}
        return [{"name": "blosc", "configuration": {**configuration, "blocksize": 0}}]
    return []


class HubTarget:
    def __init__(self, root: str, codec: str, layout: str, cache: bool, data: np.ndarray) -> None:
        self.cache = cache
        datahub = hub.fs(root).connect()
        compress, level = hub_compress(codec)
        chunk, shard = LAYOUTS[layout]
        self.array = datahub.array(
            "bench",
            shape=data.shape,
            chunk=chunk,
            shard=shard,
            dtype=data.dtype.name,
            compress=compress,
            compresslevel=level,
            overwrite=True,
        )

    def activate(self) -> None:
        hub.set_cache_size((256 << 20) if self.cache else 0)

    def write(self, data):
        self.array[...] = data

    def read_all(self):
        return self.array[...]

    def read_item(self, i):
        return self.array[i]

    def read_indices(self, idx):
        return self.array[idx]


class ZarrTarget:
    """zarr-python 3; with `pipeline="zarrs"`, through the zarrs Rust codec pipeline."""

    def __init__(
        self, root: str, codec: str, layout: str, data: np.ndarray, pipeline: str = "zarr"
    ) -> None:
        self.pipeline = pipeline
        self.root = root
        compressors = [
            zarr.registry.get_codec_class(entry["name"]).from_dict(entry)
            for entry in codec_json(codec, data.dtype.itemsize)
        ]
        chunk, shard = LAYOUTS[layout]
        self.activate()
        self.array = zarr.create_array(
            store=root,
            shape=data.shape,
            chunks=chunk,
            shards=shard,
            dtype=data.dtype,
            fill_value=0,
            compressors=[*compressors, zarr.codecs.Crc32cCodec()],
            overwrite=True,
        )

    def activate(self) -> None:
        path = (
            "zarrs.ZarrsCodecPipeline"
            if self.pipeline == "zarrs"
            else "zarr.core.codec_pipeline.BatchedCodecPipeline"
        )
        # An array takes its codec pipeline from the config when it is opened.
        zarr.config.set({"codec_pipeline.path": path})
        if hasattr(self, "array"):
            self.array = zarr.open_array(self.root, mode="r+")

    def write(self, data):
        self.array[...] = data

    def read_all(self):
        return self.array[...]

    def read_item(self, i):
        return self.array[i]

    def read_indices(self, idx):
        return self.array.oindex[idx]


class TensorStoreTarget:
    def __init__(self, root: str, codec: str, layout: str, data: np.ndarray) -> None:
        codecs = [{"name": "bytes"}, *codec_json(codec, data.dtype.itemsize), {"name": "crc32c"}]
        if layout == "sharded":
            codecs = [
                {
                    "name": "sharding_indexed",
                    "configuration": {
                        "chunk_shape": list(INNER),
                        "codecs": codecs,
                        "index_codecs": [{"name": "bytes"}, {"name": "crc32c"}],
                    },
                }
            ]
        self.store = ts.open(
            {
                "driver": "zarr3",
                "kvstore": {"driver": "file", "path": root},
                "metadata": {
                    "shape": list(data.shape),
                    "data_type": data.dtype.name,
                    "fill_value": 0,
                    "codecs": codecs,
                    "chunk_grid": {
                        "name": "regular",
                        "configuration": {"chunk_shape": list(CHUNK)},
                    },
                },
            },
            create=True,
            delete_existing=True,
        ).result()

    def activate(self) -> None:
        pass

    def write(self, data):
        self.store.write(data).result()

    def read_all(self):
        return self.store.read().result()

    def read_item(self, i):
        return self.store[i].read().result()

    def read_indices(self, idx):
        return self.store.oindex[idx].read().result()


def workload(data: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
    """The random items and the sorted 32-index batches every target (and the floor) reads."""
    rng = np.random.default_rng(1)
    items = rng.integers(0, data.shape[0], 300)
    batches = [np.sort(rng.choice(data.shape[0], 32, replace=False)) for _ in range(20)]
    return items, batches


def run_suite(target, data: np.ndarray, runs: int) -> dict[str, float]:
    target.activate()
    items, batches = workload(data)
    results = {"full write": median_seconds(lambda: target.write(data), runs)}
    full = target.read_all()
    assert np.array_equal(full, data), "read back differs from what was written"
    results["full read"] = median_seconds(target.read_all, runs)
    results["300 random items"] = median_seconds(
        lambda: [target.read_item(int(i)) for i in items], runs
    )
    results["20 x 32 sorted indices"] = median_seconds(
        lambda: [target.read_indices(b) for b in batches], runs
    )
    assert np.array_equal(target.read_indices(batches[0]), data[batches[0]])
    return results


READS = ["full read", "300 random items", "20 x 32 sorted indices"]


def memmap_floors(data: np.ndarray, root: str, runs: int) -> dict[str, dict[str, float]]:
    """Seconds for each read of the suite done as numpy copies out of a memmap of the array's
    raw bytes in the page cache: the floor of a reader with no format, no checksum and no
    request. "fresh map": the file is mapped anew for every read, as a reader that opens the
    file per read (each page touched is faulted into the mapping); "warm map": one mapping
    whose pages are all mapped already (a pure memory copy)."""
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(root)
    path = f"{root}/raw.bin"
    data.tofile(path)
    items, batches = workload(data)

    def mapped():
        return np.memmap(path, dtype=data.dtype, mode="r", shape=data.shape)

    def times(source) -> dict[str, float]:
        return {
            "full read": median_seconds(lambda: np.array(source()), runs),
            "300 random items": median_seconds(
                lambda: [np.array(source()[int(i)]) for i in items], runs
            ),
            "20 x 32 sorted indices": median_seconds(lambda: [source()[b] for b in batches], runs),
        }

    warm = mapped()
    np.array(warm)  # every page mapped
    floors = {"fresh map": times(mapped), "warm map": times(lambda: warm)}
    return floors


def main() -> None:
    parser = argparse.ArgumentParser(description="hub_v1 vs zarr-python vs TensorStore, local disk")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--dir", default="/tmp/hub_v1_bench")
    parser.add_argument("--layout", choices=[*LAYOUTS, "both"], default="both")
    parser.add_argument("--codec", choices=[*CODECS, "all"], default="all")
    parser.add_argument("--dtype", choices=["uint8", "float32"], default="uint8")
    parser.add_argument("--no-cache-only", action="store_true", help="skip hub_v1 with its cache")
    args = parser.parse_args()
    layouts = list(LAYOUTS) if args.layout == "both" else [args.layout]
    codecs = CODECS if args.codec == "all" else [args.codec]
    data = make_data(args.dtype)
    print(f"machine: {machine()}")
    print(
        f"versions: hub_v1 {hub.__version__}, zarr {zarr.__version__}, tensorstore "
        f"{version('tensorstore')}, numpy {np.__version__}; engine threads {hub.threads()}"
    )
    print(
        f"array {data.shape} {data.dtype} ({data.nbytes / 1e6:.0f} MB), medians of {args.runs} "
        "runs, seconds"
    )
    floors = memmap_floors(data, args.dir, args.runs)
    print("memmap floors (numpy copies of the same raw bytes out of the page cache):")
    for name, times in floors.items():
        print(f"  {name:<10}" + "".join(f"{op} {times[op]:.4f}   " for op in READS))
    print()
    for layout, codec in [(layout, codec) for layout in layouts for codec in codecs]:
        shutil.rmtree(args.dir, ignore_errors=True)
        targets = {
            "hub_v1": HubTarget(f"{args.dir}/hub", codec, layout, cache=True, data=data),
            "hub_v1 (no cache)": HubTarget(
                f"{args.dir}/hub_nocache", codec, layout, cache=False, data=data
            ),
            "zarr-python": ZarrTarget(f"{args.dir}/zarr", codec, layout, data),
            "zarrs": ZarrTarget(f"{args.dir}/zarrs", codec, layout, data, pipeline="zarrs"),
            "tensorstore": TensorStoreTarget(f"{args.dir}/ts", codec, layout, data),
        }
        if args.no_cache_only:
            del targets["hub_v1"]
        results = {name: run_suite(target, data, args.runs) for name, target in targets.items()}
        hub.set_cache_size(256 << 20)
        base_name = "hub_v1 (no cache)" if args.no_cache_only else "hub_v1"
        operations = list(results[base_name])
        chunk, shard = LAYOUTS[layout]
        print(f"== {layout}: chunk {chunk}, shard {shard}, codec {codec} (+crc32c) ==")
        header = f"{'operation':<24}" + "".join(f"{name:>18}" for name in results)
        print(header)
        for op in operations:
            print(f"{op:<24}" + "".join(f"{results[name][op]:>18.4f}" for name in results))
        print("ratios peer / hub_v1 (hub_v1 with its default cache; no-cache hub_v1 in brackets):")
        for op in operations:
            base, bare = results[base_name][op], results["hub_v1 (no cache)"][op]
            parts = [
                f"{peer} {results[peer][op] / base:6.2f}x [{results[peer][op] / bare:5.2f}x]"
                for peer in ("zarr-python", "zarrs", "tensorstore")
            ]
            print(f"  {op:<24}" + "   ".join(parts))
        print("hub_v1 (no cache) / memmap floor (1.00x: at the floor):")
        for op in READS:
            bare = results["hub_v1 (no cache)"][op]
            parts = [f"{name} {bare / times[op]:5.2f}x" for name, times in floors.items()]
            print(f"  {op:<24}" + "   ".join(parts))
        print()
    shutil.rmtree(args.dir, ignore_errors=True)


if __name__ == "__main__":
    main()
