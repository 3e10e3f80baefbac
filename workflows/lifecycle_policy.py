"""The lifecycle part of the policy file: containment kinds, root causes, stakeholders,
timeline capture, closing, and who may do what."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Literal, get_args

from pydantic import Field, StringConstraints, ValidationInfo, field_validator

from workflows.durations import Duration
from workflows.policy_types import Blurb, ChannelId, Key, Label, Strict

# A Slack user id, or a user group id whose members all count.
Principal = Annotated[str, StringConstraints(pattern=r"^[UWS][A-Z0-9]{2,}$")]


class Kind(Strict):
    key: Key
    label: Label
    description: Blurb = ""


DEFAULT_CONTAINMENT = (
    Kind(key="listing_removed", label="Listings removed"),
    Kind(key="account_suspended", label="Accounts suspended"),
    Kind(key="content_removed", label="Content removed"),
    Kind(key="payout_held", label="Payouts held"),
    Kind(key="order_cancelled", label="Orders cancelled"),
    Kind(key="other", label="Other actions"),
)
DEFAULT_ROOT_CAUSES = (
    Kind(key="bad_actor", label="Bad actor", description="Deliberate abuse by users or sellers"),
    Kind(key="policy_gap", label="Policy gap", description="No policy covered it"),
    Kind(key="detection_gap", label="Detection gap", description="Our detection missed it"),
    Kind(key="process_failure", label="Process failure", description="A process was not followed"),
    Kind(key="software_defect", label="Software defect", description="A bug in our systems"),
    Kind(key="third_party", label="Third party", description="A vendor or partner failed"),
    Kind(key="other", label="Other"),
)


class Stakeholders(Strict):
    """A channel that receives status updates for some domains or severities (empty: all)."""

    channel: ChannelId
    domains: tuple[Key, ...] = ()
    severities: tuple[Key, ...] = ()


IncidentAction = Literal[
    "resolve",
    "close",
    "reopen",
    "downgrade",
    "assign_role",
    "acknowledge",
    "snooze",
    "note",
    "update",
    "containment",
    "followup",
    "deadline",
]
"""Steps taken on one incident: a rule may name its ``commander``."""
WorkspaceAction = Literal["export", "chart", "stats", "oncall_override"]
"""Steps about the whole workspace: there is no incident, so no commander to name."""
Action = IncidentAction | WorkspaceAction
WORKSPACE_ACTIONS: tuple[WorkspaceAction, ...] = get_args(WorkspaceAction)

Rule = Literal["anyone", "commander", "admins"]
WorkspaceRule = Literal["anyone", "admins"]


class Authorisation(Strict):
    """Who may take which step. Each rule is ``anyone``, ``commander`` or ``admins``.

    ``commander`` means the incident's current owner, or an admin; ``admins`` (users or
    user groups) may do everything. The defaults are what Firebreak always did: only the
    consequential steps (resolve, close, downgrade) are the commander's.
    """

    admins: tuple[Principal, ...] = ()
    resolve: Rule = "commander"
    close: Rule = "commander"
    reopen: Rule = "anyone"
    downgrade: Rule = "commander"
    assign_role: Rule = "anyone"
    acknowledge: Rule = "anyone"
    snooze: Rule = "anyone"
    note: Rule = "anyone"
    update: Rule = "anyone"
    containment: Rule = "anyone"
    followup: Rule = "anyone"
    deadline: Rule = "anyone"
    export: WorkspaceRule = "anyone"
    chart: WorkspaceRule = "anyone"
    stats: WorkspaceRule = "anyone"
    oncall_override: WorkspaceRule = "anyone"

    @field_validator(*WORKSPACE_ACTIONS, mode="before")
    @classmethod
    def _no_commander_outside_an_incident(cls, value: object, info: ValidationInfo) -> object:
        """Say why ``commander`` is wrong here, instead of only listing what is allowed."""
        if value == "commander":
            raise ValueError(
                f"`{info.field_name}` is not about one incident, so it has no commander: "
                "use `anyone` or `admins`"
            )
        return value

    def rule(self, action: Action) -> Rule:
        found: Rule = getattr(self, action)
        return found


class Lifecycle(Strict):
    containment_kinds: tuple[Kind, ...] = Field(
        default=DEFAULT_CONTAINMENT, min_length=1, max_length=50
    )
    root_causes: tuple[Kind, ...] = Field(default=DEFAULT_ROOT_CAUSES, min_length=1, max_length=50)
    stakeholders: tuple[Stakeholders, ...] = ()
    pin_emoji: Annotated[str, StringConstraints(pattern=r"^[a-z0-9_+'-]{1,64}$")] = "pushpin"
    archive_after: Duration = timedelta(days=1)
    authorisation: Authorisation = Authorisation()

    def stakeholder_channels(self, domain: str, severity: str) -> tuple[str, ...]:
        """The stakeholder channels subscribed to an incident of this domain and severity."""
        return tuple(
            s.channel
            for s in self.stakeholders
            if (not s.domains or domain in s.domains)
            and (not s.severities or severity in s.severities)
        )
