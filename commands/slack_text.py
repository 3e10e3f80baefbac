"""Reading the text Slack sends with a slash command (``should_escape: true``).

Slack turns what the user typed into markup: ``@alice`` → ``<@U123|alice>``,
``#general`` → ``<#C123|general>``, a link → ``<https://…|label>``, and escapes
``&``, ``<``, ``>``. Commands read ids from the markup; titles keep what was typed.
"""

from __future__ import annotations

import re

_MARKUP = re.compile(r"<([^<>]*)>")
_USER = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^<>]*)?>")


def unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def readable(text: str) -> str:
    """What the user typed: mentions, channels and links back to plain words."""

    def plain(match: re.Match[str]) -> str:
        inner = match.group(1)
        target, _, label = inner.partition("|")
        if target.startswith("@"):
            return f"@{label or target[1:]}"
        if target.startswith("#"):
            return f"#{label or target[1:]}"
        if target.startswith("!"):
            return label or f"@{target[1:].split('^')[0]}"
        return label or target

    return unescape(_MARKUP.sub(plain, text))


def user_id(token: str) -> str | None:
    """The user id in a mention token (``<@U123|alice>`` or ``<@U123>``), else None."""
    match = _USER.fullmatch(token.strip())
    return match.group(1) if match else None
