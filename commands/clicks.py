"""A click on a reminder's or a DM's button, answered in place.

Reminders, handoff requests and follow-up DMs all end the same way once the answer is
saved: the buttons give way to who answered and how, so nobody clicks twice.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk import WebClient

from commands.after_ack import AfterAck
from commands.blocks.reminders import answered_reminder


def answer_in_place(
    ack: Ack,
    after_ack: AfterAck,
    client: WebClient,
    body: dict[str, Any],
    respond: Respond,
    outcome: str,
    publish: Callable[[], None] | None = None,
) -> None:
    """Acknowledge a saved answer, replace the message's buttons with ``outcome``, then
    ``publish`` what else the answer changed (the card, a line in the channel)."""
    ack()

    def show() -> None:
        respond(**answered_reminder(body.get("message", {}), outcome))
        if publish is not None:
            publish()

    after_ack(client, body, show)
