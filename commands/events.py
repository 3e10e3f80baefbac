"""Events API listeners."""

from __future__ import annotations

from typing import Any

from slack_bolt import App

from commands.services import Services
from workflows import incidents


def register(app: App, services: Services) -> None:
    @app.event("channel_rename")
    def on_channel_rename(event: dict[str, Any]) -> None:
        channel = event.get("channel") or {}
        if channel.get("id") and channel.get("name"):
            with services.sessions.begin() as session:
                incidents.record_channel_renamed(
                    session, channel["id"], channel["name"], services.clock
                )
