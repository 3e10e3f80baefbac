"""Events API listeners.

Each acks at once and hands its work on (``commands.after_ack``): Slack retries an event
not acknowledged within three seconds, and a retry would do the work twice.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from commands.errors import describe
from commands.replies import tell_privately
from commands.services import Services
from commands.slack_text import readable
from commands.surface import CHANNEL_RENAME_EVENTS
from workflows import capture, incidents
from workflows.errors import NotAllowed
from workflows.snapshots import TimelineEntry

log = logging.getLogger(__name__)


def register(app: App, services: Services) -> None:
    def on_channel_rename(event: dict[str, Any], body: dict[str, Any], client: WebClient) -> None:
        """Public (channel_rename) and private (group_rename) channels carry the same shape."""
        channel = event.get("channel") or {}
        if channel.get("id") and channel.get("name"):
            services.after_ack(
                client, body, partial(_record_rename, services, channel["id"], channel["name"])
            )

    for name in CHANNEL_RENAME_EVENTS:
        app.event(name)(on_channel_rename)


def _record_rename(services: Services, channel_id: str, name: str) -> None:
    with services.sessions.begin() as session:
        incidents.record_channel_renamed(session, channel_id, name, services.clock)


def register_capture(app: App, services: Services) -> None:
    @app.event("reaction_added")
    def on_reaction(event: dict[str, Any], body: dict[str, Any], client: WebClient) -> None:
        """The pin emoji on a message in an incident channel puts it on the timeline."""
        item = event.get("item") or {}
        if (
            event.get("reaction") == services.policy.lifecycle.pin_emoji
            and item.get("type") == "message"
        ):
            services.after_ack(client, body, partial(_on_pin, services, client, event))


def _on_pin(services: Services, client: WebClient, event: dict[str, Any]) -> None:
    """Put the pinned message on its incident's timeline and tell the pinner so."""
    item = event.get("item") or {}
    channel, ts = str(item.get("channel")), str(item.get("ts"))
    with services.sessions() as session:
        incident_id = incidents.incident_in_channel(session, channel)
    if incident_id is None:
        return
    user = str(event.get("user"))
    try:
        entry = _capture(services, client, incident_id, channel, ts, user)
    except NotAllowed as refusal:
        # An event has no response_url and Bolt has acked it: tell them in the channel.
        tell_privately(client, {"user_id": user, "channel_id": channel}, describe(refusal))
        return
    if entry is not None:
        client.chat_postEphemeral(
            channel=channel, user=user, text=":pushpin: Added to the incident timeline."
        )


def _capture(
    services: Services, client: WebClient, incident_id: int, channel: str, ts: str, user: str
) -> TimelineEntry | None:
    """Put the message on the timeline, if ``user`` may add notes (asked before reading it)."""
    policy, clock, members_of = services.policy, services.clock, services.directory.members_of
    with services.sessions() as session:
        incidents.authorise(session, incident_id, policy, "note", user, clock, members_of)
    message = _read_message(client, channel, ts)
    if message is None:
        log.info("reaction on %s/%s: message not readable; not captured", channel, ts)
        return None
    with services.sessions.begin() as session:
        return capture.capture(
            session, incident_id, message, user, clock, policy=policy, member_of=members_of
        )


def _read_message(client: WebClient, channel: str, ts: str) -> capture.CapturedMessage | None:
    try:
        found = client.conversations_history(channel=channel, latest=ts, inclusive=True, limit=1)
        listed: list[dict[str, Any]] = found.get("messages", [])
        messages = [m for m in listed if m.get("ts") == ts]
        if not messages:
            return None
        permalink = client.chat_getPermalink(channel=channel, message_ts=ts).get("permalink")
    except SlackApiError as error:
        log.warning("could not read %s/%s: %s", channel, ts, error.response.get("error"))
        return None
    first = messages[0]
    return capture.CapturedMessage(
        channel_id=channel,
        ts=ts,
        author=first.get("user") or first.get("bot_id"),
        text=readable(str(first.get("text", ""))),
        permalink=str(permalink) if permalink else None,
    )
