"""A TCP proxy that delays every byte a client sends by a fixed time, as `tc netem delay` would
on the client's link (the kernel here has no netem qdisc). Each request reaches the server
`delay` seconds late, so every round trip grows by `delay`; bytes stay in order and are
pipelined, so a large upload is delayed once, not once per packet. Answers flow back
undelayed.

It runs in its own process, so forwarding costs no time on the GIL of the process measured,
and moves data in 1 MiB blocking socket calls on threads (which release the GIL), so it can
forward GB/s:

    python benchmarks/latency_proxy.py --upstream-port 9000 --delay 0.02
    (prints "listening on <port>" once it accepts connections)
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import socket
import threading
import time

BLOCK = 1 << 20


def forward(source: socket.socket, target: socket.socket) -> None:
    """Copies source to target until source ends, then ends target's sending side."""
    buffer = bytearray(BLOCK)
    view = memoryview(buffer)
    with contextlib.suppress(OSError):
        while count := source.recv_into(buffer):
            target.sendall(view[:count])
    with contextlib.suppress(OSError):
        target.shutdown(socket.SHUT_WR)


def forward_delayed(source: socket.socket, target: socket.socket, delay: float) -> None:
    """As forward, each piece sent `delay` seconds after it arrived."""
    pending: collections.deque[tuple[float, bytes]] = collections.deque()
    arrived = threading.Condition()

    def send() -> None:
        while True:
            with arrived:
                arrived.wait_for(lambda: pending)
                due, data = pending.popleft()
            time.sleep(max(0.0, due - time.monotonic()))
            if not data:
                break
            try:
                target.sendall(data)
            except OSError:
                break
        with contextlib.suppress(OSError):
            target.shutdown(socket.SHUT_WR)

    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    with contextlib.suppress(OSError):
        while data := source.recv(BLOCK):
            with arrived:
                pending.append((time.monotonic() + delay, data))
                arrived.notify()
    with arrived:
        pending.append((time.monotonic(), b""))
        arrived.notify()
    sender.join()


def serve_connection(client: socket.socket, upstream_port: int, delay: float) -> None:
    with client, socket.create_connection(("127.0.0.1", upstream_port)) as server:
        for connection in (client, server):
            connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        answers = threading.Thread(target=forward, args=(server, client), daemon=True)
        answers.start()
        forward_delayed(client, server, delay)
        answers.join()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--upstream-port", type=int, required=True)
    parser.add_argument("--delay", type=float, required=True, help="seconds added per request")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    args = parser.parse_args()
    with socket.create_server(("127.0.0.1", args.port), backlog=256) as listener:
        print(f"listening on {listener.getsockname()[1]}", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            while True:
                client, _ = listener.accept()
                threading.Thread(
                    target=serve_connection,
                    args=(client, args.upstream_port, args.delay),
                    daemon=True,
                ).start()


if __name__ == "__main__":
    main()
