"""Who may take the consequential steps, from the policy's ``lifecycle.authorisation``.

The rules are enforced here, in the domain, by the functions that make the change
(``incidents.change_severity``, ``incidents.change_status``, ``incidents.assign_owner``,
``roles.assign``), so every surface (card, command, modal) obeys them alike.

A refusal is itself a fact worth keeping: :func:`enforce` records it on the incident's
timeline (kind ``refused``) in a transaction of its own, committed, before raising.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from workflows.clock import Clock
from workflows.errors import NotAllowed
from workflows.lifecycle_policy import Action
from workflows.policy import Policy
from workflows.timeline import record_event

GroupMembers = Callable[[str], frozenset[str]]
"""A user group id (``S…``) -> the user ids in it (the directory's ``members_of``)."""

# What each action is, as it reads after "may" and after "was not allowed to".
_DOING: dict[Action, str] = {
    "resolve": "resolve the incident",
    "close": "close the incident",
    "reopen": "reopen the incident",
    "downgrade": "downgrade the severity",
    "assign_role": "assign roles",
}


def nobody(_group: str) -> frozenset[str]:
    """The group lookup for callers that know of no groups: every group is empty."""
    return frozenset()


def severity_action(policy: Policy, before: str, after: str) -> Action | None:
    """``downgrade`` when ``after`` is less severe (later in the policy's list), else None.

    A stored severity the policy no longer lists is not ranked, so no rule applies.
    """
    keys = [severity.key for severity in policy.severities]
    if before in keys and after in keys and keys.index(after) > keys.index(before):
        return "downgrade"
    return None


def status_action(policy: Policy, before: str, after: str) -> Action | None:
    """The rule a move from status ``before`` to ``after`` needs, or None.

    Moving back from a resolved or closed status to an earlier one is ``reopen``;
    otherwise entering the status that stamps ``resolved`` is ``resolve`` and the one
    that stamps ``closed`` is ``close``.
    """
    keys = [status.key for status in policy.statuses]
    stamps = {status.key: status.stamps for status in policy.statuses}
    if (
        stamps.get(before) in ("resolved", "closed")
        and after in keys
        and keys.index(after) < keys.index(before)
    ):
        return "reopen"
    if stamps.get(after) == "resolved":
        return "resolve"
    if stamps.get(after) == "closed":
        return "close"
    return None


def require(
    policy: Policy,
    action: Action,
    actor: str,
    *,
    owner: str | None,
    member_of: GroupMembers,
) -> None:
    """Raise :class:`NotAllowed` unless ``actor`` may take ``action``.

    ``actor`` is allowed when the action's rule is ``anyone``, or when ``actor`` is the
    incident's current ``owner`` (its commander), or is listed in ``admins`` by user id,
    or is a member of a user group listed there (looked up with ``member_of``, and
    only when nothing else already allowed it).

    An incident with no owner yet must never be stuck: while ``owner`` is None, a
    ``commander`` rule lets anyone act. Once somebody owns the incident, the rule bites.
    """
    rules = policy.lifecycle.authorisation
    if getattr(rules, action) == "anyone" or owner is None or actor == owner:
        return
    if actor in rules.admins:
        return
    groups = [principal for principal in rules.admins if principal.startswith("S")]
    if any(actor in member_of(group) for group in groups):
        return
    commander = policy.owner_role.label.lower()
    raise NotAllowed(
        f"Only the incident's {commander} or an admin may {_DOING[action]}.",
        action=action,
        actor=actor,
    )


def enforce(
    session: Session,
    incident_id: int,
    policy: Policy,
    action: Action,
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
