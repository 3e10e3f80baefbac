"""The App Home tab: your open incidents, the ones you own, and who is on call now."""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from commands.blocks.elements import plain_text, section_block
from commands.blocks.listing import incident_list_text
from commands.listing_command import visible_to
from commands.services import Services
from commands.text import escape, mention, slack_date
from workflows import listing, oncall
from workflows.listing import Filter

log = logging.getLogger(__name__)


def register(app: App, services: Services) -> None:
    @app.event("app_home_opened")
    def on_home(event: dict[str, Any], body: dict[str, Any], client: WebClient) -> None:
        if event.get("tab") == "home":
            services.after_ack(
                client, body, partial(publish_home, services, client, str(event["user"]))
            )


def publish_home(services: Services, client: WebClient, user: str) -> None:
    """Publish ``user``'s Home tab (after the event's ack: it reads and calls Slack)."""
    try:
        client.views_publish(user_id=user, view=home_view(services, client, user))
    except SlackApiError as error:
        log.warning("could not publish the Home tab for %s: %s", user, error.response.get("error"))


def home_view(services: Services, client: WebClient, user: str) -> dict[str, Any]:
    now = services.clock.now()
    with services.sessions() as session:
        involved = listing.find(session, services.policy, Filter(involving=user))
        owned = listing.find(session, services.policy, Filter(owner=user))
        rotations = oncall.status(session, services.policy, now)
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": plain_text("Firebreak", 150)},
        section_block(incident_list_text("Incidents you own", visible_to(client, user, owned))),
        {"type": "divider"},
        section_block(
            incident_list_text(
                "Open incidents you declared or hold a role in", visible_to(client, user, involved)
            )
        ),
        {"type": "divider"},
        section_block(_on_call_text(services, rotations)),
        {
            "type": "context",
            "elements": [
                {
                    "type": "mrkdwn",
                    "text": f"Updated {slack_date(now)} · `/incident help` · `/oncall`",
                }
            ],
        },
    ]
    return {"type": "home", "blocks": blocks}


def _on_call_text(services: Services, rotations: list[oncall.RotationStatus]) -> str:
    if not rotations:
        return "*On call now*\n_No rotations are configured._"
    lines = ["*On call now*"]
    for status in rotations:
        primary = services.directory.user_id(status.current.primary)
        backup = (
            services.directory.user_id(status.current.backup) if status.current.backup else None
        )
        lines.append(
            f"• *{escape(status.rotation)}*: {mention(primary)}, backup {mention(backup)}, "
            f"until {slack_date(status.current.ends_at)}"
        )
    return "\n".join(lines)
