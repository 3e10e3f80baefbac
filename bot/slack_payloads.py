"""What a Slack payload must hold before a listener sees it, on either transport.

Slack itself never sends these shapes broken, but a proxy, a bug or a changed
format could. Checking here, once, lets listeners read ``user.id`` or
``event.type`` without guarding every access, and turns a bad payload into one
clear warning instead of a traceback deep inside Bolt.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

PayloadKind = Literal["slash_commands", "interactive", "events_api"]
PAYLOAD_KINDS: frozenset[str] = frozenset({"slash_commands", "interactive", "events_api"})

_SLASH_COMMAND_FIELDS = ("command", "user_id", "channel_id")


def payload_problem(kind: PayloadKind, payload: object) -> str | None:
    """Why ``payload`` cannot go to a listener of ``kind``, or None when it can."""
    if not isinstance(payload, Mapping):
        return "the payload is not a JSON object"
    if kind == "slash_commands":
        return _missing_strings(payload, _SLASH_COMMAND_FIELDS, "a slash command")
    if kind == "interactive":
        return _interaction_problem(payload)
    return _event_problem(payload)


def _interaction_problem(payload: Mapping[object, object]) -> str | None:
    missing = _missing_strings(payload, ("type",), "an interaction")
    if missing:
        return missing
    user = payload.get("user")
    if not isinstance(user, Mapping) or not isinstance(user.get("id"), str):
        return "an interaction needs user.id"
    return None


def _event_problem(payload: Mapping[object, object]) -> str | None:
    missing = _missing_strings(payload, ("type",), "an Events API body")
    if missing or payload["type"] != "event_callback":
        return missing
    event = payload.get("event")
    if not isinstance(event, Mapping) or not isinstance(event.get("type"), str):
        return "an event_callback needs event.type"
    return None


def _missing_strings(
    payload: Mapping[object, object], names: tuple[str, ...], what: str
) -> str | None:
    absent = [name for name in names if not isinstance(payload.get(name), str)]
    if absent:
        return f"{what} needs {', '.join(absent)}"
    return None
