"""The ``hub_v1`` command line: ``info``, ``ls``, ``cp``, ``preview`` and ``bench`` on any
store URL (a path, ``file://``, ``s3://bucket/prefix`` or ``gs://bucket/prefix``; cloud
credentials and endpoints come from the standard environment variables).

Exit status: 0 on success, 1 when hub_v1 reports an error (named on stderr), 2 for a
malformed command line.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from hub_v1.cli import commands
from hub_v1.errors import HubError

EXIT_ERROR = 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hub_v1", description="Inspect, copy, preview and benchmark hub_v1 arrays."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    info = sub.add_parser("info", help="shape, chunking, codec and stored size of an array")
    info.add_argument("url", help="an array or dataset, e.g. s3://bucket/mnist/images")
    info.add_argument("--json", action="store_true", help="print JSON")
    info.set_defaults(run=commands.info)

    ls = sub.add_parser("ls", help="the arrays and datasets in a store")
    ls.add_argument("url", help="a store: a folder, s3://bucket/prefix or gs://bucket/prefix")
    ls.add_argument("--prefix", help="only names under this folder-like prefix")
    ls.set_defaults(run=commands.ls)

    cp = sub.add_parser("cp", help="copy an array to any store, re-chunked or re-compressed")
    cp.add_argument("source")
    cp.add_argument("destination")
    cp.add_argument("--chunk", help="new chunk shape, e.g. 100,28,28")
    cp.add_argument("--shard", help="new shard shape (a multiple of the chunk), e.g. 1000,28,28")
    cp.add_argument(
        "--compress", help="new codec: default, gzip, zlib, lz4, zstd, blosc[:options], jpeg, png"
    )
    cp.add_argument("--compresslevel", type=float, help="0 (smallest) to 1 (fastest)")
    cp.add_argument("--overwrite", action="store_true", help="replace an existing destination")
    _add_progress_flags(cp)
    cp.set_defaults(run=commands.cp)

    ingest = sub.add_parser(
        "ingest", help="bring an image folder, COCO, WebDataset or Parquet in as a dataset"
    )
    ingest.add_argument(
        "source",
        help="the class folders' root (imagefolder), the images folder (coco), the tar shards "
        "(webdataset; braces expand) or the Parquet files (parquet; a glob)",
    )
    ingest.add_argument("destination", help="the dataset to write, e.g. s3://bucket/coco/train")
    ingest.add_argument(
        "--format", required=True, choices=["imagefolder", "coco", "webdataset", "parquet"]
    )
    ingest.add_argument("--annotations", help="coco: the annotations JSON")
    ingest.add_argument(
        "--compress", choices=["jpeg", "png"], help="imagefolder: the images' format (jpeg)"
    )
    ingest.add_argument(
        "--on-error",
        choices=["raise", "skip"],
        default="raise",
        help="a source item that cannot be read: stop (default), or skip it with a warning",
    )
    ingest.add_argument("--overwrite", action="store_true", help="replace an existing dataset")
    ingest.add_argument(
        "--workers",
        type=_positive_int,
        help="worker processes writing parts side by side (default: every core)",
    )
    _add_progress_flags(ingest)
    ingest.set_defaults(run=commands.ingest)

    preview = sub.add_parser(
        "preview", help="a contact sheet of images, or a histogram of values, as an image file"
    )
    preview.add_argument("url")
    preview.add_argument("--items", default="0:16", help="START:STOP of the first axis")
    preview.add_argument("-o", "--output", default="preview.png", help="image file to write")
    preview.add_argument("--columns", type=int, help="tiles per row (default: square grid)")
    preview.add_argument("--component", help="which array of a dataset")
    preview.set_defaults(run=commands.preview)

    bench = sub.add_parser("bench", help="read throughput of an array")
    bench.add_argument("url")
    bench.add_argument("--items", help="START:STOP of the first axis (default: all)")
    bench.add_argument("--repeat", type=int, default=3, help="timed reads (median reported)")
    bench.add_argument("--component", help="which array of a dataset")
    bench.add_argument("--json", action="store_true", help="print JSON")
    bench.set_defaults(run=commands.bench)
    return parser


def _positive_int(text: str) -> int:
    number = int(text)
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {number}")
    return number


def _add_progress_flags(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--progress",
        dest="progress",
        action="store_true",
        default=None,
        help="always show a progress bar (default: only on a terminal)",
    )
    group.add_argument("--no-progress", dest="progress", action="store_false")


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if getattr(args, "repeat", 1) < 1:
        print("hub_v1: error: --repeat must be at least 1", file=sys.stderr)
        return 2
    try:
        return int(args.run(args))
    except BrokenPipeError:  # `hub_v1 ls ... | head`: stop quietly, like other tools
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_ERROR
    except (HubError, OSError) as error:  # OSError: e.g. the preview file cannot be written
        print(f"hub_v1: error: {error}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
