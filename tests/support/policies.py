"""Policies the on-call and escalation tests share."""

from __future__ import annotations

from typing import Any

from tests.support.harness import BROADCAST_CHANNEL
from workflows.policy import Policy

ONCALL_CHANNEL = "C0ONCALL"
MANAGERS = "S0MANAGERS"
DIGEST_CHANNEL = "C0TSLEADS"


def with_rotation(**rotation: Any) -> Policy:
    """Trust & Safety on call from Monday 2026-11-16 09:00 Berlin: Carol, then Dave, then Bob.

    On the harness clock's Friday 2026-11-20 10:30 Berlin, Carol is primary and Dave backup.
    """
    base: dict[str, Any] = {
        "name": "trust-safety",
        "time_zone": "Europe/Berlin",
        "members": ["U0CAROL", "dave@example.com", "U0BOB"],
        "starts_on": "2026-11-16",
        "channel": ONCALL_CHANNEL,
        "escalate_to": MANAGERS,
    }
    base.update(rotation)
    return Policy.model_validate(
        {
            "channels": {"broadcast": BROADCAST_CHANNEL},
            "oncall": {"rotations": [base]},
        }
    )


def with_weekly_digest(base: Policy, **digest: Any) -> Policy:
    """``base`` posting the weekly digest to ``DIGEST_CHANNEL`` on Mondays at 09:00 Berlin
    (the harness's first is 2026-11-23 08:00 UTC); ``digest`` adds or overrides settings."""
    settings = base.model_dump(mode="json")
    settings["digest"] = {
        "channel": DIGEST_CHANNEL,
        "at": {"day": "monday", "time": "09:00"},
        "time_zone": "Europe/Berlin",
        **digest,
    }
    return Policy.model_validate(settings)
