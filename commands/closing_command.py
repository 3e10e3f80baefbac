"""Resolving, reopening, closing and the incident report: /incident resolve|reopen|close|report."""

from __future__ import annotations

from slack_bolt import App

from commands.services import Services
from commands.verbs import Verbs
from workflows.reminders import ReminderHandler


def register(app: App, services: Services, verbs: Verbs) -> None:
    """Register this feature's listeners and its `/incident` verbs."""


def reminder_handlers(services: Services) -> dict[str, ReminderHandler]:
    """This feature's reminder kinds and their handlers, for the runner."""
    return {}
