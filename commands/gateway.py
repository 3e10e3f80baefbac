"""``SlackGateway`` over slack_sdk's WebClient: renders Block Kit, maps Slack errors."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.webhook import WebhookClient

from commands.blocks.card import (
    announcement,
    card_blocks,
    card_fallback_text,
    change_line,
    confirmation,
    note_line,
    topic_text,
)
from commands.blocks.closing import (
    close_scheduled_line,
    closed_line,
    report_comment,
    resolution_broadcast,
    resolution_line,
)
from commands.blocks.containment import (
    contain_offer,
    containment_line,
    followup_dm_blocks,
    followup_dm_text,
    followup_line,
)
from commands.blocks.digest import digest_blocks, digest_text
from commands.blocks.handoffs import (
    backup_page_text,
    handback_blocks,
    handback_text,
    handoff_blocks,
    handoff_text,
    pager_request,
)
from commands.blocks.messages import section
from commands.blocks.reminders import (
    page_line,
    reminder_blocks,
    reminder_text,
    status_update_text,
)
from commands.membership import in_channel
from commands.pacing import ChannelPacer
from workflows.digest_data import WeeklyDigest
from workflows.gateway import (
    ChannelNameTaken,
    MessageTag,
    SlackFailure,
    UploadedFile,
    announcement_tag,
    card_tag,
    page_tag,
    reminder_tag,
)
from workflows.policy import Policy
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

log = logging.getLogger(__name__)

T = TypeVar("T")

# Errors that mean the thing asked for is already so.
_ALREADY_DONE = {"already_in_channel", "already_pinned"}
TAG_EVENT_PREFIX = "firebreak_"
"""Message metadata ``event_type`` is ``firebreak_<tag kind>``, its payload ``{"key": …}``."""
HISTORY_SCANNED = 200
"""How many of a channel's latest messages a lost post is looked for in."""
CHANNEL_PAGES_SCANNED = 20


class WebClientGateway:
    def __init__(
        self, client: WebClient, policy: Policy, pacer: ChannelPacer | None = None
    ) -> None:
        self._client = client
        self._policy = policy
        self._pacer = pacer or ChannelPacer()
        self._bot_user_id: str | None = None

    def create_channel(self, name: str, *, private: bool) -> str:
        try:
            response = self._client.conversations_create(name=name, is_private=private)
        except SlackApiError as error:
            if _code(error) == "name_taken":
                raise ChannelNameTaken(name) from error
            raise _failure("conversations.create", error) from error
        except (SlackClientError, OSError) as error:  # OSError: a timeout, a reset
            raise _failure("conversations.create", error) from error
        return str(response["channel"]["id"])

    def find_own_channel(self, name: str) -> str | None:
        bot = self._bot_user()
        cursor: str | None = None
        for _ in range(CHANNEL_PAGES_SCANNED):
            page = self._call(
                "conversations.list",
                functools.partial(
                    self._client.conversations_list,
                    types="public_channel,private_channel",
                    exclude_archived=True,
                    limit=1000,
                    cursor=cursor,
                ),
            )
            for channel in page.get("channels") or []:
                if (
                    channel.get("name") == name
                    and channel.get("creator") == bot
                    and channel.get("is_member")
                ):
                    return str(channel["id"])
            cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
            if cursor is None:
                break
        return None

    def find_posted(self, channel_id: str, tag: MessageTag) -> str | None:
        response = self._call(
            "conversations.history",
            lambda: self._client.conversations_history(
                channel=channel_id, limit=HISTORY_SCANNED, include_all_metadata=True
            ),
        )
        for message in response.get("messages") or []:
            metadata = message.get("metadata") or {}
            payload = metadata.get("event_payload") or {}
            if (
                metadata.get("event_type") == TAG_EVENT_PREFIX + tag.kind
                and payload.get("key") == tag.key
            ):
                return str(message["ts"])
        return None

    def _bot_user(self) -> str:
        if self._bot_user_id is None:
            identity = self._call("auth.test", self._client.auth_test)
            self._bot_user_id = str(identity["user_id"])
        return self._bot_user_id

    def invite(self, channel_id: str, user_ids: Sequence[str]) -> None:
        if user_ids:
            self._call(
                "conversations.invite",
                lambda: self._client.conversations_invite(channel=channel_id, users=list(user_ids)),
            )

    def post_card(self, incident: IncidentSnapshot) -> str:
        response = self._call(
            "chat.postMessage",
            lambda: self._post_message(
                _channel(incident),
                card_fallback_text(incident),
                card_blocks(incident, self._policy),
                card_tag(incident.id),
            ),
        )
        return str(response["ts"])

    def update_card(self, incident: IncidentSnapshot) -> None:
        if incident.card_ts is None:
            return
        self._call(
            "chat.update",
            lambda: self._client.chat_update(
                channel=_channel(incident),
                ts=str(incident.card_ts),
                text=card_fallback_text(incident),
                blocks=card_blocks(incident, self._policy),
            ),
        )

    def pin(self, channel_id: str, ts: str) -> None:
        self._call("pins.add", lambda: self._client.pins_add(channel=channel_id, timestamp=ts))

    def set_topic(self, incident: IncidentSnapshot) -> None:
        self._call(
            "conversations.setTopic",
            lambda: self._client.conversations_setTopic(
                channel=_channel(incident), topic=topic_text(incident)
            ),
        )

    def announce(self, channel_id: str, incident: IncidentSnapshot) -> str:
        text, blocks = announcement(incident)

        def post() -> Any:
            return self._post_message(channel_id, text, blocks, announcement_tag(incident.id))

        try:
            response = post()
        except SlackApiError as error:
            if _code(error) != "not_in_channel":
                raise _failure("chat.postMessage", error) from error
            # A public broadcast channel the bot was never invited to: join it and post.
            self._call(
                "conversations.join", lambda: self._client.conversations_join(channel=channel_id)
            )
            response = self._call("chat.postMessage", post)
        except SlackClientError as error:
            raise _failure("chat.postMessage", error) from error
        return str(response["ts"])

    def confirm_declared(self, response_url: str, incident: IncidentSnapshot) -> None:
        text = confirmation(incident)
        webhook = WebhookClient(response_url, retry_handlers=self._client.retry_handlers)
        try:
            response = webhook.send(text=text, blocks=section(text), response_type="ephemeral")
        except (SlackClientError, OSError) as error:
            raise SlackFailure("response_url", str(error)) from error
        if response.status_code != 200:
            raise SlackFailure("response_url", f"HTTP {response.status_code}: {response.body}")

    def post_change(self, incident: IncidentSnapshot, change: StateChange) -> None:
        self._post_line(incident, change_line(change))

    def post_note(self, incident: IncidentSnapshot, entry: TimelineEntry) -> None:
        self._post_line(incident, note_line(entry))

    def page(self, incident: IncidentSnapshot, user_id: str, rotation: str) -> None:
        self._post_line(incident, page_line(user_id, rotation), page_tag(incident.id))

    def send_reminder(self, notice: ReminderNotice) -> None:
        self._call(
            "chat.postMessage",
            lambda: self._post_message(
                _channel(notice.incident),
                reminder_text(notice),
                reminder_blocks(notice),
                reminder_tag(notice.reminder_id),
            ),
        )

    def post_status_update(
        self, incident: IncidentSnapshot, entry: TimelineEntry, audiences: Sequence[str]
    ) -> None:
        text = status_update_text(incident, entry)
        self._post_line(incident, text)
        if incident.restricted:
            return  # Details stay in the private channel.
        for channel in dict.fromkeys(audiences):  # once each, in order
            self._post(channel, text, section(text))

    def post_handoff(self, channel_id: str | None, digest: HandoffDigest, tag: MessageTag) -> None:
        if digest.incoming:
            text, blocks = pager_request(digest)
            self._post(digest.incoming, text, blocks)  # a user id posts to the bot's DM
        if channel_id:
            self._post(channel_id, handoff_text(digest), handoff_blocks(digest), tag)

    def page_handoff_backup(
        self,
        channel_id: str | None,
        rotation: str,
        incoming: str | None,
        backup: str,
        tag: MessageTag,
    ) -> None:
        text = backup_page_text(rotation, incoming, backup)
        self._post(backup, text, section(text))
        if channel_id:
            self._post(channel_id, text, section(text), tag)

    def post_handback(
        self, channel_id: str | None, digest: HandbackDigest, tag: MessageTag
    ) -> None:
        if channel_id:
            self._post(channel_id, handback_text(digest), handback_blocks(digest), tag)

    def _post(
        self,
        channel: str,
        text: str,
        blocks: list[dict[str, Any]],
        tag: MessageTag | None = None,
    ) -> None:
        self._call("chat.postMessage", lambda: self._post_message(channel, text, blocks, tag))

    def _post_line(
        self, incident: IncidentSnapshot, text: str, tag: MessageTag | None = None
    ) -> None:
        self._call(
            "chat.postMessage",
            lambda: self._post_message(_channel(incident), text, section(text), tag),
        )

    def _post_message(
        self, channel: str, text: str, blocks: list[dict[str, Any]], tag: MessageTag | None = None
    ) -> Any:
        """Every post goes out here: paced per channel, tagged when it may need finding."""
        self._pacer.wait(channel)
        if tag is None:
            return self._client.chat_postMessage(channel=channel, text=text, blocks=blocks)
        return self._client.chat_postMessage(
            channel=channel,
            text=text,
            blocks=blocks,
            metadata={"event_type": TAG_EVENT_PREFIX + tag.kind, "event_payload": {"key": tag.key}},
        )

    def _call(self, operation: str, call: Callable[[], T]) -> T | Any:
        """Run one Web API call; the client has already retried 429s, 5xx and resets."""
        try:
            return call()
        except SlackApiError as error:
            if _code(error) in _ALREADY_DONE:
                return error.response
            raise _failure(operation, error) from error
        except (SlackClientError, OSError) as error:
            raise _failure(operation, error) from error

    def post_containment(self, incident: IncidentSnapshot, logged: ContainmentLogged) -> None:
        self._post_line(incident, containment_line(logged))
        if logged.offer_status is not None:
            text, blocks = contain_offer(incident, logged)
            self._post(_channel(incident), text, blocks)

    def post_followup(self, incident: IncidentSnapshot, notice: FollowUpNotice) -> None:
        self._post_line(incident, followup_line(notice))

    def send_followup(self, user_id: str, notice: FollowUpNotice) -> None:
        # A user id as the channel posts into the bot's DM with that user.
        details = not notice.restricted or in_channel(
            self._client, notice.incident_channel_id, user_id
        )
        self._post(
            user_id,
            followup_dm_text(notice, details=details),
            followup_dm_blocks(notice, details=details),
        )

    def post_resolution(
        self, incident: IncidentSnapshot, entry: TimelineEntry, broadcast: str | None
    ) -> None:
        self._post_line(incident, resolution_line(incident, entry))
        if broadcast:
            text = resolution_broadcast(incident, entry)
            self._post(broadcast, text, section(text))

    def post_close_scheduled(self, incident: IncidentSnapshot, entry: TimelineEntry) -> None:
        self._post_line(incident, close_scheduled_line(incident, entry))

    def post_closed(self, incident: IncidentSnapshot) -> None:
        self._post_line(incident, closed_line(incident))

    def upload_report(
        self, channel_id: str, filename: str, content: str, title: str
    ) -> UploadedFile:
        return self._upload(channel_id, filename, content, title, report_comment(title))

    def post_digest(self, channel_id: str, digest: WeeklyDigest, tag: MessageTag) -> None:
        self._post(channel_id, digest_text(digest), digest_blocks(digest), tag)

    def upload_file(
        self, channel_id: str, filename: str, content: bytes, title: str, comment: str
    ) -> str:
        return self._upload(channel_id, filename, content, title, comment).id

    def _upload(
        self, channel_id: str, filename: str, content: str | bytes, title: str, comment: str
    ) -> UploadedFile:
        # files_upload_v2: files.getUploadURLExternal, POST the bytes, files.completeUploadExternal
        response = self._call(
            "files.uploadV2",
            lambda: self._client.files_upload_v2(
                channel=channel_id,
                content=content,
                filename=filename,
                title=title,
                initial_comment=comment,
            ),
        )
        uploaded = response["files"][0]
        return UploadedFile(id=str(uploaded["id"]), permalink=uploaded.get("permalink"))

    def archive_channel(self, channel_id: str) -> None:
        try:
            self._client.conversations_archive(channel=channel_id)
        except SlackApiError as error:
            if _code(error) != "already_archived":
                raise _failure("conversations.archive", error) from error
        except (SlackClientError, OSError) as error:
            raise _failure("conversations.archive", error) from error


def _channel(incident: IncidentSnapshot) -> str:
    if incident.channel_id is None:
        raise SlackFailure("chat", f"{incident.reference} has no channel yet")
    return incident.channel_id


def _code(error: SlackApiError) -> str:
    return str(error.response.get("error", "unknown_error"))


def _failure(operation: str, error: Exception) -> SlackFailure:
    detail = _code(error) if isinstance(error, SlackApiError) else type(error).__name__
    return SlackFailure(operation, detail)
