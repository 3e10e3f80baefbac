"""What every ``firebreak`` subcommand shares: its failure type, the policy, the database."""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable
from typing import TypeAlias

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.settings import Settings
from storage.database import create_database_engine, create_session_factory, read_only
from workflows.policy import Policy, PolicyError, load_policy

Subcommands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"
Run = Callable[[Settings, argparse.Namespace], int]

_INCIDENT_REFERENCE = re.compile(r"(?:inc-?)?(\d{1,9})", re.IGNORECASE)


class CommandFailed(Exception):
    """A command cannot go on; the message says what to do about it."""


def engine_for(settings: Settings) -> Engine:
    return create_database_engine(settings.database_url)


def sessions_for(settings: Settings) -> sessionmaker[Session]:
    """Sessions that only read (reports, exports): they never block the running bot."""
    return read_only(create_session_factory(engine_for(settings)))


def policy_for(settings: Settings) -> Policy:
    try:
        return load_policy(settings.firebreak_config)
    except PolicyError as error:
        raise CommandFailed(str(error)) from error


def incident_number(text: str) -> int:
    """``INC-42``, ``inc42`` or ``42`` → 42."""
    match = _INCIDENT_REFERENCE.fullmatch(text.strip())
    if match is None:
        raise CommandFailed(f"{text!r} is not an incident reference; write INC-42 or 42")
    return int(match.group(1))
