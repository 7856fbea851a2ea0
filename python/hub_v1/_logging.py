"""The engine's diagnostic messages, on the standard ``hub_v1`` logger.

Cloud retries, for instance, are logged at DEBUG level::

    logging.getLogger("hub_v1").setLevel(logging.DEBUG)

Messages logged on the engine's I/O threads never run Python there: they are queued and
handed to the logger on the interpreter's main thread at its next Python step (so a handler
that blocks cannot stall a read), or at once by ``hub_v1._core.deliver_log_records()``.
"""

from __future__ import annotations

import atexit
import logging

from hub_v1 import _core

logger = logging.getLogger("hub_v1")


def _forward(level: int, message: str) -> None:
    logger.log(level, message)


def install() -> None:
    """Sends engine messages to ``logger`` until the interpreter exits."""
    _core.set_log_sink(_forward)
    # Engine threads must not call into Python once the interpreter starts shutting down.
    atexit.register(_core.set_log_sink, None)
