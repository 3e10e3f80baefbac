"""Builders for the bodies Slack sends to an app (PAYLOADS.md sections 2 to 5).

Pure functions from workspace records to the exact dicts Slack sends: slash command form
fields, block_actions and view_submission payloads, the Events API envelope and the
url_verification challenge. Encoding (form / JSON) happens in :func:`form_body` and
:func:`json_body`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from .models import Channel, User
from .workspace import Workspace

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


def form_body(fields: Mapping[str, str]) -> bytes:
    """URL-encoded form body (``/`` in a command becomes ``%2F``, as Slack sends it)."""
    return urlencode(fields).encode()


def interactive_body(payload: Mapping[str, Any]) -> bytes:
    """The single form field ``payload=<json>`` interactivity requests carry."""
    return form_body({"payload": json.dumps(payload, separators=(",", ":"))})


def json_body(payload: Mapping[str, Any]) -> bytes:
    """A compact JSON body (Events API)."""
    return json.dumps(payload, separators=(",", ":")).encode()


def channel_name(channel: Channel) -> str:
    """The ``channel_name`` Slack reports: ``directmessage`` for IMs."""
    return "directmessage" if channel.is_im else channel.name


def user_ref(ws: Workspace, user: User) -> dict[str, Any]:
    """The ``user`` object of interactivity payloads."""
    return {"id": user.id, "username": user.name, "name": user.name, "team_id": ws.team_id}


def team_ref(ws: Workspace) -> dict[str, Any]:
    """The ``team`` object of interactivity payloads."""
    return {"id": ws.team_id, "domain": ws.team_domain}


def slash_command_fields(
    ws: Workspace,
    *,
    verification_token: str,
    user: User,
    channel: Channel,
    command: str,
    text: str,
    response_url: str,
    trigger_id: str,
) -> dict[str, str]:
    """The form fields of a slash command (PAYLOADS.md section 2)."""
    return {
        "token": verification_token,
        "team_id": ws.team_id,
        "team_domain": ws.team_domain,
        "channel_id": channel.id,
        "channel_name": channel_name(channel),
        "user_id": user.id,
        "user_name": user.name,
        "command": command,
        "text": text,
        "api_app_id": ws.app_id,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id,
    }


def block_actions_payload(
    ws: Workspace,
    *,
    verification_token: str,
    user: User,
    container: dict[str, Any],
    actions: list[dict[str, Any]],
    state_values: dict[str, Any],
    trigger_id: str,
    channel: Channel | None = None,
    message: dict[str, Any] | None = None,
    view: dict[str, Any] | None = None,
    response_url: str | None = None,
) -> dict[str, Any]:
    """A ``block_actions`` payload (PAYLOADS.md section 3)."""
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": user_ref(ws, user),
        "api_app_id": ws.app_id,
        "token": verification_token,
        "container": container,
        "trigger_id": trigger_id,
        "team": team_ref(ws),
        "enterprise": None,
        "is_enterprise_install": False,
    }
    if channel is not None:
        payload["channel"] = {"id": channel.id, "name": channel_name(channel)}
    if message is not None:
        payload["message"] = message
    if view is not None:
        payload["view"] = view
    payload["state"] = {"values": state_values}
    if response_url is not None:
        payload["response_url"] = response_url
    payload["actions"] = actions
    return payload


def view_submission_payload(
    ws: Workspace,
    *,
    verification_token: str,
    user: User,
    view: dict[str, Any],
    trigger_id: str,
) -> dict[str, Any]:
    """A ``view_submission`` payload (PAYLOADS.md section 4)."""
    return {
        "type": "view_submission",
        "team": team_ref(ws),
        "user": user_ref(ws, user),
        "api_app_id": ws.app_id,
        "token": verification_token,
        "trigger_id": trigger_id,
        "view": view,
        "response_urls": [],
        "is_enterprise_install": False,
        "enterprise": None,
    }


def event_envelope(
    ws: Workspace,
    *,
    verification_token: str,
    event: dict[str, Any],
    event_id: str,
    event_time: int,
    event_context: str,
) -> dict[str, Any]:
    """An ``event_callback`` envelope (PAYLOADS.md section 5)."""
    return {
        "token": verification_token,
        "team_id": ws.team_id,
        "api_app_id": ws.app_id,
        "event": event,
        "type": "event_callback",
        "event_id": event_id,
        "event_time": event_time,
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": ws.team_id,
                "user_id": ws.bot_user_id,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": event_context,
    }


def url_verification_payload(verification_token: str, challenge: str) -> dict[str, Any]:
    """The challenge Slack sends when a Request URL is saved."""
    return {"token": verification_token, "challenge": challenge, "type": "url_verification"}
