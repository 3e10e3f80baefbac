"""Small Block Kit composition objects shared by every builder."""

from __future__ import annotations

from typing import Any

from commands.text import truncate

# Slack's limits for these objects (PLATFORM.md): button and option text, option value.
TEXT_LIMIT = 75


def plain_text(text: str, limit: int = TEXT_LIMIT) -> dict[str, Any]:
    return {"type": "plain_text", "text": truncate(text, limit), "emoji": True}


def option(value: str, text: str, description: str = "") -> dict[str, Any]:
    built: dict[str, Any] = {"text": plain_text(text), "value": value}
    if description:
        built["description"] = plain_text(description)
    return built
