"""Slack channel names for incidents: lowercase ASCII letters, digits, ``-`` and ``_``, <= 80."""

from __future__ import annotations

import re
import unicodedata

MAX_CHANNEL_NAME = 80
_NOT_ALLOWED = re.compile(r"[^a-z0-9]+")


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return _NOT_ALLOWED.sub("-", ascii_text.lower()).strip("-")


def incident_channel_name(prefix: str, number: int, title: str, attempt: int = 1) -> str:
    """``inc-42-counterfeit-listings-spike``; attempt 2, 3, ... adds ``-2``, ``-3`` on a clash."""
    head = f"{prefix}-{number}"
    tail = "" if attempt == 1 else f"-{attempt}"
    room = MAX_CHANNEL_NAME - len(head) - len(tail) - 1
    slug = slugify(title)[: max(room, 0)].rstrip("-")
    return f"{head}-{slug}{tail}" if slug else f"{head}{tail}"
