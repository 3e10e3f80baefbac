"""A logging filter that lets one record through per interval and counts the rest.

waitress warns "Task queue depth is N" for every request that finds its threads busy:
thousands of lines in a burst, each formatted and written while the requests it is
about wait for the interpreter lock. One line a minute, with how many were held back,
says the same to an operator.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable


class Throttle(logging.Filter):
    """Passes at most one record per ``interval`` seconds; the next one passed says how
    many were dropped since the last."""

    def __init__(self, interval: float, now: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self._interval = interval
        self._now = now
        self._lock = threading.Lock()
        self._next = float("-inf")
        self._dropped = 0

    def filter(self, record: logging.LogRecord) -> bool:
        now = self._now()
        with self._lock:
            if now < self._next:
                self._dropped += 1
                return False
            self._next = now + self._interval
            dropped, self._dropped = self._dropped, 0
        if dropped:
            record.msg = f"{record.msg} (and {dropped} more like it in the last %.0f s)"
            record.args = (*_as_tuple(record.args), self._interval)
        return True


def _as_tuple(args: object) -> tuple[object, ...]:
    if args is None:
        return ()
    return args if isinstance(args, tuple) else (args,)


def throttle(logger_name: str, interval: float) -> None:
    """Throttle ``logger_name`` to one record per ``interval`` (once per process)."""
    logger = logging.getLogger(logger_name)
    if not any(isinstance(existing, Throttle) for existing in logger.filters):
        logger.addFilter(Throttle(interval))
