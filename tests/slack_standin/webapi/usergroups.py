"""User groups: usergroups.users.list."""

from __future__ import annotations

from typing import Any

from .base import ApiCall, ApiError


def usergroups_users_list(call: ApiCall) -> dict[str, Any]:
    """The user ids in a group; ``no_such_subteam`` for an unknown id.

    The stand-in's groups are never disabled, so ``include_disabled`` changes nothing.
    """
    group = call.ws.usergroups.get(call.text("usergroup") or "")
    if group is None:
        raise ApiError("no_such_subteam")
    return {"users": list(group.users)}
