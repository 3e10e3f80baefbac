"""The port through which the domain asks Slack for things.

Methods are named after what the incident needs, not after Web API methods, so
Block Kit and the SDK stay in ``commands/``. Implementations translate every
Slack failure into the two errors below; nothing from slack_sdk crosses this line.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from workflows.digest_data import WeeklyDigest
from workflows.snapshots import (
    ContainmentLogged,
    FollowUpNotice,
    HandbackDigest,
    HandoffDigest,
    IncidentSnapshot,
    ReminderNotice,
    StateChange,
    TimelineEntry,
)


class SlackFailure(Exception):
    """Slack refused or could not be reached, after the client's own retries."""

    def __init__(self, operation: str, error: str) -> None:
        super().__init__(f"Slack {operation} failed: {error}")
        self.operation = operation
        self.error = error


class ChannelNameTaken(SlackFailure):
    def __init__(self, name: str) -> None:
        super().__init__("conversations.create", "name_taken")
        self.name = name


@dataclass(frozen=True)
class MessageTag:
    """What marks a message as one particular post (Slack's message metadata).

    Slack has no idempotency key: a post whose answer was lost (a timeout, a crash) may or
    may not be in the channel. A tagged post can be looked for before it is sent again.
    """

    kind: str
    key: str


def card_tag(incident_id: int) -> MessageTag:
    return MessageTag("card", str(incident_id))


def page_tag(incident_id: int) -> MessageTag:
    return MessageTag("page", str(incident_id))


def announcement_tag(incident_id: int) -> MessageTag:
    return MessageTag("announcement", str(incident_id))


def reminder_tag(reminder_id: int) -> MessageTag:
    return MessageTag("reminder", str(reminder_id))


@dataclass(frozen=True)
class UploadedFile:
    """A file Slack now holds: its id, and the link people open it by."""

    id: str
    permalink: str | None


class SlackGateway(Protocol):
    def create_channel(self, name: str, *, private: bool) -> str:
        """Create the incident channel and return its id; ``ChannelNameTaken`` when in use."""
        ...

    def find_own_channel(self, name: str) -> str | None:
        """The id of the unarchived channel called ``name`` that the bot created and is in
        (a create whose answer was lost), else None."""
        ...

    def find_posted(self, channel_id: str, tag: MessageTag) -> str | None:
        """The ``ts`` of the bot's recent message tagged ``tag`` in the channel, else None."""
        ...

    def invite(self, channel_id: str, user_ids: Sequence[str]) -> None:
        """Invite people; those already there are not an error."""
        ...

    def post_card(self, incident: IncidentSnapshot) -> str:
        """Post the summary card into the incident channel and return its ``ts``."""
        ...

    def update_card(self, incident: IncidentSnapshot) -> None: ...

    def pin(self, channel_id: str, ts: str) -> None:
        """Pin a message; already pinned is not an error."""
        ...

    def set_topic(self, incident: IncidentSnapshot) -> None: ...

    def announce(self, channel_id: str, incident: IncidentSnapshot) -> str:
        """Announce a declaration in the broadcast channel; returns the message ``ts``."""
        ...

    def confirm_declared(self, response_url: str, incident: IncidentSnapshot) -> None:
        """Tell the declarer, privately where they typed the command, where the incident lives."""
        ...

    def post_change(self, incident: IncidentSnapshot, change: StateChange) -> None: ...

    def post_note(self, incident: IncidentSnapshot, entry: TimelineEntry) -> None: ...

    def page(self, incident: IncidentSnapshot, user_id: str, rotation: str) -> None:
        """Tell the incident channel that the on-call was paged (the mention pages them)."""
        ...

    def send_reminder(self, notice: ReminderNotice) -> None:
        """Post a reminder or escalation, with Acknowledge and Snooze buttons."""
        ...

    def post_status_update(
        self, incident: IncidentSnapshot, entry: TimelineEntry, audiences: Sequence[str]
    ) -> None:
        """Post a status update in the incident channel and, unless the incident is
        restricted, in each audience channel (broadcast, subscribed stakeholders)."""
        ...

    def post_handoff(self, channel_id: str | None, digest: HandoffDigest, tag: MessageTag) -> None:
        """Ask the incoming on-call, in a DM, to confirm; then post the handoff digest.

        The channel post, tagged, goes last: found later, it shows that both went out.
        """
        ...

    def page_handoff_backup(
        self,
        channel_id: str | None,
        rotation: str,
        incoming: str | None,
        backup: str,
        tag: MessageTag,
    ) -> None:
        """Nobody confirmed the pager: page the backup by DM, then say so in the channel."""
        ...

    def post_handback(
        self, channel_id: str | None, digest: HandbackDigest, tag: MessageTag
    ) -> None: ...

    def post_containment(self, incident: IncidentSnapshot, logged: ContainmentLogged) -> None:
        """Say in the incident channel what was done; offer "Mark contained" when asked to."""
        ...

    def post_followup(self, incident: IncidentSnapshot, notice: FollowUpNotice) -> None:
        """Say in the incident channel that a follow-up was added."""
        ...

    def send_followup(self, user_id: str, notice: FollowUpNotice) -> None:
        """DM someone about a follow-up, with a Done button (and Snooze when it is due)."""
        ...

    def post_resolution(
        self, incident: IncidentSnapshot, entry: TimelineEntry, broadcast: str | None
    ) -> None:
        """Say in the incident channel how it was resolved (``entry`` is the ``resolved``
        event), and in the broadcast channel that it was (no details when restricted)."""
        ...

    def post_close_scheduled(self, incident: IncidentSnapshot, entry: TimelineEntry) -> None:
        """Say in the incident channel when it will be archived (``close_scheduled`` event)."""
        ...

    def post_closed(self, incident: IncidentSnapshot) -> None:
        """The last line in the incident channel, just before it is archived."""
        ...

    def upload_report(
        self, channel_id: str, filename: str, content: str, title: str
    ) -> UploadedFile:
        """Share the incident report as a file in the channel."""
        ...

    def post_digest(self, channel_id: str, digest: WeeklyDigest, tag: MessageTag) -> None:
        """Post the weekly digest to the digest channel."""
        ...

    def upload_file(
        self, channel_id: str, filename: str, content: bytes, title: str, comment: str
    ) -> str:
        """Share a file (an export's CSV, a chart's PNG) in a channel; returns the file id."""
        ...

    def archive_channel(self, channel_id: str) -> None:
        """Archive a channel; already archived is not an error."""
        ...
