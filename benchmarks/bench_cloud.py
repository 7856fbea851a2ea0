"""Cloud read throughput: hub_v1 versus TensorStore on moto's S3 server on 127.0.0.1, direct
and through a proxy that adds 20 ms to every request (the kernel here has no netem, so latency
comes from tests/fault_proxy.py with delay_seconds=0.02 and no faults).

For each chunk size, one uint8 array of N chunks is written by hub_v1, then read whole by
hub_v1 and by TensorStore's zarr3 driver over its s3 kvstore (same bucket, same bytes).
Prints medians of --runs reads, MB/s, and for the delayed case the ideal
in-flight x chunk / 20 ms that hub_v1's 32 requests in flight would reach if the server kept
up. zarr-python over s3fs is not measured (s3fs is not installed in this environment).

    python benchmarks/bench_cloud.py [--runs 3]
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import uuid
from pathlib import Path

import hub_v1 as hub
import numpy as np
import tensorstore as ts
from moto.server import ThreadedMotoServer
from timing import machine, median_seconds

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from fault_proxy import FaultProxy  # noqa: E402

KEYS = {"aws_access_key_id": "bench", "aws_secret_access_key": "bench"}


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tensorstore_read(endpoint: str, path: str) -> np.ndarray:
    spec = {
        "driver": "zarr3",
        "kvstore": {
            "driver": "s3",
            "bucket": "bench",
            "path": path + "/",
            "endpoint": endpoint,
            "aws_region": "us-east-1",
        },
        "context": {"s3_request_concurrency": {"limit": 32}},
    }
    return ts.open(spec, open=True).result().read().result()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench")
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    direct = f"http://127.0.0.1:{port}"
    print(f"machine: {machine()}; moto S3 on 127.0.0.1; medians of {args.runs} full reads")
    try:
        for label, count, chunk_bytes in [("64 KB", 2000, 64 << 10), ("1 MB", 200, 1 << 20)]:
            side = int(np.sqrt(chunk_bytes))
            prefix = uuid.uuid4().hex
            datahub = hub.s3(
                "bench",
                endpoint=direct,
                region="us-east-1",
                create_bucket=True,
                prefix=prefix,
                **KEYS,
            ).connect()
            data = np.random.default_rng(0).integers(0, 255, (count, side, side), dtype=np.uint8)
            array = datahub.array("a", shape=data.shape, chunk=(1, side, side), dtype="uint8")
            array[:] = data
            total_mb = data.nbytes / 1e6
            print(f"\n== {count} chunks of {label} ({total_mb:.0f} MB, raw + crc32c) ==")
            with FaultProxy(port, failure_rate=0.0, delay_seconds=0.02) as proxy:
                delayed = f"http://127.0.0.1:{proxy.port}"
                for name, endpoint in [("direct", direct), ("+20 ms per request", delayed)]:
                    reader = (
                        hub.s3(
                            "bench", endpoint=endpoint, region="us-east-1", prefix=prefix, **KEYS
                        )
                        .connect()
                        .open("a")
                    )
                    hub_s = median_seconds(lambda r=reader: r[:], args.runs)
                    ts_s = median_seconds(
                        lambda e=endpoint, p=f"{prefix}/a": tensorstore_read(e, p), args.runs
                    )
                    assert np.array_equal(tensorstore_read(endpoint, f"{prefix}/a"), data)
                    print(
                        f"  {name:<20} hub_v1 {total_mb / hub_s:8.1f} MB/s   TensorStore "
                        f"{total_mb / ts_s:8.1f} MB/s   hub_v1/TensorStore {ts_s / hub_s:5.2f}x"
                    )
                ideal = 32 * chunk_bytes / 0.02 / 1e6
                print(
                    f"  ideal with 32 in flight and 20 ms: {ideal:.0f} MB/s "
                    f"(moto serves ~500 requests/s, so it is the limit here)"
                )
    finally:
        server.stop()


if __name__ == "__main__":
    main()
