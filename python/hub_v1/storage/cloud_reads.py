"""The options S3 and GCS connections share, checked when the connection is made (the engine
checks them again when it opens the store).

Arguments are checked here, in Python, before they reach the engine: a binding that fails to
convert an argument could otherwise echo the call's arguments, and some of them are secrets.
So every message here names the argument and what it must be, never a secret's value.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hub_v1.errors import InvalidArgumentError

_WEEK = 7 * 24 * 3600.0
DEFAULT_DISK_CACHE_SIZE = 10 << 30


def checked_text(name: str, value: Any, secret: bool = False) -> str:
    """`value` if it is a str ("" for None); a TypeError naming `name` otherwise, which shows
    the value only when it is not a `secret`."""
    if value is None:
        return ""
    if not isinstance(value, str):
        shown = "" if secret else f" {value!r}"
        raise TypeError(f"{name} must be a str, not {type(value).__name__}{shown}")
    return value


def checked_path(name: str, value: Any) -> str:
    """`value` (a str or a path-like object) as a str ("" for None); a TypeError naming
    `name` otherwise."""
    if value is None:
        return ""
    if not isinstance(value, str | os.PathLike):
        raise TypeError(f"{name} must be a path (str or os.PathLike), not {type(value).__name__}")
    return os.fspath(value) if isinstance(value, os.PathLike) else value


def checked_count(name: str, value: Any, low: int, high: int) -> int:
    """`value` as an int in [low, high]; TypeError or InvalidArgumentError naming `name`."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, not {type(value).__name__} {value!r}")
    if not low <= value <= high:
        raise InvalidArgumentError(f"{name} must be between {low} and {high}, got {value}")
    return value


def checked_flag(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False, not {type(value).__name__} {value!r}")
    return value


def _seconds(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{name} must be seconds (a number), not {type(value).__name__} {value!r}")
    return float(value)


@dataclass(frozen=True)
class CloudReadOptions:
    """How cloud reads behave: hedging, staleness, each request's deadline (seconds), and the
    local disk cache (a folder, "" for none, and its size in bytes)."""

    hedge_after: float = 0.0  # 0: off
    max_staleness: float = 0.0
    request_timeout: float = 30.0
    min_bytes_per_second: float = 256 * 1024.0
    disk_cache: str = ""
    disk_cache_size: int = DEFAULT_DISK_CACHE_SIZE

    def engine_arguments(self) -> dict[str, Any]:
        return {
            "hedge_after": self.hedge_after,
            "max_staleness": self.max_staleness,
            "request_timeout": self.request_timeout,
            "min_bytes_per_second": self.min_bytes_per_second,
            "disk_cache": self.disk_cache,
            "disk_cache_size": self.disk_cache_size,
        }

    def connection_arguments(self) -> dict[str, Any]:
        """As the connection's keyword arguments (hedge_after None when off)."""
        return {**self.engine_arguments(), "hedge_after": self.hedge_after or None}


def checked_read_options(
    hedge_after: Any,
    max_staleness: Any,
    request_timeout: Any = 30.0,
    min_bytes_per_second: Any = 256 * 1024.0,
    *,
    disk_cache: Any = None,
    disk_cache_size: Any = DEFAULT_DISK_CACHE_SIZE,
) -> CloudReadOptions:
    """The read options, checked: `hedge_after` (seconds before a slow read gets a second,
    identical request; None: never) > 0 and at most a week; `max_staleness` (seconds a cached
    chunk is used without asking the store whether it changed; 0: always ask) >= 0;
    `request_timeout` (seconds) > 0 and at most a week and `min_bytes_per_second` > 0, which
    give each request its deadline: request_timeout plus its bytes at min_bytes_per_second;
    `disk_cache` (a folder, or None) and `disk_cache_size` (bytes, > 0)."""
    hedge = 0.0 if hedge_after is None else _seconds("hedge_after", hedge_after)
    if hedge_after is not None and not 0 < hedge <= _WEEK:
        raise InvalidArgumentError(
            f"hedge_after must be seconds > 0 and at most a week, or None; got {hedge_after!r}"
        )
    staleness = _seconds("max_staleness", max_staleness)
    if not staleness >= 0:
        raise InvalidArgumentError(f"max_staleness must be seconds >= 0, got {max_staleness!r}")
    timeout = _seconds("request_timeout", request_timeout)
    if not 0 < timeout <= _WEEK:
        raise InvalidArgumentError(
            f"request_timeout must be seconds > 0 and at most a week, got {request_timeout!r}"
        )
    rate = _seconds("min_bytes_per_second", min_bytes_per_second)
    if not (rate > 0 and math.isfinite(rate)):
        raise InvalidArgumentError(
            f"min_bytes_per_second must be a positive number, got {min_bytes_per_second!r}"
        )
    cache_folder = checked_path("disk_cache", disk_cache)
    if cache_folder:  # absolute, so that workers started elsewhere share it
        cache_folder = str(Path(cache_folder).expanduser().absolute())
    cache_size = checked_count("disk_cache_size", disk_cache_size, 1, 1 << 62)
    return CloudReadOptions(hedge, staleness, timeout, rate, cache_folder, cache_size)
