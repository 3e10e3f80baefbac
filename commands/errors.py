"""The one place where a failure becomes a message for the user.

Before the request is acknowledged the answer goes in the HTTP response (an
ephemeral message, or field errors in a modal); afterwards it is sent privately.
Unexpected errors are logged with a short reference the user can quote.

A bare ``SlackFailure`` means a saved change that Slack did not show; ``NotShared`` means
something asked for only to be posted (a chart, an export) that Slack refused, so nothing
was saved and the user is told what to do instead.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from commands.blocks import oncall
from commands.blocks.messages import section, usage
from commands.oncall_parsing import OnCallUsageError
from commands.parsing import UsageError
from commands.replies import tell_privately
from commands.text import escape
from workflows.errors import IncidentError, InvalidInput, StorageUnavailable
from workflows.gateway import SlackFailure

log = logging.getLogger(__name__)

MAX_FIELD_ERROR = 150
UNRECORDED_HEADER = "x-firebreak-unrecorded"
"""Set by the HTTP guard on a request it could not record in the replay ledger."""
NOT_A_MEMBER = frozenset({"not_in_channel", "channel_not_found"})
"""Slack's answers when the bot may not post where the command was typed."""


class NotShared(IncidentError):
    """Slack refused ``thing``, asked for in this channel; ``elsewhere`` says where it works."""

    def __init__(self, failure: SlackFailure, thing: str, elsewhere: str) -> None:
        if failure.error in NOT_A_MEMBER:
            message = (
                f"I can't post {thing} in this channel because I'm not a member. "
                f"Invite me with `/invite @Firebreak`, or {elsewhere}."
            )
        else:
            message = f"Slack did not take {thing} ({failure.error}). Please try again."
        super().__init__(message)


DATABASE_UNREACHABLE = (
    ":warning: I couldn't save that: the database is unreachable. "
    "Nothing was changed; try again in a moment."
)


def database_unreachable(error: Exception) -> bool:
    """The database went away (down, restarting, refusing connections), not a bad query.

    The transaction was rolled back, so trying again once it is back is safe. Other
    database errors (a constraint, a bug in a query) are unexpected and get a reference.
    """
    if isinstance(error, (StorageUnavailable, OperationalError, InterfaceError, PoolTimeout)):
        return True
    return isinstance(error, DBAPIError) and error.connection_invalidated


def describe(error: Exception) -> str:
    if isinstance(error, OnCallUsageError):
        return oncall.usage(str(error))
    if isinstance(error, UsageError):
        return usage(str(error))
    if isinstance(error, IncidentError):
        # Domain messages are plain text and may quote what was typed: escape for mrkdwn.
        return f":warning: {escape(str(error))}"
    if isinstance(error, SlackFailure):
        return (
            f":warning: Saved, but Slack did not take the update ({error.error}). "
            "The card catches up with the next change."
        )
    if isinstance(error, SlackApiError):
        code = error.response.get("error", "unknown_error")
        return f":warning: Slack refused that ({code}). Please try again."
    if isinstance(error, SlackClientError):
        return ":warning: Slack could not be reached. Please try again in a moment."
    if database_unreachable(error):
        return DATABASE_UNREACHABLE
    reference = uuid.uuid4().hex[:8]
    log.error("unexpected error, reference %s", reference, exc_info=error)
    return (
        f":warning: Something went wrong on Firebreak's side (reference `{reference}`). "
        "Please try again; if it keeps happening, give your Firebreak admin that reference."
    )


@contextmanager
def reported_after_ack(client: WebClient, body: dict[str, Any]) -> Iterator[None]:
    """Guard the work a listener does after ``ack()``.

    Bolt's thread runner replaces an ack with "no answer" when the listener raises soon
    after acking, so Slack would show the user a timeout. Failures here are therefore
    reported privately at once, with the same messages as everywhere else.
    """
    try:
        yield
    except Exception as error:
        if not isinstance(error, (IncidentError, UsageError)):
            log.warning("after ack: %s: %s", type(error).__name__, error)
        tell_privately(client, body, describe(error))


def register(app: App) -> None:
    @app.middleware
    def refuse_unrecorded(request: BoltRequest, next: Callable[[], BoltResponse]) -> BoltResponse:
        """The HTTP guard could not record this request (the database is down), so it
        cannot tell it from a replay: no listener may act on it, and the user is told."""
        if request.headers.get(UNRECORDED_HEADER):
            raise StorageUnavailable()
        return next()

    @app.error
    def on_error(
        error: Exception, body: dict[str, Any], response: BoltResponse | None, client: WebClient
    ) -> BoltResponse | None:
        if not isinstance(error, (IncidentError, UsageError)):
            log.warning("listener failed: %s: %s", type(error).__name__, error)
        message = describe(error)
        if response is None:  # Already acknowledged: the HTTP response has gone.
            tell_privately(client, body, message)
            return None
        if body.get("type") == "view_submission":
            return _json(
                {"response_action": "errors", "errors": _field_errors(body, error, message)}
            )
        if body.get("type") == "block_actions":
            # Slack ignores a body in the response to a click; say it privately.
            tell_privately(client, body, message)
            return BoltResponse(status=200, body="")
        return _json({"response_type": "ephemeral", "text": message, "blocks": section(message)})


def _field_errors(body: dict[str, Any], error: Exception, message: str) -> dict[str, str]:
    inputs = [
        b["block_id"] for b in body.get("view", {}).get("blocks", []) if b.get("type") == "input"
    ]
    field = error.field if isinstance(error, InvalidInput) else None
    target = field if field is not None and field in inputs else (inputs[0] if inputs else "")
    text = message.removeprefix(":warning: ")
    return {target: text if len(text) <= MAX_FIELD_ERROR else text[: MAX_FIELD_ERROR - 1] + "…"}


def _json(payload: dict[str, Any]) -> BoltResponse:
    return BoltResponse(
        status=200, body=json.dumps(payload), headers={"content-type": "application/json"}
    )
