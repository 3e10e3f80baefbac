"""Reaching one user privately, before or after the request was acknowledged."""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError
from slack_sdk.webhook import WebhookClient

from commands.blocks.messages import section
from workflows.provisioning import ProvisionOutcome

log = logging.getLogger(__name__)


def where_to_reply(body: dict[str, Any]) -> tuple[str | None, str | None, str | None]:
    """(response_url, channel, user) for any payload Bolt hands a listener."""
    user = body.get("user_id") or (body.get("user") or {}).get("id")
    channel = body.get("channel_id") or (body.get("channel") or {}).get("id")
    response_url = body.get("response_url")
    view = body.get("view") or {}
    if response_url is None and view.get("private_metadata"):
        try:
            metadata = json.loads(view["private_metadata"])
        except json.JSONDecodeError:
            metadata = {}
        if isinstance(metadata, dict):
            response_url = metadata.get("response_url")
            channel = channel or metadata.get("channel")
    return response_url, channel, user


def tell_privately(
    client: WebClient,
    body: dict[str, Any],
    text: str,
    blocks: list[dict[str, Any]] | None = None,
) -> None:
    """Send an ephemeral message by the best route left: response_url, ephemeral, then DM.

    ``blocks`` default to ``text`` in one section. Each route that fails (a response_url
    expires after half an hour) falls through to the next.
    """
    response_url, channel, user = where_to_reply(body)
    shown = section(text) if blocks is None else blocks
    if response_url and _responded(client, response_url, text, shown):
        return
    try:
        if user and channel:
            try:
                client.chat_postEphemeral(channel=channel, user=user, text=text, blocks=shown)
                return
            except SlackClientError:
                pass  # e.g. the bot is not in that channel; a DM still reaches them.
        if user:
            client.chat_postMessage(channel=user, text=text, blocks=shown)
    except (SlackClientError, OSError) as error:
        log.warning("could not reach user %s privately: %s", user, error)


def _responded(
    client: WebClient, response_url: str, text: str, blocks: list[dict[str, Any]]
) -> bool:
    webhook = WebhookClient(response_url, retry_handlers=client.retry_handlers)
    try:
        response = webhook.send(
            text=text, blocks=blocks, response_type="ephemeral", replace_original=False
        )
    except (SlackClientError, OSError) as error:
        log.warning("response_url failed, trying the next route: %s", error)
        return False
    return response.status_code == 200


def provisioning_problem(outcome: ProvisionOutcome | None) -> str | None:
    """What to tell the declarer when the incident is saved but its Slack side is unfinished."""
    if outcome is None or outcome.complete or outcome.error is None:
        return None
    return (
        f":warning: {outcome.incident.reference} is recorded, but Slack failed while setting it up "
        f"({outcome.error.error}). Firebreak keeps retrying in the background; "
        "nothing is lost and nothing will be created twice."
    )
