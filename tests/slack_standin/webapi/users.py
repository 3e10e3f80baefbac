"""Identity methods: auth.test, users.info, users.lookupByEmail."""

from __future__ import annotations

from typing import Any

from .base import ApiCall, ApiError
from .render import user_json


def auth_test(call: ApiCall) -> dict[str, Any]:
    """Who the token belongs to: the bot user of the workspace."""
    ws = call.ws
    bot = ws.users[ws.bot_user_id]
    return {
        "url": f"{call.base_url}/",
        "team": ws.team_name,
        "user": bot.name,
        "team_id": ws.team_id,
        "user_id": bot.id,
        "bot_id": ws.bot_id,
        "app_id": ws.app_id,
        "is_enterprise_install": False,
    }


def users_info(call: ApiCall) -> dict[str, Any]:
    """A user's profile, time zone included; ``user_not_found`` for unknown ids."""
    user = call.user(call.text("user"))
    return {"user": user_json(call.ws, user, include_locale=call.flag("include_locale"))}


def users_lookup_by_email(call: ApiCall) -> dict[str, Any]:
    """The user with that email; Slack's error here is ``users_not_found`` (plural)."""
    email = (call.text("email") or "").lower()
    for user in call.ws.users.values():
        if user.email is not None and user.email.lower() == email:
            return {"user": user_json(call.ws, user)}
    raise ApiError("users_not_found")
