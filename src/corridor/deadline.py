"""Work that stops when it is no longer wanted: a deadline, or a caller that went away.

The long analyses (:func:`corridor.calendar`, :func:`corridor.compare`,
:func:`corridor.criticality`) call :func:`check` between the routes they plan; inside
:func:`limit` it raises :class:`Stopped` once the deadline has passed or the ``cancel``
event is set. Outside any :func:`limit` it does nothing, so library calls are unaffected.

Examples
--------
>>> import time
>>> with limit(0.01):
...     time.sleep(0.02)
...     try:
...         check()
...     except Stopped as stop:
...         print(stop.reason)
deadline
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from corridor.exceptions import Stopped

__all__ = ["Stopped", "check", "limit"]

_LIMIT: ContextVar[tuple[float, threading.Event | None, float] | None] = ContextVar(
    "corridor_deadline", default=None)





def check() -> None:
    """Raise :class:`Stopped` if the work under way is past its deadline or cancelled."""
    current = _LIMIT.get()
    if current is None:
        return
    until, cancel, seconds = current
    if cancel is not None and cancel.is_set():
        raise Stopped("cancelled", seconds)
    if time.monotonic() > until:
        raise Stopped("deadline", seconds)


@contextmanager
def limit(seconds: float, cancel: threading.Event | None = None) -> Iterator[None]:
    """Let the work inside run for at most ``seconds`` (and until ``cancel`` is set)."""
    token = _LIMIT.set((time.monotonic() + seconds, cancel, seconds))
    try:
        yield
    finally:
        _LIMIT.reset(token)
