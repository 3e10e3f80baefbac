"""Who may take which step, from the policy's ``lifecycle.authorisation``.

Steps on one incident are enforced in the domain, by the functions that make the change
(``incidents.change_severity``, ``change_status``, ``assign_owner``, ``add_note``,
``roles.assign``, ``containment.log_action``, ``followups.complete_followup``…), so every
surface (card, command, modal, reminder button, reaction) obeys them alike. Steps about
the whole workspace (exports, charts, statistics, on-call overrides) have no incident to
hang on: their listener calls :func:`enforce_workspace` before doing anything.

A refusal is itself a fact worth keeping, so it is committed in a transaction of its
own before it is raised: on the incident's timeline (kind ``refused``), or, without an
incident, in the append-only ``refusals`` table.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from storage.models import Refusal
from workflows.clock import Clock
from workflows.errors import NotAllowed
from workflows.lifecycle_policy import Action, IncidentAction, WorkspaceAction
from workflows.policy import Policy
from workflows.timeline import record_event

GroupMembers = Callable[[str], frozenset[str]]
"""A user group id (``S…``) -> the user ids in it (the directory's ``members_of``)."""

MAX_DETAIL = 500

# What each action is, as it reads after "may" and after "was not allowed to".
_DOING: dict[Action, str] = {
    "resolve": "resolve the incident",
    "close": "close the incident",
    "reopen": "reopen the incident",
    "downgrade": "downgrade the severity",
    "assign_role": "assign roles",
    "acknowledge": "acknowledge the incident",
    "snooze": "snooze the incident's reminders",
    "note": "add notes to the timeline",
    "update": "post status updates",
    "containment": "log containment or mark the incident contained",
    "followup": "add, complete or snooze follow-ups",
    "deadline": "set the external deadline",
    "export": "export incident records",
    "chart": "post incident charts",
    "stats": "see incident statistics",
    "oncall_override": "set or cancel on-call overrides",
}

# The rule that entering the status stamping each clock needs.
_ENTERING: dict[str, IncidentAction] = {
    "resolved": "resolve",
    "closed": "close",
    "contained": "containment",
}


def nobody(_group: str) -> frozenset[str]:
    """The group lookup for callers that know of no groups: every group is empty."""
    return frozenset()


def severity_action(policy: Policy, before: str, after: str) -> IncidentAction | None:
    """``downgrade`` when ``after`` is less severe (later in the policy's list), else None.

    A stored severity the policy no longer lists is not ranked, so no rule applies.
    """
    keys = [severity.key for severity in policy.severities]
    if before in keys and after in keys and keys.index(after) > keys.index(before):
        return "downgrade"
    return None


def status_action(policy: Policy, before: str, after: str) -> IncidentAction | None:
    """The rule a move from status ``before`` to ``after`` needs, or None.

    Moving back from a resolved or closed status to an earlier one is ``reopen``;
    otherwise entering the status that stamps ``resolved`` is ``resolve``, the one that
    stamps ``closed`` is ``close``, and the one that stamps ``contained`` is
    ``containment`` (the card's button and "Mark contained" alike).
    """
    keys = [status.key for status in policy.statuses]
    stamps = {status.key: status.stamps for status in policy.statuses}
    if (
        stamps.get(before) in ("resolved", "closed")
        and after in keys
        and keys.index(after) < keys.index(before)
    ):
        return "reopen"
    return _ENTERING.get(stamps.get(after) or "")


def require(
    policy: Policy,
    action: Action,
    actor: str,
    *,
    owner: str | None,
    member_of: GroupMembers,
) -> None:
    """Raise :class:`NotAllowed` unless ``actor`` may take ``action``.

    ``anyone`` allows everybody. ``commander`` allows the incident's current ``owner``;
    ``admins`` does not. Admins (listed by user id, or by user group, looked up with
    ``member_of`` only when nothing else already allowed) may always.

    An incident with no owner yet must never be stuck: while ``owner`` is None, a
    ``commander`` rule lets anyone act. Once somebody owns the incident, the rule bites.
    """
    rules = policy.lifecycle.authorisation
    rule = rules.rule(action)
    if rule == "anyone" or (rule == "commander" and (owner is None or actor == owner)):
        return
    if actor in rules.admins:
        return
    groups = [principal for principal in rules.admins if principal.startswith("S")]
    if any(actor in member_of(group) for group in groups):
        return
    if rule == "commander":
        who = f"the incident's {policy.owner_role.label.lower()} or an admin"
    else:
        who = "an admin"
    raise NotAllowed(f"Only {who} may {_DOING[action]}.", action=action, actor=actor)


def enforce(
    session: Session,
    incident_id: int,
    policy: Policy,
    action: IncidentAction,
    actor: str,
    clock: Clock,
    *,
    owner: str | None,
    member_of: GroupMembers,
) -> None:
    """:func:`require`, recording a refusal on the timeline before raising it.

    The caller's transaction is rolled back first (the attempt changes nothing, and
    its row locks must go before another transaction writes); the ``refused`` event
    (data: action, actor) is then committed on its own, so it outlives the refusal.
    """
    try:
        require(policy, action, actor, owner=owner, member_of=member_of)
    except NotAllowed:
        bind = session.get_bind()
        session.rollback()
        with Session(bind) as own, own.begin():
            record_event(
                own,
                incident_id,
                clock.now(),
                actor,
                "refused",
                f"was not allowed to {_DOING[action]}",
                {"action": action, "actor": actor},
            )
        raise


def enforce_workspace(
    session: Session,
    policy: Policy,
    action: WorkspaceAction,
    actor: str,
    clock: Clock,
    *,
    member_of: GroupMembers,
    detail: str = "",
) -> None:
    """:func:`require` for a step about no one incident, keeping a refusal in ``refusals``.

    ``detail`` is what was asked for (the command's text), so the trail says what was
    refused. As with :func:`enforce`, the caller's transaction is rolled back and the
    refusal committed on its own.
    """
    try:
        require(policy, action, actor, owner=None, member_of=member_of)
    except NotAllowed:
        bind = session.get_bind()
        session.rollback()
        with Session(bind) as own, own.begin():
            own.add(
                Refusal(
                    occurred_at=clock.now(),
                    actor=actor,
                    action=action,
                    detail=detail[:MAX_DETAIL],
                )
            )
        raise
