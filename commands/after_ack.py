"""Work a listener hands on once it has acknowledged the request.

Bolt runs each listener on the thread that received the request and sends the answer
when the listener returns (``process_before_response``). Whatever a listener did after
``ack()`` on that thread (saving, posting, waiting out Slack's per-channel pacing) would
hold the answer back, so a listener acks and hands everything else here: a pool of its
own, whose failures reach the user privately, as they always have. Modals go through a
second instance on another pool (see ``Services.modals``).

With an :class:`~commands.answers_first.AnswersFirst`, post-ack work makes way for the
requests being answered before it starts; opening a modal counts as answering, since a
user has just clicked and its ``trigger_id`` lasts three seconds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import Executor
from contextlib import contextmanager
from functools import partial
from typing import Any

from slack_sdk import WebClient

from commands.answers_first import AnswersFirst
from commands.errors import reported_after_ack


class AfterAck:
    """Runs post-ack work on ``executor``; a failure is told to the user who asked."""

    def __init__(
        self,
        executor: Executor,
        answers_first: AnswersFirst | None = None,
        *,
        answering: bool = False,
    ) -> None:
        self._executor = executor
        self._answers_first = answers_first
        self._answering = answering

    def __call__(self, client: WebClient, body: dict[str, Any], work: Callable[[], object]) -> None:
        """Queue ``work``; the listener returns at once."""
        self._executor.submit(self._run, client, body, work)

    def open_modal(
        self, client: WebClient, body: dict[str, Any], build: Callable[[], dict[str, Any]]
    ) -> None:
        """Open the view ``build`` makes for the request's ``trigger_id``."""
        self(client, body, partial(_open, client, body["trigger_id"], build))

    def _run(self, client: WebClient, body: dict[str, Any], work: Callable[[], object]) -> None:
        with self._priority(), reported_after_ack(client, body):
            work()

    @contextmanager
    def _priority(self) -> Iterator[None]:
        """Around the work: counted as answering, or started once answers make way."""
        if self._answers_first is None:
            yield
        elif self._answering:
            with self._answers_first.answering():
                yield
        else:
            self._answers_first.make_way()
            yield


def _open(client: WebClient, trigger_id: str, build: Callable[[], dict[str, Any]]) -> None:
    client.views_open(trigger_id=trigger_id, view=build())
