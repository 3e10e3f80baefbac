"""Attribute each Slack request's changes to the surface it came through (audit trail)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltResponse

from storage.surfaces import Surface, on_surface

_SURFACES: dict[str, Surface] = {
    "block_actions": "button",
    "view_submission": "modal",
    "view_closed": "modal",
    "shortcut": "shortcut",
    "message_action": "shortcut",
    "event_callback": "event",
}


def surface_of(body: dict[str, Any]) -> Surface:
    """Slash commands carry ``command``; everything else names its ``type``."""
    if "command" in body:
        return "slash_command"
    return _SURFACES.get(str(body.get("type", "")), "system")


def register(app: App) -> None:
    @app.middleware
    def attribute_surface(
        body: dict[str, Any],
        next: Callable[[], BoltResponse],  # Bolt injects arguments by name
    ) -> BoltResponse:
        # The listener runs on another thread after ack; bot.app's executor copies this
        # context to it, so its timeline events carry the surface too.
        with on_surface(surface_of(body)):
            return next()
