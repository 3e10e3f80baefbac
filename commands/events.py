"""Events API listeners."""

from __future__ import annotations

from typing import Any

from slack_bolt import App

from commands.services import Services
from commands.surface import CHANNEL_RENAME_EVENTS
from workflows import incidents


def register(app: App, services: Services) -> None:
    def on_channel_rename(event: dict[str, Any]) -> None:
        """Public (channel_rename) and private (group_rename) channels carry the same shape."""
        channel = event.get("channel") or {}
        if channel.get("id") and channel.get("name"):
            with services.sessions.begin() as session:
                incidents.record_channel_renamed(
                    session, channel["id"], channel["name"], services.clock
                )

    for name in CHANNEL_RENAME_EVENTS:
        app.event(name)(on_channel_rename)
