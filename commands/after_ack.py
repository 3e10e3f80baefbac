"""Work a listener hands on once it has acknowledged the request.

Bolt waits for ``ack()`` on one of its listener threads. If the same thread then went
on to save, post and wait out Slack's per-channel pacing, a burst of declarations would
occupy every listener thread, and the next request's ack would queue behind work the
user is not waiting for. So a listener answers Slack and hands everything else here: a
pool of its own, whose failures reach the user privately, as they always have.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor
from typing import Any

from slack_sdk import WebClient

from commands.errors import reported_after_ack


class AfterAck:
    """Runs post-ack work on ``executor``; a failure is told to the user who asked."""

    def __init__(self, executor: Executor) -> None:
        self._executor = executor

    def __call__(self, client: WebClient, body: dict[str, Any], work: Callable[[], object]) -> None:
        """Queue ``work``; the listener returns at once."""
        self._executor.submit(self._run, client, body, work)

    @staticmethod
    def _run(client: WebClient, body: dict[str, Any], work: Callable[[], object]) -> None:
        with reported_after_ack(client, body):
            work()
