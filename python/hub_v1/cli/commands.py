"""The ``hub_v1`` subcommands. Each takes the parsed arguments and returns an exit status."""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

import hub_v1 as hub
from hub_v1.cli.locations import connect_store, parse_extents, parse_items, split_location
from hub_v1.cli.preview import contact_sheet, histogram, looks_like_images
from hub_v1.errors import InvalidArgumentError


def _human_bytes(count: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if count < 1024 or unit == "TiB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1024
    raise AssertionError("unreachable")


def describe_array(array: hub.Array) -> dict[str, Any]:
    """Shape, chunking, codec and stored size of one array (for `info` and `ls`)."""
    stored = array.nbytes_stored()
    written = array.nchunks_initialized()
    grid = [-(-extent // step) for extent, step in zip(array.shape, array.chunk, strict=True)]
    shard_grid = (
        None
        if array.shard is None
        else [-(-extent // step) for extent, step in zip(array.shape, array.shard, strict=True)]
    )
    return {
        "name": array.name,
        "kind": "array",
        "shape": list(array.shape),
        "chunk": list(array.chunk),
        "shard": None if array.shard is None else list(array.shard),
        "shards": None if shard_grid is None else int(np.prod(shard_grid, dtype=np.int64)),
        "shards_stored": array.nshards_initialized(),
        "dtype": array.dtype_name,
        "codec": array.compress,
        "compresslevel": array.compresslevel,
        "chunks": int(np.prod(grid, dtype=np.int64)),
        "chunks_stored": written,
        "stored_bytes": stored,
        "decoded_bytes": array.nbytes,
        # Of the chunks written: unwritten chunks read as zeros and take no space.
        "compression_ratio": (
            written / max(1, int(np.prod(grid))) * array.nbytes / stored if stored else None
        ),
    }


def describe_ragged(array: hub.RaggedArray) -> dict[str, Any]:
    """Shape, layout, codec and stored size of one ragged array (for `info`)."""
    samples = array.samples_array
    return {
        "name": array.name,
        "kind": "ragged array",
        "shape": list(array.shape),
        "samples_per_shard": array.samples_per_shard,
        "shards_stored": samples.nshards_initialized(),
        "dtype": array.dtype_name,
        "codec": array.compress,
        "compresslevel": array.compresslevel,
        "stored_bytes": samples.nbytes_stored() + array.shapes_array.nbytes_stored(),
    }


def _open(url: str) -> tuple[hub.DataHub, Any]:
    datahub, name = split_location(url)
    return datahub, datahub.open(name)


def _describe(node: hub.Array | hub.RaggedArray) -> dict[str, Any]:
    return describe_ragged(node) if isinstance(node, hub.RaggedArray) else describe_array(node)


def info(args: argparse.Namespace) -> int:
    datahub, node = _open(args.url)
    if isinstance(node, hub.Dataset):
        report: dict[str, Any] = {
            "name": node.name,
            "kind": "dataset",
            "shape": list(node.shape),
            "components": {key: _describe(array) for key, array in node.components.items()},
        }
    else:
        report = _describe(node)
    report["store"] = datahub.location
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    parts = report["components"].items() if report["kind"] == "dataset" else [(None, report)]
    if report["kind"] == "dataset":
        print(f"dataset {report['name']}  shape {tuple(report['shape'])}  in {report['store']}")
    for key, part in parts:
        lines = [
            ("name", part["name"] if key is None else f"{key} ({part['name']})"),
            ("store", report["store"]) if key is None else None,
            ("shape", str(tuple(part["shape"]))),
            *(_ragged_lines(part) if part["kind"] == "ragged array" else _array_lines(part)),
        ]
        for line in lines:
            if line is not None:
                print(f"{line[0] + ':':14}{line[1]}")
        print()
    return 0


def _ragged_lines(part: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        ("shards", f"{part['samples_per_shard']} samples each, {part['shards_stored']} stored"),
        ("dtype", part["dtype"]),
        ("codec", f"{part['codec']} (compresslevel {part['compresslevel']:g})"),
        ("stored size", _human_bytes(part["stored_bytes"])),
    ]


def _array_lines(part: dict[str, Any]) -> list[tuple[str, str] | None]:
    ratio = part["compression_ratio"]
    return [
        (
            "chunk",
            f"{tuple(part['chunk'])}  ({part['chunks_stored']} of {part['chunks']} chunks stored)",
        ),
        (
            (
                "shard",
                f"{tuple(part['shard'])}  ({part['shards_stored']} of "
                f"{part['shards']} shards stored)",
            )
            if part["shard"]
            else None
        ),
        ("dtype", part["dtype"]),
        ("codec", f"{part['codec']} (compresslevel {part['compresslevel']:g})"),
        ("stored size", _human_bytes(part["stored_bytes"])),
        ("decoded size", _human_bytes(part["decoded_bytes"])),
        ("compression", "n/a (nothing stored)" if ratio is None else f"{ratio:.2f}x"),
    ]


def ls(args: argparse.Namespace) -> int:
    datahub = connect_store(args.url)
    for name in datahub.list(args.prefix or ""):
        node = datahub.open(name)
        if isinstance(node, hub.Dataset):
            keys = ", ".join(node.keys())
            print(f"{name}\tdataset\t{tuple(node.shape)}\t[{keys}]")
        else:
            kind = "ragged" if isinstance(node, hub.RaggedArray) else "array"
            print(f"{name}\t{kind}\t{node.shape}\t{node.dtype_name}\t{node.compress}")
    return 0


def cp(args: argparse.Namespace) -> int:
    _, source = _open(args.source)
    if not isinstance(source, hub.Array | hub.RaggedArray):
        raise InvalidArgumentError(
            f"{args.source} is a dataset; copy its component arrays one by one"
        )
    target_hub, target_name = split_location(args.destination, create=True)
    copied = hub.copy(
        source,
        target_hub,
        target_name,
        chunk=parse_extents(args.chunk) if args.chunk else None,
        shard=parse_extents(args.shard) if args.shard else None,
        compress=args.compress,
        compresslevel=args.compresslevel,
        overwrite=args.overwrite,
        progress=args.progress,
    )
    print(f"copied {source.name} -> {copied!r}", file=sys.stderr)
    return 0


def ingest(args: argparse.Namespace) -> int:
    """Runs one of hub_v1.ingest's sources; run again after a kill, it resumes."""
    datahub, name = split_location(args.destination, create=True)
    common = {
        "on_error": args.on_error,
        "overwrite": args.overwrite,
        "progress": args.progress,
        "workers": args.workers,
    }
    if args.format == "coco":
        if not args.annotations:
            raise InvalidArgumentError("--format coco needs --annotations FILE.json")
        report = hub.ingest.coco(args.annotations, args.source, datahub, name, **common)
    elif args.annotations:
        raise InvalidArgumentError("--annotations is for --format coco")
    elif args.format == "imagefolder":
        compress = args.compress or "jpeg"
        report = hub.ingest.image_folder(args.source, datahub, name, compress=compress, **common)
    elif args.compress:
        raise InvalidArgumentError("--compress is for --format imagefolder")
    elif args.format == "webdataset":
        report = hub.ingest.webdataset(args.source, datahub, name, **common)
    else:
        report = hub.ingest.parquet(args.source, datahub, name, **common)
    print(
        f"ingested {args.source} -> {report.dataset!r}: {len(report)} samples, "
        f"{len(report.skipped)} skipped",
        file=sys.stderr,
    )
    for problem in report.skipped:
        print(f"  skipped: {problem}", file=sys.stderr)
    return 0


def _pick_component(node: Any, wanted: str | None) -> hub.Array:
    if isinstance(node, hub.Array):
        return node
    if isinstance(node, hub.RaggedArray):
        raise InvalidArgumentError(f"{node.name} is a ragged array; this command reads fixed ones")
    if wanted is not None:
        if wanted not in node:
            raise InvalidArgumentError(f"{node.name} has no component {wanted!r}: {node.keys()}")
        return node[wanted]
    for key in node.keys():  # noqa: SIM118 (iterating a Dataset yields samples, not names)
        if looks_like_images(node[key].shape[1:]):
            return node[key]
    return node[node.keys()[0]]


def _check_image_format(path: str) -> None:
    from PIL import Image

    suffix = Path(path).suffix.lower()
    if suffix not in Image.registered_extensions():
        raise InvalidArgumentError(f"cannot tell an image format from {path!r}: use .png or .jpg")


def preview(args: argparse.Namespace) -> int:
    _check_image_format(args.output)  # before any data is read
    _, node = _open(args.url)
    array = _pick_component(node, args.component)
    items = array[parse_items(args.items, len(array))]
    if looks_like_images(array.shape[1:]):
        picture = contact_sheet(items, columns=args.columns)
        what = f"contact sheet of {len(items)} images"
    else:
        picture = histogram(items, title=array.name)
        what = f"histogram of {items.size} values"
    picture.save(args.output)
    print(f"wrote {args.output}: {what} from {array.name}", file=sys.stderr)
    return 0


def bench(args: argparse.Namespace) -> int:
    _, node = _open(args.url)
    array = _pick_component(node, args.component)
    selection = parse_items(args.items, len(array)) if args.items else slice(None)
    budget = hub.cache_size()
    hub.set_cache_size(0)  # every pass reads storage, not the decoded-chunk cache
    try:
        seconds = []
        nbytes = 0
        for _ in range(args.repeat):
            started = time.perf_counter()
            nbytes = array.read(selection).nbytes
            seconds.append(time.perf_counter() - started)
    finally:
        hub.set_cache_size(budget)
    median = statistics.median(seconds)
    result = {
        "array": array.name,
        "bytes": nbytes,
        "repeat": args.repeat,
        "median_seconds": median,
        "mb_per_second": nbytes / 1e6 / median if median > 0 else float("inf"),
        "threads": hub.threads(),
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(
            f"{array.name}: read {_human_bytes(nbytes)} in {median * 1000:.1f} ms "
            f"(median of {args.repeat}): {result['mb_per_second']:.1f} MB/s"
        )
    return 0
