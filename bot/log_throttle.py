"""Mute a logger for a while after each record it lets through.

waitress warns "Task queue depth is N" for every request that finds its threads busy:
thousands of lines in a burst, each made, formatted and written while the requests it
is about wait for the interpreter lock. One line a minute says the same to an operator.
A filter that dropped the rest would still pay for making each record (``Logger``
makes it before filters run), so the logger's level is raised instead, and lowered
again when the minute is over.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

Schedule = Callable[[float, Callable[[], None]], None]
"""Run a function after so many seconds (a daemon :class:`threading.Timer` by default)."""


def _timer(seconds: float, function: Callable[[], None]) -> None:
    timer = threading.Timer(seconds, function)
    timer.daemon = True
    timer.start()


class MuteAfterEach(logging.Filter):
    """Lets a record through, then mutes its logger for ``seconds``."""

    def __init__(self, logger: logging.Logger, seconds: float, schedule: Schedule = _timer):
        super().__init__()
        self._logger = logger
        self._seconds = seconds
        self._schedule = schedule
        self._level = logger.level
        self._lock = threading.Lock()
        self._muted_up_to: int | None = None  # the level muted, while muted

    def filter(self, record: logging.LogRecord) -> bool:
        with self._lock:
            if self._muted_up_to is not None:
                # Above the muted level it passes as it is; at it, it was made before
                # the level was raised.
                return record.levelno > self._muted_up_to
            self._muted_up_to = record.levelno
        self._logger.setLevel(max(record.levelno + 1, self._level))
        self._schedule(self._seconds, self._unmute)
        record.msg = f"{record.msg} (more like it are muted for %.0f s)"
        record.args = (*_as_tuple(record.args), self._seconds)
        return True

    def _unmute(self) -> None:
        with self._lock:
            self._muted_up_to = None
        self._logger.setLevel(self._level)


def _as_tuple(args: object) -> tuple[object, ...]:
    if args is None:
        return ()
    return args if isinstance(args, tuple) else (args,)


def mute_after_each(logger_name: str, seconds: float) -> None:
    """Mute ``logger_name`` for ``seconds`` after each record (once per process)."""
    logger = logging.getLogger(logger_name)
    if not any(isinstance(existing, MuteAfterEach) for existing in logger.filters):
        logger.addFilter(MuteAfterEach(logger, seconds))
