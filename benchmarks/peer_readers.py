"""LitData's and Mosaic Streaming's ``StreamingDataset`` reading a dataset from S3 for two
shuffled epochs, each with its local cache, in an interpreter of their own (see
requirements/bench-peers.txt): bench_training_race.py runs this with ``--peers-python``.

    python peer_readers.py SYSTEM ENDPOINT REMOTE CACHE_DIR WORKERS

SYSTEM is "litdata" or "mosaic"; REMOTE an s3:// folder written by peer_writers.py's writers;
the keys come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY. Every sample's JPEG is decoded
to an array (Pillow, libjpeg-turbo) in the DataLoader's workers, batches of 64. Prints
epochs.py's {"epoch1": seconds, "epoch2": seconds, "samples": n} as JSON.
"""

from __future__ import annotations

import io
import os
import sys

import numpy as np
import torch
from epochs import print_two_epochs
from peer_writers import _mosaic_writer
from PIL import Image
from torch.utils.data import DataLoader

BATCH = 64


def decoded(sample: dict) -> tuple[torch.Tensor, int]:
    image = np.asarray(Image.open(io.BytesIO(sample["image"])).convert("RGB"))
    return torch.from_numpy(image), int(sample["label"])


class Decoding(torch.utils.data.IterableDataset):
    """A streaming dataset's samples, decoded."""

    def __init__(self, dataset) -> None:
        self.dataset = dataset

    def __iter__(self):
        for sample in self.dataset:
            yield decoded(sample)


def litdata_loader(endpoint: str, remote: str, cache: str, workers: int) -> DataLoader:
    import litdata.streaming.downloader as downloader
    from litdata import StreamingDataLoader, StreamingDataset

    # LitData fetches chunks with obstore, which refuses a plain-http endpoint (such as this
    # benchmark's server on 127.0.0.1) unless told it may use one.
    options = dict(getattr(downloader, "_OBSTORE_CLIENT_OPTIONS", None) or {})
    downloader._OBSTORE_CLIENT_OPTIONS = {**options, "allow_http": True}

    dataset = StreamingDataset(
        remote,
        cache_dir=cache,
        shuffle=True,
        storage_options={
            "endpoint_url": endpoint,
            "aws_access_key_id": os.environ["AWS_ACCESS_KEY_ID"],
            "aws_secret_access_key": os.environ["AWS_SECRET_ACCESS_KEY"],
        },
        transform=decoded,
    )
    return StreamingDataLoader(dataset, batch_size=BATCH, num_workers=workers)


def mosaic_loader(endpoint: str, remote: str, cache: str, workers: int) -> DataLoader:
    _mosaic_writer()  # imports the package without its torchvision-bound __init__
    from streaming.base import StreamingDataset

    os.environ["S3_ENDPOINT_URL"] = endpoint
    dataset = StreamingDataset(remote=remote, local=cache, shuffle=True, batch_size=BATCH)
    return DataLoader(Decoding(dataset), batch_size=BATCH, num_workers=workers)


def main() -> None:
    system, endpoint, remote, cache, workers = sys.argv[1:6]
    make = {"litdata": litdata_loader, "mosaic": mosaic_loader}[system]
    print_two_epochs(make(endpoint, remote, cache, int(workers)), lambda batch: len(batch[0]))


if __name__ == "__main__":
    main()
