"""The read options S3 and GCS connections share, checked when the connection is made (the
engine checks them again when it opens the store)."""

from __future__ import annotations

from hub_v1.errors import InvalidArgumentError


def checked_read_options(hedge_after: float | None, max_staleness: float) -> tuple[float, float]:
    """(hedge_after, max_staleness) in seconds, 0 meaning off: `hedge_after` (seconds before
    a slow read gets a second, identical request; None: never) must be > 0, and
    `max_staleness` (seconds a cached chunk is used without asking the store whether it
    changed; 0: always ask) >= 0."""
    hedge = 0.0 if hedge_after is None else float(hedge_after)
    if not hedge >= 0 or (hedge_after is not None and hedge == 0):
        raise InvalidArgumentError(f"hedge_after must be seconds > 0 or None, got {hedge_after!r}")
    staleness = float(max_staleness)
    if not staleness >= 0:
        raise InvalidArgumentError(f"max_staleness must be seconds >= 0, got {max_staleness!r}")
    return hedge, staleness
