"""Slack's requests before work done in the background.

Slack waits at most three seconds for an answer, and everything else the bot does
(provisioning a channel, updating a card, sending a reminder) can wait a moment. In one
Python process they share the interpreter lock, so during a burst of declarations the
post-ack work of the first ones took the CPU from the acks of the next, and the acks
came two or three times slower than a bare Bolt app's. Here a thread that is not
answering a request steps aside while any request is being answered: it waits until no
request has been answered for a moment (``quiet``), or at most ``max_wait`` seconds, so
under an endless stream of requests background work slows down but never stops.

Where it steps aside: when post-ack work starts (``commands.after_ack``) and after each
call of :class:`YieldingWebClient`, the client the gateway, provisioning and reminders
use, before the work that follows the call. (Bolt gives each listener a plain client of
its own; a listener's private replies do not wait.)
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from slack_sdk import WebClient
from slack_sdk.web import SlackResponse

MAX_WAIT_SECONDS = 0.5
QUIET_SECONDS = 0.02


class AnswersFirst:
    """Counts the requests being answered; background threads wait for a quiet moment.

    A moment is quiet once no request has been answered for ``quiet`` seconds: under
    steady load the count touches zero between two requests, and background threads
    woken then would take the interpreter lock just as the next request came in.

    ``may_wait`` says whether the calling thread may wait at all: one holding a lock an
    answer needs (SQLite's write lock, which the replay ledger takes for every request)
    must not, or the answer would wait for it.
    """

    def __init__(
        self,
        max_wait: float = MAX_WAIT_SECONDS,
        may_wait: Callable[[], bool] = lambda: True,
        quiet: float = QUIET_SECONDS,
    ) -> None:
        self._changed = threading.Condition()
        self._answering = 0
        self._last_answer = float("-inf")  # time.monotonic() when the count last fell to 0
        self.max_wait = max_wait
        self.quiet = quiet
        self._may_wait = may_wait
        self._local = threading.local()
        self.waiting = 0
        """How many background threads wait now (for tests)."""

    @contextmanager
    def answering(self) -> Iterator[None]:
        """Around the handling of one request that Slack (or a user) is waiting on."""
        depth = getattr(self._local, "depth", 0)
        self._local.depth = depth + 1
        with self._changed:
            self._answering += 1
        try:
            yield
        finally:
            self._local.depth = depth
            with self._changed:
                self._answering -= 1
                if not self._answering:
                    self._last_answer = time.monotonic()
                    self._changed.notify_all()

    def make_way(self) -> None:
        """Called by any thread before it goes on with work; waits only in the background."""
        if getattr(self._local, "depth", 0) or self._quiet_for() <= 0 or not self._may_wait():
            return
        deadline = time.monotonic() + self.max_wait
        with self._changed:
            self.waiting += 1
            try:
                while (wait := self._quiet_for()) > 0 and (left := deadline - time.monotonic()) > 0:
                    self._changed.wait(min(wait, left))
            finally:
                self.waiting -= 1

    def _quiet_for(self) -> float:
        """How much longer to wait for a quiet moment: infinite while any is answered."""
        if self._answering:
            return float("inf")
        return self._last_answer + self.quiet - time.monotonic()


class YieldingWebClient(WebClient):
    """A WebClient whose background callers make way for answers after each call.

    Every method of the client goes through :meth:`api_call`. The wait after it keeps
    the work that follows a call (saving, rendering the next message) from starting in
    the middle of a burst; sending the call costs little. Without ``answers_first`` it
    is a plain WebClient.
    """

    def __init__(
        self, *args: Any, answers_first: AnswersFirst | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.answers_first = answers_first

    def api_call(self, *args: Any, **kwargs: Any) -> SlackResponse:
        try:
            return super().api_call(*args, **kwargs)
        finally:
            if self.answers_first is not None:
                self.answers_first.make_way()
