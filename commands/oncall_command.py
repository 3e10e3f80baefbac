"""``/oncall``: who is on call now and next, the schedule, overrides, help.

Answers go privately to whoever typed the command. Reading and writing the database
happens before the request is acknowledged, so a refusal is the ack's own answer (a
listener that fails just after ``ack()`` can lose its error in Bolt's runner); the
directory look-ups that turn policy emails into Slack users, and the line in the
rotation's channel, come after it, on the command's response_url.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from commands import oncall_parsing as parsing
from commands.blocks import oncall as render
from commands.blocks.messages import section
from commands.permission import require_workspace
from commands.services import Services
from commands.surface import ONCALL_COMMAND
from workflows import oncall
from workflows.errors import InvalidInput
from workflows.rotations import Shift

log = logging.getLogger(__name__)


def register(app: App, services: Services) -> None:
    @app.command(ONCALL_COMMAND)
    def oncall_command(
        ack: Ack, command: dict[str, Any], respond: Respond, client: WebClient
    ) -> None:
        parsed = parsing.parse_oncall_command(command.get("text", ""), services.policy)
        match parsed:
            case parsing.Help():
                ack(text=render.usage(), blocks=section(render.usage()))
            case parsing.NotConfigured():
                text, blocks = render.not_configured()
                ack(text=text, blocks=blocks)
            case parsing.ShowOnCall():
                with services.sessions() as session:
                    statuses = oncall.status(session, services.policy, services.clock.now())
                ack()
                people = _directory(services, (s for st in statuses for s in (st.current, st.next)))
                _answer(respond, *render.status_message(statuses, people))
            case parsing.ShowSchedule(rotation=rotation):
                with services.sessions() as session:
                    shifts = oncall.schedule(
                        session, services.policy, rotation, services.clock.now()
                    )
                ack()
                people = _directory(services, (entry.shift for entry in shifts))
                _answer(
                    respond,
                    *render.schedule_message(rotation, shifts, people, oncall.SCHEDULE_DAYS),
                )
            case parsing.SetOverride():
                _may_override(services, command)
                record = _add_override(services, command["user_id"], parsed)
                ack()
                _answer(respond, render.override_confirmation(record))
                _tell_rotation(services, client, respond, record, render.override_line(record))
            case parsing.CancelOverride(override_id=override_id):
                _may_override(services, command)
                with services.sessions.begin() as session:
                    record = oncall.cancel_override(
                        session, override_id, command["user_id"], services.clock
                    )
                ack()
                _answer(respond, render.cancel_confirmation(record))
                _tell_rotation(services, client, respond, record, render.cancel_line(record))


def _may_override(services: Services, command: dict[str, Any]) -> None:
    """Overrides change who gets paged: the policy's ``oncall_override`` rule decides."""
    detail = f"/oncall {command.get('text', '')}".strip()
    require_workspace(services, "oncall_override", command["user_id"], detail)


def _add_override(
    services: Services, actor: str, parsed: parsing.SetOverride
) -> oncall.OverrideRecord:
    """Read the times in the actor's own time zone (cached by the directory) and record."""
    starts, ends = parsing.resolve_window(
        parsed.starts, parsed.ends, _zone(services, actor), services.clock.now()
    )
    try:
        with services.sessions.begin() as session:
            return oncall.add_override(
                session,
                services.policy,
                parsed.rotation,
                parsed.user_id,
                starts,
                ends,
                actor,
                services.clock,
            )
    except InvalidInput as error:
        # A window the domain refuses is a typing mistake here: answer with the usage.
        raise parsing.OnCallUsageError(str(error)) from error


def _zone(services: Services, user_id: str) -> ZoneInfo:
    name = services.directory.time_zone(user_id)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        log.warning("Slack gave user %s the unknown time zone %r; reading UTC", user_id, name)
        return ZoneInfo("UTC")


def _directory(services: Services, shifts: Iterable[Shift]) -> dict[str, str | None]:
    """Each member the shifts name (an id or an email) with their Slack user id, if any."""
    members = {m for shift in shifts for m in (shift.primary, shift.backup) if m is not None}
    return {member: services.directory.user_id(member) for member in sorted(members)}


def _answer(respond: Respond, text: str, blocks: list[dict[str, Any]] | None = None) -> None:
    respond(
        text=text,
        blocks=blocks if blocks is not None else section(text),
        response_type="ephemeral",
        replace_original=False,
    )


def _tell_rotation(
    services: Services,
    client: WebClient,
    respond: Respond,
    record: oncall.OverrideRecord,
    line: str,
) -> None:
    """One line in the rotation's channel, if it has one; the change is saved either way."""
    rotation = next(
        (r for r in services.policy.oncall.rotations if r.name == record.rotation), None
    )
    channel = rotation.channel if rotation is not None else None
    if channel is None:
        return
    error = _post(client, channel, line)
    if error is not None:
        log.warning("override #%s: could not post in %s: %s", record.id, channel, error)
        _answer(respond, render.channel_problem(channel, error))


def _post(client: WebClient, channel: str, text: str) -> str | None:
    """Post, joining a public channel the bot was not invited to; the error code on failure."""
    try:
        try:
            client.chat_postMessage(channel=channel, text=text, blocks=section(text))
        except SlackApiError as error:
            if error.response.get("error") != "not_in_channel":
                raise
            client.conversations_join(channel=channel)
            client.chat_postMessage(channel=channel, text=text, blocks=section(text))
    except SlackApiError as error:
        return str(error.response.get("error", "unknown_error"))
    except (SlackClientError, OSError) as error:
        return type(error).__name__
    return None
