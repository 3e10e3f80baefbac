"""The escalation part of the policy file: how fast each severity must be acknowledged,
who is paged when it is not, how often the owner posts updates, when deadlines remind."""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum

from pydantic import Field

from workflows.durations import Duration
from workflows.policy_types import Key, Strict


class Step(StrEnum):
    """What one missed acknowledgement window triggers."""

    repage = "repage"  # ping the owner (or the paged on-call) again
    backup = "backup"  # page the rotation's backup and invite them
    manager = "manager"  # page the rotation's escalate_to (a person or a user group)


class SeverityEscalation(Strict):
    acknowledge_within: Duration
    steps: tuple[Step, ...] = Field(default=(Step.repage, Step.backup, Step.manager), max_length=10)
    update_every: Duration | None = None


def _severity(ack: str, update: str) -> SeverityEscalation:
    return SeverityEscalation.model_validate({"acknowledge_within": ack, "update_every": update})


DEFAULT_SEVERITIES = {
    "sev1": _severity("5m", "30m"),
    "sev2": _severity("15m", "1h"),
    "sev3": _severity("1h", "4h"),
    "sev4": _severity("4h", "1d"),
}


class EscalationPolicy(Strict):
    """Severities missing here get no acknowledgement or update reminders."""

    severities: dict[Key, SeverityEscalation] = Field(default_factory=lambda: DEFAULT_SEVERITIES)
    deadline_reminders: tuple[Duration, ...] = Field(
        default=(timedelta(days=1), timedelta(hours=4), timedelta(hours=1)), max_length=10
    )
    snooze: tuple[Duration, ...] = Field(
        default=(timedelta(minutes=15), timedelta(hours=1)), min_length=1, max_length=4
    )
    late_after: Duration = timedelta(minutes=2)
    handoff_acknowledge_within: Duration = timedelta(minutes=30)

    def for_severity(self, severity: str) -> SeverityEscalation | None:
        return self.severities.get(severity)

    def acknowledge_seconds(self) -> dict[str, float]:
        """Each severity's ``acknowledge_within`` in seconds, as SLA queries compare it."""
        return {
            key: rules.acknowledge_within.total_seconds() for key, rules in self.severities.items()
        }

    def update_seconds(self) -> dict[str, float]:
        """Each severity's ``update_every`` in seconds; one without it owes no updates."""
        return {
            key: rules.update_every.total_seconds()
            for key, rules in self.severities.items()
            if rules.update_every is not None
        }
