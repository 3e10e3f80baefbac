"""Resolving, reopening, closing and the incident report: /incident resolve|reopen|close|report."""

from __future__ import annotations

from slack_bolt import App

from commands.services import Services
from commands.verbs import Verbs


def register(app: App, services: Services, verbs: Verbs) -> None:
    """Register this feature's listeners and its `/incident` verbs."""
