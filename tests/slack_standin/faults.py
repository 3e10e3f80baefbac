"""Injected failures: what a test asks Slack to do wrong, and for how many calls.

``SlackStandIn.fail`` queues a :class:`Fault`; each Web API call takes the first queued
fault matching its method (or ``"*"``) and uses one of its ``times``. Faults model the
infrastructure, so they apply before authentication, rate limits and arguments.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

DEFAULT_ERRORS: dict[int, str] = {
    429: "ratelimited",
    500: "internal_error",
    502: "bad_gateway",
    503: "service_unavailable",
    504: "request_timeout",
}


@dataclass
class Fault:
    """One planned failure (see ``SlackStandIn.fail`` for the meaning of each field)."""

    method: str
    status: int = 500
    error: str | None = None
    retry_after: int | None = None
    delay: float = 0.0
    times: int = 1
    connection_reset: bool = False

    @property
    def answers(self) -> bool:
        """False for a pure latency fault (HTTP 200, no error): the call then runs normally."""
        return self.connection_reset or self.status != 200 or self.error is not None

    @property
    def error_code(self) -> str:
        """The ``error`` to put in the body."""
        if self.status == 429:
            return "ratelimited"
        if self.error is not None:
            return self.error
        return DEFAULT_ERRORS.get(self.status, "fatal_error")


class FaultPlan:
    """The queue of pending faults; thread-safe."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(self, fault: Fault) -> None:
        """Queue a fault after the ones already planned."""
        if fault.times < 1:
            raise ValueError("times must be >= 1")
        with self._lock:
            self._faults.append(fault)

    def take(self, method: str) -> Fault | None:
        """Use up one occurrence of the first fault matching ``method``."""
        with self._lock:
            for fault in self._faults:
                if fault.method in (method, "*"):
                    fault.times -= 1
                    if fault.times == 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def clear(self) -> None:
        """Drop every pending fault."""
        with self._lock:
            self._faults.clear()

    @property
    def pending(self) -> list[Fault]:
        """A copy of the faults still queued."""
        with self._lock:
            return [Fault(**vars(f)) for f in self._faults]
