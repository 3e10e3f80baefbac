"""The intake and reporting part of the policy file: where escalations come from, which
markets a team answers for, and when the weekly digest is posted."""

from __future__ import annotations

import re
from datetime import time
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BeforeValidator, Field, StringConstraints, field_validator

from workflows.durations import problem
from workflows.oncall_policy import Weekday, WeeklyTime
from workflows.policy_types import ChannelId, Key, Label, Strict

MARKET_CODE = re.compile(r"[A-Z0-9][A-Z0-9-]{1,15}")
MarketCode = Annotated[
    str,
    BeforeValidator(lambda value: value.strip().upper() if isinstance(value, str) else value),
    StringConstraints(pattern=f"^{MARKET_CODE.pattern}$"),
]
"""A market or jurisdiction as teams write it: ``DE``, ``EU``, ``US-CA``, ``GLOBAL``."""


class Source(Strict):
    """Where an escalation came from; reports count incidents by it."""

    key: Key
    label: Label


DEFAULT_SOURCES = (
    Source(key="regulator", label="Regulator"),
    Source(key="law_enforcement", label="Law enforcement"),
    Source(key="legal", label="Legal"),
    Source(key="policy", label="Policy"),
    Source(key="pr_media", label="PR / media"),
    Source(key="user_reports", label="User reports"),
    Source(key="internal_detection", label="Internal detection"),
    Source(key="vendor", label="Vendor"),
)


class DigestPolicy(Strict):
    """The weekly digest: the week's figures against the week before, posted once a week."""

    channel: ChannelId | None = Field(
        default=None, description="Channel id the digest is posted to; unset, no digest."
    )
    at: WeeklyTime = WeeklyTime(day=Weekday.monday, time=time(9, 0))
    time_zone: str = Field(default="UTC", description="IANA name the day and time are read in.")
    weeks_in_chart: int = Field(default=12, ge=2, le=104)
    top_containment: int = Field(default=5, ge=1, le=20)

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, name: str) -> str:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise problem("time_zone", f"unknown time zone {name!r}") from None
        return name

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)


class Intake(Strict):
    """Where escalations come from and which markets they concern."""

    sources: tuple[Source, ...] = Field(default=DEFAULT_SOURCES, min_length=1, max_length=50)
    markets: tuple[MarketCode, ...] = Field(
        default=(),
        max_length=300,
        description="Markets accepted on declare; empty accepts any code such as DE or US-CA.",
    )

    def find_source(self, text: str) -> Source | None:
        wanted = text.strip().lower().replace("-", "_").replace(" ", "_").replace("/", "")
        for source in self.sources:
            label = source.label.lower().replace(" ", "_").replace("/", "").replace("__", "_")
            if wanted in (source.key, label):
                return source
        return None

    def source_label(self, key: str | None) -> str | None:
        if key is None:
            return None
        return next((s.label for s in self.sources if s.key == key), key)
