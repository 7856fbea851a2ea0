"""The engine's diagnostic messages, on the standard ``hub_v1`` logger.

Cloud retries, for instance, are logged at DEBUG level::

    logging.getLogger("hub_v1").setLevel(logging.DEBUG)
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
