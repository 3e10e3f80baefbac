"""Small Block Kit composition objects shared by every builder."""

from __future__ import annotations

import json
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


# A section's text holds at most 3000 characters.
SECTION_LIMIT = 3000


def section_block(text: str) -> dict[str, Any]:
    """One mrkdwn section, cut (with an ellipsis) to Slack's limit."""
    return {"type": "section", "text": {"type": "mrkdwn", "text": truncate(text, SECTION_LIMIT)}}


def input_block(
    block_id: str,
    label: str,
    element: dict[str, Any],
    *,
    optional: bool = False,
    hint: str | None = None,
) -> dict[str, Any]:
    """A modal input; its element's action_id defaults to the block id it answers for."""
    block: dict[str, Any] = {
        "type": "input",
        "block_id": block_id,
        "label": plain_text(label, 2000),
        "element": {"action_id": block_id, **element},
        "optional": optional,
    }
    if hint:
        block["hint"] = plain_text(hint, 2000)
    return block


# Modal title, submit and close texts hold at most 24 characters.
MODAL_TEXT_LIMIT = 24


def modal(
    callback_id: str,
    title: str,
    submit: str,
    blocks: list[dict[str, Any]],
    metadata: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A modal view with a Cancel button; ``metadata`` rides along as private_metadata."""
    return {
        "type": "modal",
        "callback_id": callback_id,
        "private_metadata": json.dumps(metadata or {}),
        "title": plain_text(title, MODAL_TEXT_LIMIT),
        "submit": plain_text(submit, MODAL_TEXT_LIMIT),
        "close": plain_text("Cancel", MODAL_TEXT_LIMIT),
        "blocks": blocks,
    }
