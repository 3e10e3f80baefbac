"""The one check a listener makes before a step about no one incident (an export, a chart,
the statistics, an on-call override): the policy's workspace rules, refusals kept."""

from __future__ import annotations

from commands.services import Services
from workflows.authorisation import enforce_workspace
from workflows.lifecycle_policy import WorkspaceAction


def require_workspace(services: Services, action: WorkspaceAction, user: str, detail: str) -> None:
    """Raise ``NotAllowed`` (kept in the ``refusals`` table) unless ``user`` may ``action``.

    Called first, before the text is even parsed: a refused person learns only that the
    step is not theirs, and the trail says what they typed (``detail``).
    """
    with services.sessions() as session:
        enforce_workspace(
            session,
            services.policy,
            action,
            user,
            services.clock,
            member_of=services.directory.members_of,
            detail=detail,
        )
