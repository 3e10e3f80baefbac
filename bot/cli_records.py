"""``firebreak export`` and ``firebreak audit``: the database's records, for people and tools.

Both only read. Output streams as rows are fetched, so a million timeline events go to a
file (or a pipe) without being held in memory. ``--out`` writes to ``FILE.partial`` and
renames it when complete, so a failed export never leaves a truncated file behind.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TextIO

from bot.cli_support import CommandFailed, Subcommands, incident_number, policy_for, sessions_for
from bot.settings import Settings
from workflows import audit, refusals
from workflows.exports import FORMATS, KINDS, BadMoment, ExportQuery, export, parse_moment

AUDIT_FORMATS = ("text", "jsonl")


def add_commands(commands: Subcommands) -> None:
    """Add ``export`` and ``audit`` to ``firebreak``."""
    exporting = commands.add_parser(
        "export",
        help="write incidents, timeline events, containment actions or follow-ups as CSV/JSONL",
        description="Times are UTC (YYYY-MM-DD HH:MM:SS). Restricted incidents, and their "
        "events, actions and follow-ups, are left out unless --include-restricted is given.",
    )
    exporting.add_argument("kind", choices=KINDS, help="which table")
    exporting.add_argument(
        "--since",
        type=_moment,
        metavar="WHEN",
        help="rows from this date or time on (inclusive; UTC unless it has an offset): "
        "incidents by declared time, events and actions by when they happened, "
        "follow-ups by when they were created",
    )
    exporting.add_argument(
        "--until", type=_moment, metavar="WHEN", help="rows before this date or time (exclusive)"
    )
    exporting.add_argument("--format", choices=FORMATS, default="csv", help="default: csv")
    exporting.add_argument(
        "--include-restricted", action="store_true", help="include restricted incidents"
    )
    exporting.add_argument(
        "--excel",
        action="store_true",
        help="start the CSV with a UTF-8 byte order mark, so Excel shows accented text right",
    )
    exporting.add_argument("--out", type=Path, metavar="FILE", help="default: standard output")
    exporting.set_defaults(run=_export)

    auditing = commands.add_parser(
        "audit",
        help="print an incident's audit trail (every change, who, when, from where), "
        "or every refused attempt with --refusals",
    )
    auditing.add_argument("incident", nargs="?", help="the incident, as INC-42 or 42")
    auditing.add_argument(
        "--refusals",
        action="store_true",
        help="instead: every attempt the policy refused, on incidents and workspace-wide",
    )
    auditing.add_argument(
        "--since",
        type=_moment,
        metavar="WHEN",
        help="with --refusals: from this date or time on (UTC unless it has an offset)",
    )
    auditing.add_argument("--format", choices=AUDIT_FORMATS, default="text", help="default: text")
    auditing.set_defaults(run=_audit)


def _moment(text: str) -> datetime:
    try:
        return parse_moment(text)
    except BadMoment as error:
        raise argparse.ArgumentTypeError(str(error).replace("`", "")) from None


def _export(settings: Settings, args: argparse.Namespace) -> int:
    if args.excel and args.format != "csv":
        raise CommandFailed("--excel applies to --format csv only")
    try:
        query = ExportQuery(
            kind=args.kind,
            since=args.since,
            until=args.until,
            include_restricted=args.include_restricted,
        )
    except BadMoment as error:
        raise CommandFailed(str(error)) from error
    owner_role = policy_for(settings).owner_role.key
    sessions = sessions_for(settings)

    def write(stream: TextIO) -> int:
        with sessions() as session:
            return export(session, query, owner_role, stream, format=args.format, excel=args.excel)

    if args.out is None:
        return _to_stdout(write)
    count = _to_file(args.out, write)
    print(f"firebreak: wrote {count} {args.kind} rows to {args.out}", file=sys.stderr)
    return 0


def _to_stdout(write: Callable[[TextIO], int]) -> int:
    try:
        write(sys.stdout)
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader went away (`| head`): stop quietly, as other command-line tools do.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    return 0


def _to_file(path: Path, write: Callable[[TextIO], int]) -> int:
    partial = path.with_name(path.name + ".partial")
    try:
        with partial.open("w", encoding="utf-8", newline="") as stream:
            count = write(stream)
        partial.replace(path)
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise CommandFailed(f"could not write {path}: {error}") from error
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return count


def _audit(settings: Settings, args: argparse.Namespace) -> int:
    """Print the trail oldest first (an unknown incident exits 1, see ``bot.cli.main``)."""
    if args.refusals:
        if args.incident is not None:
            raise CommandFailed(
                "give an incident or --refusals, not both (an incident's trail shows its refusals)"
            )
        return _refusals(settings, args)
    if args.incident is None:
        raise CommandFailed("say which incident (INC-42), or ask for --refusals")
    if args.since is not None:
        raise CommandFailed("--since goes with --refusals; an incident's trail is printed whole")
    number = incident_number(args.incident)
    with sessions_for(settings)() as session:
        for entry in audit.trail(session, number):
            if args.format == "jsonl":
                line = json.dumps(audit.record(entry), ensure_ascii=False)
            else:
                line = audit.line(entry)
            sys.stdout.write(line + "\n")
    return 0


def _refusals(settings: Settings, args: argparse.Namespace) -> int:
    """Every refusal, oldest first: incident steps from timelines, workspace steps beside."""
    with sessions_for(settings)() as session:
        for entry in refusals.refusals(session, args.since):
            if args.format == "jsonl":
                line = json.dumps(refusals.record(entry), ensure_ascii=False)
            else:
                line = refusals.line(entry)
            sys.stdout.write(line + "\n")
    return 0
