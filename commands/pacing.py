"""Keeping the bot's own posts under Slack's per-channel limit, before Slack has to say so.

Slack allows about one message per second per channel, with short bursts, and answers
more with 429. The client's retry handler honours such a 429, but a burst of declares
(one announcement each in the broadcast channel) or of notes would hit it every time;
pacing here keeps each channel to ``per_second`` after a burst of ``burst``. The pace is
per process: replicas each keep their own.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

SLACK_POSTS_PER_SECOND = 1.0
BURST = 3
"""Below the burst Slack tolerates, so a retried post still fits."""


class ChannelPacer:
    """A token bucket per channel; :meth:`wait` blocks until a post may go."""

    def __init__(
        self,
        per_second: float = SLACK_POSTS_PER_SECOND,
        burst: int = BURST,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._per_second = per_second
        self._burst = float(burst)
        self._clock = clock
        self._sleep = sleep
        self._buckets: dict[str, tuple[float, float]] = {}  # channel -> (tokens, at)
        self._lock = threading.Lock()

    def wait(self, channel: str) -> None:
        """Take one post for ``channel``, sleeping first when its bucket is empty."""
        while True:
            with self._lock:
                now = self._clock()
                tokens, at = self._buckets.get(channel, (self._burst, now))
                tokens = min(self._burst, tokens + (now - at) * self._per_second)
                if tokens >= 1.0:
                    self._buckets[channel] = (tokens - 1.0, now)
                    return
                self._buckets[channel] = (tokens, now)
                pause = (1.0 - tokens) / self._per_second
            self._sleep(pause)
