"""Placeholder: filled in by the insights work (issue 5)."""

from __future__ import annotations

from slack_bolt import App

from commands.services import Services
from commands.verbs import Verbs


def register(app: App, services: Services, verbs: Verbs) -> None:
    """Register this module's ``/incident`` verbs."""
