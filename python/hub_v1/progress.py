"""Progress bars (tqdm) for long operations: copies, writes from iterables, loader epochs.

Every long operation takes ``progress``: ``True`` always shows a bar, ``False`` never does,
and ``None`` (the default) shows one only when stderr is an interactive terminal, so scripts,
CI logs and batch jobs stay silent.
"""

from __future__ import annotations

import sys
from typing import Any


class _NoBar:
    """What a hidden bar is: no tqdm at all. A hidden tqdm still takes tqdm's lock, a
    multiprocessing lock shared with forked children, which a child killed while holding it
    never gives back (a DataLoader worker or a writer killed mid-extend would hang the
    parent's next bar)."""

    def __enter__(self) -> _NoBar:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    n: float = 0  # tqdm's position, which callers may set (then refresh)

    def update(self, n: float = 1) -> None:
        return None

    def refresh(self) -> None:
        return None

    def set_postfix(self, *args: Any, **kwargs: Any) -> None:
        return None

    def set_postfix_str(self, *args: Any, **kwargs: Any) -> None:
        return None

    def close(self) -> None:
        return None


def _shown(progress: bool | None) -> bool:
    if progress is not None:
        return progress
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):  # no stderr, or a closed one
        return False


def progress_bar(
    total: float | None, description: str, unit: str, progress: bool | None, initial: float = 0
) -> Any:
    """A tqdm bar over `total` `unit`s, `initial` of them done already (a resumed job); see
    the module docstring for `progress`."""
    if not _shown(progress):
        return _NoBar()
    from tqdm.auto import tqdm

    return tqdm(
        total=total,
        desc=description,
        unit=unit,
        unit_scale=unit == "B",
        unit_divisor=1024 if unit == "B" else 1000,
        leave=progress is True,
        initial=initial,
    )
