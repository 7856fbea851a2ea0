"""scripts/install_system_deps.sh, the first step of `make demo` and `make test`, waits for
another apt or dpkg (unattended-upgrades on a fresh cloud VM) to release its locks instead of
failing, and gives up after its bound with a message naming the lock."""

from __future__ import annotations

import fcntl
import os
import subprocess
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "install_system_deps.sh"


def _wait_for_locks(locks: list[Path], bound_seconds: int) -> subprocess.CompletedProcess:
    environment = {
        **os.environ,
        "HUB_APT_LOCKS": " ".join(str(lock) for lock in locks),
        "HUB_APT_LOCK_WAIT": str(bound_seconds),
    }
    return subprocess.run(
        ["bash", str(SCRIPT), "--wait-for-apt-locks-only"],
        capture_output=True, text=True, env=environment, timeout=120,
    )  # fmt: skip


def _held(path: Path) -> int:
    """A descriptor holding an fcntl lock on `path`, as apt and dpkg hold theirs."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT)
    fcntl.lockf(fd, fcntl.LOCK_EX)
    return fd


def test_free_locks_are_not_waited_for(tmp_path):
    locks = [tmp_path / "lock-frontend", tmp_path / "missing-lock"]
    locks[0].touch()
    start = time.monotonic()
    result = _wait_for_locks(locks, 60)
    assert result.returncode == 0, result.stderr
    assert time.monotonic() - start < 5
    assert "waiting" not in result.stderr


def test_a_held_lock_is_waited_for_until_it_is_released(tmp_path):
    locks = [tmp_path / "lock-frontend", tmp_path / "lists-lock"]
    fd = _held(locks[1])
    releaser = threading.Timer(6, lambda: os.close(fd))  # closing releases the lock
    releaser.start()
    start = time.monotonic()
    try:
        result = _wait_for_locks(locks, 60)
    finally:
        releaser.join()
    assert result.returncode == 0, result.stderr
    assert time.monotonic() - start >= 5
    assert f"waiting for another apt or dpkg to finish ({locks[1]} is held" in result.stderr


def test_a_lock_held_past_the_bound_fails_naming_it(tmp_path):
    lock = tmp_path / "lock"
    fd = _held(lock)
    try:
        start = time.monotonic()
        result = _wait_for_locks([lock], 6)
    finally:
        os.close(fd)
    assert result.returncode != 0
    assert time.monotonic() - start < 30
    assert f"{lock} is still held after" in result.stderr
