"""Message content rules shared by chat.*, response_url posts and inbound acks.

One place decides whether ``text`` / ``blocks`` / ``attachments`` make an acceptable
message: ``no_text`` when there is nothing to show, ``msg_too_long`` past 40,000
characters, ``invalid_blocks_format`` when blocks are not a JSON array,
``too_many_attachments`` past 100 and ``invalid_blocks`` for Block Kit violations.
"""

from __future__ import annotations

import copy
import secrets
import string
from dataclasses import dataclass
from typing import Any

from ..blockkit import validate_blocks
from .base import ApiError

MESSAGE_TEXT_MAX = 40_000
ATTACHMENTS_MAX = 100


@dataclass(frozen=True)
class Content:
    """Validated message content."""

    text: str
    blocks: list[dict[str, Any]]
    attachments: list[dict[str, Any]]


def message_content(
    text: Any,
    blocks: Any,
    attachments: Any,
    *,
    previous: Content | None = None,
) -> Content:
    """Check and normalise message content, raising :class:`ApiError` like Slack.

    With ``previous`` (chat.update), an argument that is absent (None) keeps the old
    value, as Slack keeps a message's blocks when an update sends only text.
    """
    if text is None:
        text = previous.text if previous is not None else ""
    if not isinstance(text, str):
        text = str(text)
    if blocks is None:
        blocks = previous.blocks if previous is not None else []
    if attachments is None:
        attachments = previous.attachments if previous is not None else []
    if not isinstance(blocks, list):
        raise ApiError("invalid_blocks_format")
    if not isinstance(attachments, list):
        raise ApiError("invalid_attachments")
    if not text.strip() and not blocks and not attachments:
        raise ApiError("no_text")
    if len(text) > MESSAGE_TEXT_MAX:
        raise ApiError("msg_too_long")
    if len(attachments) > ATTACHMENTS_MAX:
        raise ApiError("too_many_attachments")
    problems = validate_blocks(blocks, "message")
    for index, attachment in enumerate(attachments):
        if isinstance(attachment, dict) and "blocks" in attachment:
            problems += validate_blocks(
                attachment["blocks"], "message", path=f"/attachments/{index}/blocks"
            )
    if problems:
        raise ApiError("invalid_blocks", messages=[f"[ERROR] {p}" for p in problems])
    return Content(text, assign_ids(blocks), attachments)


_ID_ALPHABET = string.ascii_letters + string.digits


def _random_id(taken: set[str]) -> str:
    while True:
        candidate = "".join(secrets.choice(_ID_ALPHABET) for _ in range(5))
        if candidate not in taken:
            taken.add(candidate)
            return candidate


def assign_ids(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A copy of ``blocks`` where every block has a ``block_id`` and every interactive
    element an ``action_id``, as Slack fills them in when it stores a message or view."""
    result = copy.deepcopy(blocks)
    block_ids = {str(b["block_id"]) for b in result if "block_id" in b}
    action_ids: set[str] = set()
    for block in result:
        if "block_id" not in block:
            block["block_id"] = _random_id(block_ids)
        elements = list(block.get("elements", [])) if block.get("type") == "actions" else []
        for key in ("accessory", "element"):
            if isinstance(block.get(key), dict):
                elements.append(block[key])
        for element in elements:
            kind = element.get("type") if isinstance(element, dict) else None
            if kind not in (None, "image") and "action_id" not in element:
                element["action_id"] = _random_id(action_ids)
    return result
