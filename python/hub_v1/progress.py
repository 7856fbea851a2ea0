"""Progress bars (tqdm) for long operations: copies, writes from iterables, loader epochs.

Every long operation takes ``progress``: ``True`` always shows a bar, ``False`` never does,
and ``None`` (the default) shows one only when stderr is an interactive terminal, so scripts,
CI logs and batch jobs stay silent.
"""

from __future__ import annotations

from typing import Any


def progress_bar(total: float | None, description: str, unit: str, progress: bool | None) -> Any:
    """A tqdm bar over `total` `unit`s; see the module docstring for `progress`."""
    from tqdm.auto import tqdm

    return tqdm(
        total=total,
        desc=description,
        unit=unit,
        unit_scale=unit == "B",
        unit_divisor=1024 if unit == "B" else 1000,
        disable=None if progress is None else not progress,  # None: only on a terminal
        leave=progress is True,
    )
