"""A click on a reminder's or a DM's button, answered in place.

Reminders, handoff requests and follow-up DMs all end the same way once the answer is
saved: the buttons give way to who answered and how, so nobody clicks twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk import WebClient

from commands.after_ack import AfterAck
from commands.blocks.reminders import answered_reminder


@dataclass(frozen=True)
class Answer:
    """A saved answer: what replaces the buttons, and what else to publish (card, line)."""

    outcome: str
    publish: Callable[[], None] | None = None


def answer_in_place(
    ack: Ack,
    after_ack: AfterAck,
    client: WebClient,
    body: dict[str, Any],
    respond: Respond,
    save: Callable[[], Answer],
) -> None:
    """Acknowledge the click at once; then ``save`` the answer, replace the message's
    buttons with its outcome and publish what else it changed.

    Saving comes after the ack, as on the card, so a slow database never costs the click
    Slack's 3 seconds. A refusal or a failure while saving is told to the user privately
    and the buttons stay, to be pressed again.
    """
    ack()

    def save_and_show() -> None:
        answer = save()
        respond(**answered_reminder(body.get("message", {}), answer.outcome))
        if answer.publish is not None:
            answer.publish()

    after_ack(client, body, save_and_show)
