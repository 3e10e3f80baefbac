"""Waiting for what another thread or process will do, by polling what it leaves visible.

For work that runs on the wall clock or on its own thread (a scheduler job, a queued
writer, a restarted bot), not for time-based behaviour, which tests drive with a clock.
"""

from __future__ import annotations

import time
from collections.abc import Callable


def wait_until(
    condition: Callable[[], object], what: str, timeout: float = 10.0, poll: float = 0.001
) -> None:
    """Return once ``condition()`` is true; fail saying ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(poll)
