"""Mosaic Streaming's ``MDSWriter`` and LitData's ``optimize()`` storing an image folder's files
as they are (bytes and an int label per sample), timed in an interpreter of their own:
bench_ingest.py runs this script with ``--peers-python`` because neither installs beside
this environment (Mosaic pins numpy < 2.2; see requirements/bench-peers.txt).

    python peer_writers.py FILES.json RUNS WORKERS   (prints {"row": median seconds} as JSON)

FILES.json is ``[[path, label], ...]`` in the ingest's order. PyPI's torchvision needs torch's
CUDA build, and Mosaic's package ``__init__`` imports it for its vision datasets only, so the
writer's module is imported without that ``__init__`` (``MDSWriter`` never calls torchvision).
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import statistics
import sys
import tempfile
import time
import types
from collections.abc import Callable
from pathlib import Path


def _mosaic_writer() -> type:
    """``MDSWriter``, imported without running the ``streaming`` package's ``__init__`` (which
    imports its vision datasets, and through them torchvision)."""
    if "streaming" not in sys.modules:
        spec = importlib.util.find_spec("streaming")
        if spec is None or spec.submodule_search_locations is None:
            raise ImportError("mosaicml-streaming is not installed", name="streaming")
        package = types.ModuleType("streaming")
        package.__path__ = list(spec.submodule_search_locations)
        package.__spec__ = spec
        sys.modules["streaming"] = package
    from streaming.base import MDSWriter

    return MDSWriter


def store_mosaic(files: list[tuple[str, int]], target: Path, workers: int) -> None:
    writer_class = _mosaic_writer()
    columns = {"image": "bytes", "label": "int"}
    with writer_class(out=str(target), columns=columns, compression=None) as writer:
        for path, label in files:
            writer.write({"image": Path(path).read_bytes(), "label": label})


def _litdata_sample(entry: tuple[str, int]) -> dict[str, object]:
    path, label = entry
    return {"image": Path(path).read_bytes(), "label": label}


def store_litdata(files: list[tuple[str, int]], target: Path, workers: int) -> None:
    from litdata import optimize

    optimize(
        fn=_litdata_sample,
        inputs=[tuple(entry) for entry in files],
        output_dir=str(target),
        chunk_bytes="64MB",
        num_workers=workers,
    )


def median_seconds(
    store: Callable[[list[tuple[str, int]], Path, int], None],
    files: list[tuple[str, int]],
    runs: int,
    workers: int,
) -> float:
    seconds = []
    for _ in range(runs):
        scratch = Path(tempfile.mkdtemp(prefix="bench_peers_"))
        try:
            started = time.perf_counter()
            store(files, scratch / "out", workers)
            seconds.append(time.perf_counter() - started)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    return statistics.median(seconds)


def main() -> None:
    files_json, runs, workers = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    files = [(path, int(label)) for path, label in json.loads(Path(files_json).read_text())]
    rows = {
        "Mosaic MDSWriter": median_seconds(store_mosaic, files, runs, workers),
        f"LitData optimize ({workers} workers)": median_seconds(
            store_litdata, files, runs, workers
        ),
    }
    print(json.dumps(rows))


if __name__ == "__main__":
    main()
