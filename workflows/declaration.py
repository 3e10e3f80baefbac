"""Declaring an incident: checking what the declarer gave, and recording it once.

The Slack side (channel, card, page) comes later, from ``workflows.provisioning``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.models import Incident
from workflows.clock import Clock
from workflows.errors import InvalidInput
from workflows.incident_view import snapshot
from workflows.insights_policy import MARKET_CODE
from workflows.planning import replan
from workflows.policy import Policy
from workflows.snapshots import IncidentSnapshot
from workflows.timeline import record_event

MAX_TITLE = 150
MAX_DESCRIPTION = 3000
MAX_EXTERNAL_REF = 128

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_TITLE)]


class DeclareRequest(BaseModel):
    """What a declaration needs, whichever surface (command or modal) it came from."""

    model_config = ConfigDict(frozen=True)

    title: Title
    description: str = ""
    domain: str
    severity: str
    restricted: bool = False
    # Escalation intake: where it came from (a policy source key), its reference there
    # (a regulator's case number), the market it concerns, and the external deadline.
    source: str | None = None
    external_ref: str | None = None
    market: str | None = None
    due_at: datetime | None = None
    declared_by: str
    declare_key: str
    origin_channel_id: str | None = None
    confirmation_url: str | None = None


def declare(
    session: Session, request: DeclareRequest, policy: Policy, clock: Clock
) -> tuple[IncidentSnapshot, bool]:
    """Record a new incident; returns it and whether this call created it.

    A second call with the same ``declare_key`` (Slack retrying, a double submit)
    returns the incident the first call made.
    """
    check_declare(request, policy)
    existing = session.scalar(select(Incident).where(Incident.declare_key == request.declare_key))
    if existing is not None:
        return snapshot(session, existing, policy), False
    now = clock.now()
    incident = Incident(
        title=request.title,
        description=request.description.strip(),
        domain=request.domain,
        severity=request.severity,
        status=policy.initial_status.key,
        restricted=request.restricted,
        source=_source(request.source, policy),
        external_ref=_external_ref(request.external_ref),
        market=_market(request.market, policy),
        due_at=request.due_at,
        similar=[],
        declared_by=request.declared_by,
        declared_at=now,
        updated_at=now,
        declare_key=request.declare_key,
        origin_channel_id=request.origin_channel_id,
        confirmation_url=request.confirmation_url,
        declarer_invited=False,
        card_pinned=False,
        topic_set=False,
        provision_attempts=0,
    )
    try:
        with session.begin_nested():
            session.add(incident)
            session.flush()
    except IntegrityError:
        # Another replica inserted the same declare_key between our check and insert.
        raced = session.scalar(select(Incident).where(Incident.declare_key == request.declare_key))
        if raced is None:
            raise
        return snapshot(session, raced, policy), False
    record_event(
        session,
        incident,
        now,
        request.declared_by,
        "declared",
        f"Declared {policy.severity(request.severity).label}: {request.title}",
        {
            "severity": request.severity,
            "domain": request.domain,
            "restricted": request.restricted,
            "source": incident.source,
            "external_ref": incident.external_ref,
            "market": incident.market,
            "due_at": request.due_at.isoformat() if request.due_at else None,
        },
    )
    replan(session, incident, policy, now)
    return snapshot(session, incident, policy), True


def check_declare(request: DeclareRequest, policy: Policy) -> None:
    """Raise :class:`InvalidInput` for anything the policy would not record."""
    if len(request.description) > MAX_DESCRIPTION:
        raise InvalidInput(
            f"The description is {len(request.description)} characters; "
            f"keep it under {MAX_DESCRIPTION}.",
            field="description",
        )
    if request.severity not in {s.key for s in policy.severities}:
        raise InvalidInput(f"Unknown severity {request.severity!r}.", field="severity")
    if request.domain not in {d.key for d in policy.domains}:
        raise InvalidInput(f"Unknown domain {request.domain!r}.", field="domain")
    _source(request.source, policy)
    _external_ref(request.external_ref)
    _market(request.market, policy)


def _source(text: str | None, policy: Policy) -> str | None:
    """The policy's key for a source named by key or label; empty means none."""
    if text is None or not text.strip():
        return None
    found = policy.intake.find_source(text)
    if found is None:
        choices = ", ".join(s.key for s in policy.intake.sources)
        message = f"Unknown source {text[:30]!r}. Choose one of {choices}."
        raise InvalidInput(message, field="source")
    return found.key


def _external_ref(text: str | None) -> str | None:
    """An external reference as written (``DSA-2026-117``), trimmed; empty means none."""
    cleaned = (text or "").strip()
    if len(cleaned) > MAX_EXTERNAL_REF:
        raise InvalidInput(
            f"The external reference is {len(cleaned)} characters; keep it to {MAX_EXTERNAL_REF}.",
            field="external_ref",
        )
    return cleaned or None


def _market(text: str | None, policy: Policy) -> str | None:
    """A market code, upper-cased (``de`` is ``DE``); checked against the policy's list."""
    cleaned = (text or "").strip().upper()
    if not cleaned:
        return None
    if not MARKET_CODE.fullmatch(cleaned):
        raise InvalidInput(
            f"{cleaned[:20]!r} is not a market code; write a code such as DE, EU or US-CA.",
            field="market",
        )
    if policy.intake.markets and cleaned not in policy.intake.markets:
        choices = ", ".join(policy.intake.markets)
        raise InvalidInput(
            f"Market {cleaned!r} is not one this team covers: {choices}.", field="market"
        )
    return cleaned
