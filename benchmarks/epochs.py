"""Two timed epochs of a loader, printed as JSON: what bench_training_race.py reads back from
each reader's process (hub_v1, WebDataset, and LitData and Mosaic in peer_readers.py)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from typing import Any


def print_two_epochs(loader: Iterable[Any], samples_in: Callable[[Any], int]) -> None:
    """Iterates `loader` twice; prints {"epoch1": s, "epoch2": s, "samples": per epoch}."""
    seconds, samples = [], 0
    for _ in range(2):
        samples, started = 0, time.perf_counter()
        for batch in loader:
            samples += samples_in(batch)
        seconds.append(time.perf_counter() - started)
    print(json.dumps({"epoch1": seconds[0], "epoch2": seconds[1], "samples": samples}))
