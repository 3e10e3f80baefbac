"""What `/incident export` says: its usage, the file's name and comment, and its refusals."""

from __future__ import annotations

from datetime import UTC, datetime

from commands.text import mention
from workflows.export_tables import KINDS, Kind

LABELS: dict[Kind, str] = {
    "incidents": "incidents",
    "timeline": "timeline events",
    "actions": "containment actions",
    "followups": "follow-ups",
}

USAGE = (
    "`/incident export <" + "|".join(KINDS) + "> [since] [excel]` shares a CSV file here: "
    "`since` is a UTC date or time such as `2026-11-01` or `2026-11-01T09:00`; `excel` adds "
    "the byte order mark Excel needs to show accented text. Example: "
    "`/incident export timeline 2026-11-01`."
)


def _since(since: datetime | None) -> str:
    return f" since {since.astimezone(UTC):%Y-%m-%d %H:%M} UTC" if since else ""


def export_filename(kind: Kind, now: datetime) -> str:
    return f"firebreak-{kind}-{now.astimezone(UTC):%Y-%m-%d-%H%M}.csv"


def export_title(kind: Kind) -> str:
    return f"Firebreak export: {LABELS[kind]}"


def preparing(kind: Kind, since: datetime | None) -> str:
    return (
        f":hourglass_flowing_sand: Exporting {LABELS[kind]}{_since(since)}; "
        "the CSV file will be shared here."
    )


def export_comment(kind: Kind, rows: int, since: datetime | None, requester: str) -> str:
    """The message the file is shared with. Says that restricted incidents are left out."""
    noun = "row" if rows == 1 else "rows"
    return (
        f":page_facing_up: {LABELS[kind].capitalize()}{_since(since)}: {rows:,} {noun}, "
        f"times in UTC, for {mention(requester)}. Restricted incidents are not included; "
        f"a Firebreak admin can export them with "
        f"`firebreak export {kind} --include-restricted`."
    )


def nothing_to_export(kind: Kind, since: datetime | None) -> str:
    return f"There are no {LABELS[kind]}{_since(since)} to export (restricted incidents aside)."


def too_large(kind: Kind, limit_bytes: int) -> str:
    return (
        f":warning: The {LABELS[kind]} export is over {limit_bytes // 1_000_000} MB, too large "
        "to share in Slack. Narrow it with a later `since`, or ask a Firebreak admin to run "
        f"`firebreak export {kind} --out {kind}.csv` on the server."
    )
