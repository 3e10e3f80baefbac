"""Making text safe and well-formed for Slack."""

from __future__ import annotations

from datetime import datetime


def escape(text: str) -> str:
    """Escape user text for mrkdwn, so ``<!channel>`` or ``<@U1>`` in a title pings nobody."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def quoted(typed: str, limit: int = 30) -> str:
    """What a user typed, cut short and made inert for quoting back inside a `code` span.

    Messages echo what was typed; escaped, ``<!channel>`` there pings nobody, and a
    backtick cannot close the code span early.
    """
    return escape(truncate(typed, limit)).replace("`", "'")


def truncate(text: str, limit: int) -> str:
    """Cut to ``limit`` characters, marking the cut with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def slack_date(moment: datetime, layout: str = "{date_short_pretty} at {time}") -> str:
    """A date every reader sees in their own time zone, with a UTC fallback for old clients."""
    fallback = moment.strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{int(moment.timestamp())}^{layout}|{fallback}>"


def mention(user_id: str | None) -> str:
    return f"<@{user_id}>" if user_id else "_unassigned_"


def channel_link(channel_id: str | None, fallback: str) -> str:
    return f"<#{channel_id}>" if channel_id else fallback


def link(url: str | None, text: str) -> str:
    """A mrkdwn link when ``url`` is a plain http(s) address, else just the escaped text."""
    label = escape(text).replace("|", "¦")
    if url and url.startswith(("https://", "http://")) and not any(c in url for c in "<>| "):
        return f"<{url}|{label}>"
    return label
