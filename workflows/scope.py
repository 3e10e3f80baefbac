"""Which incidents a report counts: one domain, market and/or source, read as people type them.

``/incident stats``, ``/incident chart``, ``/incident list`` and their CLI twins share this,
so a filter word means the same everywhere. Any short word could be a market code, so in a
list of words a market is recognised only when the policy lists it (``intake.markets``) or,
when the policy lists none, when some incident was declared with it: a misspelt domain is
refused instead of quietly counting nothing.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict
from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from storage.models import Incident
from workflows.errors import InvalidInput
from workflows.insights_policy import MARKET_CODE
from workflows.policy import Policy


class Scope(BaseModel):
    """Every incident, or one domain, market and/or source (keys as stored).

    Markets are stored upper-case (``DE``); domain and source are policy keys.
    """

    model_config = ConfigDict(frozen=True)

    domain: str | None = None
    market: str | None = None
    source: str | None = None

    @property
    def narrowed(self) -> bool:
        return any(value is not None for value in (self.domain, self.market, self.source))

    def as_typed(self) -> tuple[str, ...]:
        """The filters as keys, the way they were typed back: ("domain counterfeit", …)."""
        named = (("domain", self.domain), ("source", self.source), ("market", self.market))
        return tuple(f"{name} {value}" for name, value in named if value is not None)

    def labels(self, policy: Policy) -> tuple[str, ...]:
        """The filters as people read them: ("Counterfeit", "market DE", "from Regulator")."""
        labels = []
        if self.domain is not None:
            labels.append(policy.label("domain", self.domain))
        if self.market is not None:
            labels.append(f"market {self.market}")
        if self.source is not None:
            labels.append(f"from {policy.intake.source_label(self.source) or self.source}")
        return tuple(labels)


def in_scope(scope: Scope) -> list[ColumnElement[bool]]:
    """SQL conditions on ``Incident`` for the scope's domain, market and source (when given)."""
    conditions: list[ColumnElement[bool]] = []
    if scope.domain is not None:
        conditions.append(Incident.domain == scope.domain)
    if scope.market is not None:
        conditions.append(Incident.market == scope.market)
    if scope.source is not None:
        conditions.append(Incident.source == scope.source)
    return conditions


class BadScope(InvalidInput):
    """A domain, source or market that cannot be used; the message lists the choices."""


class UncoveredMarket(BadScope):
    """A well-formed market code that the policy's ``intake.markets`` does not list."""


def scope_for(
    policy: Policy,
    *,
    domain: str | None = None,
    market: str | None = None,
    source: str | None = None,
) -> Scope:
    """Read a domain, market and source as people write them (key or label; ``de``)."""
    domain_key = source_key = None
    if domain is not None:
        found = policy.find_domain(domain)
        if found is None:
            choices = ", ".join(f"`{d.key}`" for d in policy.domains)
            raise BadScope(f"Unknown domain `{domain[:30]}`. Choose one of {choices}.")
        domain_key = found.key
    if source is not None:
        found_source = policy.intake.find_source(source)
        if found_source is None:
            choices = ", ".join(f"`{s.key}`" for s in policy.intake.sources)
            raise BadScope(f"Unknown source `{source[:30]}`. Choose one of {choices}.")
        source_key = found_source.key
    return Scope(
        domain=domain_key,
        market=None if market is None else market_code(policy, market),
        source=source_key,
    )


def market_code(policy: Policy, text: str) -> str:
    """A market code upper-cased (``de`` is ``DE``), one the policy lists if it lists any."""
    code = text.strip().upper()
    if not MARKET_CODE.fullmatch(code):
        raise BadScope(f"`{text[:20]}` is not a market code; write a code such as DE, EU or US-CA.")
    if policy.intake.markets and code not in policy.intake.markets:
        raise UncoveredMarket(f"Market `{code}` is not one this team covers: {_listed(policy)}.")
    return code


def known_market(session: Session, policy: Policy, word: str) -> str | None:
    """``word`` as a market code, when it is one the policy lists or an incident was
    declared with (when the policy lists none); else None. Reads one row at most."""
    code = word.strip().upper()
    if not MARKET_CODE.fullmatch(code):
        return None
    if policy.intake.markets:
        return code if code in policy.intake.markets else None
    found = session.scalar(select(Incident.id).where(Incident.market == code).limit(1))
    return code if found is not None else None


def _listed(policy: Policy) -> str:
    markets = policy.intake.markets
    shown = ", ".join(markets[:20])
    return shown + (f" and {len(markets) - 20} more" if len(markets) > 20 else "")
