"""Placeholder: filled in by the insights work (issue 5)."""

from __future__ import annotations

from bot.cli_support import Subcommands


def add_commands(commands: Subcommands) -> None:
    """Add this module's subcommands to ``firebreak``."""
