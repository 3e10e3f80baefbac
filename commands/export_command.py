"""`/incident export <incidents|timeline|actions|followups> [since] [excel]`: a CSV, shared.

Parsed before ``ack()`` (a mistake is answered with the usage); the export itself runs
after it, into a spooled buffer (memory up to a few MB, then a temporary file) that refuses
to grow past ``MAX_EXPORT_BYTES``; bigger exports belong to ``firebreak export``. The
Slack export never contains restricted incidents: the file lands in a shared channel.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import datetime
from typing import IO

from slack_bolt import App

from commands.blocks.exports import (
    USAGE,
    export_comment,
    export_filename,
    export_title,
    nothing_to_export,
    preparing,
    too_large,
)
from commands.blocks.messages import section
from commands.errors import NotShared
from commands.parsing import UsageError, truncate_word
from commands.permission import require_workspace
from commands.replies import tell_privately
from commands.services import Services
from commands.verbs import Invocation, Verbs
from storage.database import read_only
from workflows import exports
from workflows.export_tables import KINDS, Kind
from workflows.gateway import SlackFailure

MAX_EXPORT_BYTES = 50_000_000
"""Slack takes files up to 1 GB, but a 50 MB CSV is already past what people open in Slack."""
SPOOL_IN_MEMORY_BYTES = 4_000_000


@dataclass(frozen=True)
class ExportRequest:
    kind: Kind
    since: datetime | None
    excel: bool


class ExportTooLarge(Exception):
    """The export grew past the limit; what was written so far is thrown away."""


class LimitedSink:
    """Encodes text as UTF-8 into ``target`` and refuses to go past ``limit`` bytes."""

    def __init__(self, target: IO[bytes], limit: int) -> None:
        self._target = target
        self._limit = limit
        self.size = 0

    def write(self, text: str, /) -> int:
        data = text.encode("utf-8")
        self.size += len(data)
        if self.size > self._limit:
            raise ExportTooLarge
        self._target.write(data)
        return len(text)


def register(app: App, services: Services, verbs: Verbs) -> None:
    """Register ``/incident export``."""
    verbs["export"] = lambda call: share_export(services, call)


def parse_export(text: str) -> ExportRequest:
    words = text.split()
    if not words:
        raise UsageError(f"Say what to export. {USAGE}")
    kind = next((k for k in KINDS if k == words[0].lower()), None)
    if kind is None:
        raise UsageError(f"I can't export `{truncate_word(words[0])}`. {USAGE}")
    excel = any(word.lower() == "excel" for word in words[1:])
    rest = [word for word in words[1:] if word.lower() != "excel"]
    try:
        since = exports.parse_moment(" ".join(rest)) if rest else None
    except exports.BadMoment as error:
        raise UsageError(f"{error} {USAGE}") from None
    return ExportRequest(kind=kind, since=since, excel=excel)


def share_export(services: Services, call: Invocation) -> None:
    require_workspace(services, "export", call.user, f"/incident export {call.text}".strip())
    request = parse_export(call.text)
    text = preparing(request.kind, request.since)
    call.ack(text=text, blocks=section(text))

    def share_and_tell() -> None:
        message = _share(services, call, request)
        if message is not None:
            tell_privately(call.client, call.body, message)

    call.after_ack(share_and_tell)


def _share(services: Services, call: Invocation, request: ExportRequest) -> str | None:
    """Export and upload; returns what to tell the requester privately, if anything.

    Slack refusing the file raises ``NotShared``, answered like any failure after ``ack()``.
    """
    query = exports.ExportQuery(kind=request.kind, since=request.since)
    owner_role = services.policy.owner_role.key
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY_BYTES) as spool:
        sink = LimitedSink(spool, MAX_EXPORT_BYTES)
        try:
            with read_only(services.sessions)() as session:
                rows = exports.export(session, query, owner_role, sink, excel=request.excel)
        except ExportTooLarge:
            return too_large(request.kind, MAX_EXPORT_BYTES)
        if rows == 0:
            return nothing_to_export(request.kind, request.since)
        spool.seek(0)
        content = spool.read()
    try:
        services.gateway.upload_file(
            call.channel,
            export_filename(request.kind, services.clock.now()),
            content,
            export_title(request.kind),
            export_comment(request.kind, rows, request.since, call.user),
        )
    except SlackFailure as failure:
        raise NotShared(
            failure, "the export file", "run the export in an incident channel"
        ) from failure
    return None
