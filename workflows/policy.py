"""The policy file (``FIREBREAK_CONFIG``): severities, statuses, domains, roles, channels.

Every field has a default, so Firebreak runs with no file at all. A file that is
present is validated strictly and every bad field is reported by its path.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Literal, Self

import yaml
from pydantic import (
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

from workflows.escalation_policy import EscalationPolicy
from workflows.insights_policy import DigestPolicy, Intake, Source
from workflows.lifecycle_policy import Kind, Lifecycle
from workflows.oncall_policy import OnCallPolicy
from workflows.policy_types import Blurb, ChannelId, Key, Label
from workflows.policy_types import Strict as _Strict


class Severity(_Strict):
    key: Key
    label: Label
    description: Blurb = ""


class Status(_Strict):
    """A lifecycle step. ``stamps`` names the incident clock that entering it stops."""

    key: Key
    label: Label
    description: Blurb = ""
    stamps: Literal["contained", "resolved", "closed"] | None = None


class Domain(_Strict):
    key: Key
    label: Label


class Role(_Strict):
    key: Key
    label: Label
    description: Blurb = ""
    owner: bool = False


class Channels(_Strict):
    broadcast: ChannelId | None = Field(
        default=None, description="Channel id where declarations are announced."
    )
    prefix: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,19}$")] = "inc"


DEFAULT_SEVERITIES = (
    Severity(
        key="sev1", label="SEV1", description="Critical: broad harm, legal exposure or outage"
    ),
    Severity(
        key="sev2", label="SEV2", description="Major: significant harm or many users affected"
    ),
    Severity(key="sev3", label="SEV3", description="Moderate: contained harm, some users affected"),
    Severity(key="sev4", label="SEV4", description="Minor: low harm, handled in working hours"),
)
DEFAULT_STATUSES = (
    Status(key="investigating", label="Investigating", description="Finding scope and cause"),
    Status(
        key="contained", label="Contained", description="Harm stopped spreading", stamps="contained"
    ),
    Status(key="mitigated", label="Mitigated", description="Impact reduced, fix in progress"),
    Status(key="resolved", label="Resolved", description="Impact over", stamps="resolved"),
    Status(
        key="closed",
        label="Closed",
        description="Report written, channel archived",
        stamps="closed",
    ),
)
DEFAULT_DOMAINS = (
    Domain(key="counterfeit", label="Counterfeit"),
    Domain(key="prohibited_item", label="Prohibited item"),
    Domain(key="product_safety", label="Product safety"),
    Domain(key="fraud_scam", label="Fraud / scam"),
    Domain(key="harmful_content", label="Harmful content"),
    Domain(key="ip_infringement", label="IP infringement"),
    Domain(key="seller_identity", label="Seller identity"),
    Domain(key="regulatory_request", label="Regulatory request"),
    Domain(key="data_privacy", label="Data / privacy"),
    Domain(key="platform_outage", label="Platform outage"),
    Domain(key="other", label="Other"),
)
DEFAULT_ROLES = (
    Role(
        key="commander", label="Commander", description="Owns the incident and decides", owner=True
    ),
    Role(key="comms", label="Comms", description="Writes updates for stakeholders"),
    Role(key="scribe", label="Scribe", description="Keeps the timeline complete"),
    Role(key="investigator", label="Investigator", description="Finds scope and root cause"),
    Role(key="legal", label="Legal", description="Advises on legal and regulatory duties"),
    Role(key="policy", label="Policy", description="Interprets platform policy"),
)


def _unique_keys(
    items: Sequence[Severity | Status | Domain | Role | Kind | Source], what: str
) -> None:
    keys = [item.key for item in items]
    duplicates = sorted({key for key in keys if keys.count(key) > 1})
    if duplicates:
        raise ValueError(f"{what} keys must be unique; repeated: {', '.join(duplicates)}")


class Policy(_Strict):
    """Everything a team can tune without code."""

    severities: tuple[Severity, ...] = Field(
        default=DEFAULT_SEVERITIES, min_length=1, max_length=20
    )
    default_severity: Key = "sev3"
    statuses: tuple[Status, ...] = Field(default=DEFAULT_STATUSES, min_length=2, max_length=10)
    domains: tuple[Domain, ...] = Field(default=DEFAULT_DOMAINS, min_length=1, max_length=100)
    default_domain: Key = "other"
    roles: tuple[Role, ...] = Field(default=DEFAULT_ROLES, min_length=1, max_length=20)
    channels: Channels = Channels()
    oncall: OnCallPolicy = OnCallPolicy()
    escalation: EscalationPolicy = EscalationPolicy()
    lifecycle: Lifecycle = Lifecycle()
    intake: Intake = Intake()
    digest: DigestPolicy = DigestPolicy()

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        _unique_keys(self.severities, "severity")
        _unique_keys(self.statuses, "status")
        _unique_keys(self.domains, "domain")
        _unique_keys(self.roles, "role")
        if self.default_severity not in {s.key for s in self.severities}:
            raise ValueError(f"default_severity {self.default_severity!r} is not a listed severity")
        if self.default_domain not in {d.key for d in self.domains}:
            raise ValueError(f"default_domain {self.default_domain!r} is not a listed domain")
        if self.statuses[0].stamps is not None:
            raise ValueError("the first status is where incidents start; it cannot stamp a clock")
        if sum(1 for s in self.statuses if s.stamps == "resolved") != 1:
            raise ValueError("exactly one status must have stamps: resolved")
        if sum(1 for r in self.roles if r.owner) != 1:
            raise ValueError("exactly one role must have owner: true")
        unknown_severities = sorted(
            set(self.escalation.severities) - {s.key for s in self.severities}
        )
        if unknown_severities:
            names = ", ".join(unknown_severities)
            raise ValueError(f"escalation.severities names unknown severity(ies): {names}")
        _unique_keys(self.lifecycle.containment_kinds, "containment kind")
        _unique_keys(self.lifecycle.root_causes, "root cause")
        _unique_keys(self.intake.sources, "source")
        for subscription in self.lifecycle.stakeholders:
            strays = sorted(
                (set(subscription.domains) - {d.key for d in self.domains})
                | (set(subscription.severities) - {s.key for s in self.severities})
            )
            if strays:
                names = ", ".join(strays)
                raise ValueError(
                    f"lifecycle.stakeholders names unknown domain(s)/severity(ies): {names}"
                )
        unknown = sorted(set(self.oncall.domain_rotations) - {d.key for d in self.domains})
        if unknown:
            raise ValueError(
                f"oncall.domain_rotations names unknown domain(s): {', '.join(unknown)}"
            )
        return self

    # Lookups used across the domain.
    def severity(self, key: str) -> Severity:
        return next(s for s in self.severities if s.key == key)

    def status(self, key: str) -> Status:
        return next(s for s in self.statuses if s.key == key)

    def domain(self, key: str) -> Domain:
        return next(d for d in self.domains if d.key == key)

    def label(self, kind: Literal["severity", "status", "domain"], key: str) -> str:
        """The label for a stored key; a key the policy no longer lists is shown as stored."""
        items: Sequence[Severity | Status | Domain]
        if kind == "severity":
            items = self.severities
        elif kind == "status":
            items = self.statuses
        else:
            items = self.domains
        return next((item.label for item in items if item.key == key), key)

    @property
    def initial_status(self) -> Status:
        return self.statuses[0]

    @property
    def owner_role(self) -> Role:
        return next(r for r in self.roles if r.owner)

    def find_severity(self, text: str) -> Severity | None:
        """Match a key or label case-insensitively, and bare numbers (``1`` means the first)."""
        wanted = text.strip().lower()
        for severity in self.severities:
            if wanted in (severity.key, severity.label.lower()):
                return severity
        if wanted.isdigit() and 1 <= int(wanted) <= len(self.severities):
            return self.severities[int(wanted) - 1]
        return None

    def find_domain(self, text: str) -> Domain | None:
        wanted = text.strip().lower().replace("-", "_").replace(" ", "_")
        for domain in self.domains:
            if wanted in (domain.key, domain.label.lower().replace(" ", "_")):
                return domain
        return None


class PolicyError(Exception):
    """The policy file cannot be used; the message names every bad field."""


def load_policy(path: Path | None) -> Policy:
    if path is None:
        return Policy()
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise PolicyError(f"cannot read policy file {path}: {error.strerror}") from error
    except yaml.YAMLError as error:
        raise PolicyError(f"policy file {path} is not valid YAML: {error}") from error
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise PolicyError(f"policy file {path} must be a mapping of settings at the top level")
    try:
        return Policy.model_validate(raw)
    except ValidationError as error:
        raise PolicyError(describe_validation_error(path, error)) from error


def describe_validation_error(path: Path, error: ValidationError) -> str:
    lines = [f"policy file {path} has {error.error_count()} problem(s):"]
    for problem in error.errors():
        where = ".".join(str(part) for part in problem["loc"]) or "(top level)"
        lines.append(f"  - {where}: {problem['msg']}")
    return "\n".join(lines)
