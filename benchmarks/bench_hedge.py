"""Hedged reads against stalled requests: read latency of single chunks from SeaweedFS (S3 in
Go, on 127.0.0.1) through tests/fault_proxy.py made to stall 2% of requests (no answer for
2 s, then a dropped connection), with hedging off and with `hedge_after=` 0.05 s.

Each read is one uncached 64 KB chunk, one at a time, so every read's latency is seen. Prints
p50, p99 and the worst read of --reads reads per setting, the requests the proxy saw, and the
retries hub_v1 made; the medians of --runs runs.

    python benchmarks/bench_hedge.py [--reads 500] [--runs 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import uuid
from pathlib import Path

import hub_v1 as hub
import numpy as np
from timing import machine

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from fault_proxy import FaultProxy
from servers import seaweedfs

KEYS = {"aws_access_key_id": "bench", "aws_secret_access_key": "bench"}
CHUNKS = 200
STALL_RATE = 0.02
STALL_SECONDS = 2.0
HEDGE_AFTER = 0.05


def connect(port: int, prefix: str, **options) -> hub.DataHub:
    return hub.s3(
        "bench",
        endpoint=f"http://127.0.0.1:{port}",
        region="us-east-1",
        prefix=prefix,
        create_bucket=True,
        **KEYS,
        **options,
    ).connect()


def latencies(upstream: int, prefix: str, reads: int, seed: int, **options) -> dict:
    order = np.random.default_rng(seed).integers(0, CHUNKS, reads)
    with FaultProxy(
        upstream,
        failure_rate=STALL_RATE,
        faults=("stall",),
        stall_seconds=STALL_SECONDS,
        max_failures_in_a_row=1,
        seed=seed,
    ) as proxy:
        array = connect(proxy.port, prefix, **options).open("chunks")
        retries = hub._core.cloud_retry_count()
        seconds = []
        for i in order:
            start = time.perf_counter()
            array[int(i)]
            seconds.append(time.perf_counter() - start)
        seconds.sort()
        return {
            "p50": seconds[len(seconds) // 2],
            "p99": seconds[int(len(seconds) * 0.99)],
            "worst": seconds[-1],
            "requests": proxy.requests["GET"],
            "stalled": proxy.injected["stall"],
            "retries": hub._core.cloud_retry_count() - retries,
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reads", type=int, default=500)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    hub.set_cache_size(0)  # every read goes to the store
    print(machine())
    with seaweedfs(KEYS["aws_access_key_id"], KEYS["aws_secret_access_key"]) as port:
        prefix = uuid.uuid4().hex
        data = np.random.default_rng(0).integers(0, 255, (CHUNKS, 256, 256), dtype=np.uint8)
        connect(port, prefix).array("chunks", shape=data.shape, chunk=(1, 256, 256), dtype="uint8")[
            :
        ] = data
        settings = {"hedging off": {}, f"hedge_after={HEDGE_AFTER}": {"hedge_after": HEDGE_AFTER}}
        results = {name: [] for name in settings}
        for run in range(args.runs):
            for name, options in settings.items():
                results[name].append(latencies(port, prefix, args.reads, run, **options))
    print(
        f"{args.reads} single-chunk reads (64 KB), {STALL_RATE:.0%} of requests stalled "
        f"{STALL_SECONDS} s; medians of {args.runs} runs"
    )
    print(
        f"{'setting':<22}{'p50 ms':>9}{'p99 ms':>9}{'worst ms':>10}{'GETs':>7}"
        f"{'stalled':>9}{'retries':>9}"
    )
    for name, runs in results.items():
        row = {key: statistics.median(run[key] for run in runs) for key in runs[0]}
        print(
            f"{name:<22}{row['p50'] * 1e3:>9.1f}{row['p99'] * 1e3:>9.1f}"
            f"{row['worst'] * 1e3:>10.1f}{row['requests']:>7.0f}{row['stalled']:>9.0f}"
            f"{row['retries']:>9.0f}"
        )


if __name__ == "__main__":
    main()
