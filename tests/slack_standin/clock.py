"""The stand-in's notion of "now".

Slack's rules are about time (a trigger_id lives 3 s, a response_url 30 min, rate-limit
buckets refill per second). Tests should not sleep to exercise them, so every rule reads
this clock, and :meth:`Clock.advance` moves it forward instantly. Only the stand-in's own
rules use it; request signatures use the real time, because the bot checks them against
its own clock.
"""

from __future__ import annotations

import threading
import time


class Clock:
    """Epoch seconds (wall clock) plus an offset that only ever grows."""

    def __init__(self) -> None:
        self._offset = 0.0
        self._lock = threading.Lock()

    def now(self) -> float:
        """Current stand-in time in epoch seconds."""
        with self._lock:
            return time.time() + self._offset

    def advance(self, seconds: float) -> None:
        """Jump forward by ``seconds`` (no sleeping involved)."""
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        with self._lock:
            self._offset += seconds
