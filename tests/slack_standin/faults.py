"""Injected failures: what a test asks Slack to do wrong, and for how many calls.

``SlackStandIn.fail`` queues a :class:`Fault`; each Web API call takes the first queued
fault matching its method (or ``"*"``) and uses one of its ``times``. ``SlackStandIn.flaky``
adds a :class:`Flakiness`: once the queue has nothing for a call, a seeded random share
of calls (every method) fails in one of a few ways. Faults model the infrastructure, so
they apply before authentication, rate limits and arguments.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

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


FlakyKind = Literal["500", "429", "reset", "slow"]
FLAKY_KINDS: tuple[FlakyKind, ...] = ("500", "429", "reset", "slow")


@dataclass(frozen=True)
class Flakiness:
    """A share of calls failing at random: HTTP 500, 429 with ``Retry-After``, a dropped
    connection, or ``slow``: the call is answered normally, but only after
    ``slow_seconds`` (set it above the client's timeout and the client gives up on a call
    Slack still carries out, the one failure a retry can turn into a duplicate)."""

    share: float
    kinds: tuple[FlakyKind, ...]
    seed: int
    slow_seconds: float
    retry_after: int

    def fault(self, method: str, kind: FlakyKind) -> Fault:
        """The one-off fault of ``kind`` for a call of ``method``."""
        if kind == "500":
            return Fault(method, status=500)
        if kind == "429":
            return Fault(method, status=429, retry_after=self.retry_after)
        if kind == "reset":
            return Fault(method, connection_reset=True)
        return Fault(method, status=200, delay=self.slow_seconds)


class FaultPlan:
    """The queue of pending faults, and the flakiness behind it; thread-safe."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._flaky: Flakiness | None = None
        self._random = random.Random(0)
        self._holds: list[Hold] = []
        self._lock = threading.Lock()

    def hold(self, hold: Hold) -> None:
        """Hold a call in flight (see :class:`Hold`)."""
        with self._lock:
            self._holds.append(hold)

    def held(self, method: str) -> Hold | None:
        """The hold that stops this call of ``method``, if any."""
        with self._lock:
            for hold in self._holds:
                if hold.method == method and hold.matches():
                    self._holds.remove(hold)
                    return hold
        return None

    def flaky(
        self,
        share: float,
        kinds: Iterable[FlakyKind] = FLAKY_KINDS,
        *,
        seed: int = 0,
        slow_seconds: float = 10.0,
        retry_after: int = 1,
    ) -> None:
        """Fail ``share`` (0..1) of the calls the queue leaves alone, each in one of
        ``kinds`` picked at random from a generator seeded with ``seed``."""
        chosen = tuple(kinds)
        if not 0.0 <= share <= 1.0:
            raise ValueError("share must be between 0 and 1")
        if not chosen or any(kind not in FLAKY_KINDS for kind in chosen):
            raise ValueError(f"kinds must be some of {FLAKY_KINDS}")
        with self._lock:
            self._flaky = Flakiness(share, chosen, seed, slow_seconds, retry_after)
            self._random = random.Random(seed)

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
            flaky = self._flaky
            if flaky is None or self._random.random() >= flaky.share:
                return None
            return flaky.fault(method, self._random.choice(flaky.kinds))

    def clear(self) -> None:
        """Drop every pending fault, and stop failing at random."""
        with self._lock:
            self._faults.clear()
            self._flaky = None
            holds, self._holds = self._holds, []
        for hold in holds:
            hold.release()

    @property
    def pending(self) -> list[Fault]:
        """A copy of the faults still queued."""
        with self._lock:
            return [Fault(**vars(f)) for f in self._faults]


class Hold:
    """Stops the ``nth`` call of ``method`` in flight until :meth:`release`.

    With ``carry_out`` Slack does what the call asks and only the answer waits (the caller
    dies knowing nothing of a message Slack holds); without it the call waits first and
    is then dropped unanswered. Tests kill the bot while a call is held: a deterministic
    "crash during this call".
    """

    def __init__(self, method: str, nth: int, carry_out: bool) -> None:
        if nth < 1:
            raise ValueError("nth must be >= 1")
        self.method = method
        self.nth = nth
        self.carry_out = carry_out
        self._seen = 0
        self._held = threading.Event()
        self._released = threading.Event()

    def matches(self) -> bool:
        """Count one call of the method; True for the one to hold."""
        self._seen += 1
        return self._seen == self.nth

    def block(self) -> None:
        """Called on the server thread: say it is held, then wait for the release."""
        self._held.set()
        self._released.wait(timeout=60)

    def wait_held(self, timeout: float = 10.0) -> None:
        """Block until the call arrives and is held; AssertionError on timeout."""
        if not self._held.wait(timeout):
            raise AssertionError(f"no call {self.nth} of {self.method} within {timeout} s")

    def release(self) -> None:
        """Let the held call finish (answer it, or drop it)."""
        self._released.set()
