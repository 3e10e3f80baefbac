"""Surfaces: views.open, views.update, views.push, views.publish (modals and Home tab).

A modal needs a trigger_id issued by one of the stand-in's inbound requests: unknown
ones are ``invalid_trigger_id``, used ones ``exchanged_trigger_id``, ones older than 3 s
``expired_trigger_id``. A modal stack holds the root plus at most 2 pushed views.
"""

from __future__ import annotations

import copy
import secrets
from collections.abc import Mapping
from typing import Any

from ..blockkit import VIEW_MAX_BYTES, validate_view, view_size
from ..models import View
from ..workspace import TRIGGER_TTL, Trigger, Workspace
from .base import ApiCall, ApiError
from .content import assign_ids

STACK_MAX = 3
"""The root view plus 2 pushed views (PLATFORM.md, trigger_id)."""


def checked_view(raw: Any, *, kind: str | None = None) -> dict[str, Any]:
    """The view argument if Slack would accept it, else the :class:`ApiError` Slack gives."""
    if not isinstance(raw, Mapping):
        raise ApiError(
            "invalid_arguments", messages=["[ERROR] failed to parse view [json-pointer:/view]"]
        )
    if view_size(raw) > VIEW_MAX_BYTES:
        raise ApiError("view_too_large")
    problems = validate_view(raw)
    if kind is not None and raw.get("type") != kind and not problems:
        problems = [f"must be {kind} [json-pointer:/view/type]"]
    if problems:
        raise ApiError("invalid_arguments", messages=[f"[ERROR] {p}" for p in problems])
    return copy.deepcopy(dict(raw))


def stored_view(
    ws: Workspace,
    payload: Mapping[str, Any],
    *,
    view_id: str,
    root_view_id: str | None,
    previous_view_id: str | None,
) -> dict[str, Any]:
    """The full view object Slack returns and later sends back in payloads."""
    view: dict[str, Any] = {
        "id": view_id,
        "team_id": ws.team_id,
        "type": payload["type"],
        "blocks": assign_ids(list(payload.get("blocks", []))),
        "private_metadata": payload.get("private_metadata", ""),
        "callback_id": payload.get("callback_id", ""),
        "state": {"values": {}},
        "hash": f"{int(ws.now())}.{secrets.token_hex(4)}",
        "clear_on_close": payload.get("clear_on_close", False),
        "notify_on_close": payload.get("notify_on_close", False),
        "external_id": payload.get("external_id", ""),
        "root_view_id": root_view_id,
        "previous_view_id": previous_view_id,
        "app_id": ws.app_id,
        "app_installed_team_id": ws.team_id,
        "bot_id": ws.bot_id,
    }
    for key in ("title", "submit", "close", "submit_disabled"):
        if key in payload:
            view[key] = payload[key]
    return view


def check_trigger(ws: Workspace, trigger_id: str | None) -> Trigger:
    """The trigger if it may still be exchanged for a view."""
    trigger = ws.triggers.get(trigger_id or "")
    if trigger is None:
        raise ApiError("invalid_trigger_id")
    if trigger.used:
        raise ApiError("exchanged_trigger_id")
    if ws.now() - trigger.issued_at > TRIGGER_TTL:
        raise ApiError("expired_trigger_id")
    return trigger


def _check_external_id(ws: Workspace, payload: Mapping[str, Any], view_id: str | None) -> None:
    external_id = payload.get("external_id")
    if not external_id:
        return
    for other in ws.views.values():
        same = other.view.get("external_id") == external_id
        if same and other.id != view_id and other.state == "open":
            raise ApiError("duplicate_external_id")


def open_modal(
    ws: Workspace, payload: Mapping[str, Any], user_id: str, *, on_top_of: str | None = None
) -> View:
    """Store a new modal for ``user_id``: a new stack, or pushed onto ``on_top_of``'s."""
    view_id = ws.new_id("V")
    if on_top_of is None:
        root_id, previous = view_id, None
        ws.stacks[root_id] = [view_id]
    else:
        root_id = ws.views[on_top_of].root_view_id
        stack = ws.stacks[root_id]
        if len(stack) >= STACK_MAX:
            raise ApiError("push_limit_reached")
        previous = stack[-1]
        stack.append(view_id)
    body = stored_view(
        ws, payload, view_id=view_id, root_view_id=root_id, previous_view_id=previous
    )
    view = View(view_id, user_id, body, "open", {}, [], root_view_id=root_id)
    ws.views[view_id] = view
    return view


def replace_view(ws: Workspace, view: View, payload: Mapping[str, Any]) -> None:
    """Swap a view's content, keeping its id and place in the stack (new hash)."""
    view.view = stored_view(
        ws,
        payload,
        view_id=view.id,
        root_view_id=view.view.get("root_view_id"),
        previous_view_id=view.view.get("previous_view_id"),
    )
    view.errors = {}


def views_open(call: ApiCall) -> dict[str, Any]:
    """Open a modal with a fresh trigger_id, for the user the trigger belongs to."""
    ws = call.ws
    trigger = check_trigger(ws, call.text("trigger_id"))
    payload = checked_view(call.structured("view"), kind="modal")
    _check_external_id(ws, payload, None)
    trigger.used = True
    view = open_modal(ws, payload, trigger.user_id)
    return {"view": view.view}


def views_push(call: ApiCall) -> dict[str, Any]:
    """Push a view onto the open modal stack the trigger came from (at most 3 deep)."""
    ws = call.ws
    trigger = check_trigger(ws, call.text("trigger_id"))
    payload = checked_view(call.structured("view"), kind="modal")
    base = trigger.view_id
    if base is None or ws.views[base].state != "open":
        stack = ws.open_stack(trigger.user_id)
        base = stack[-1] if stack else None
    if base is None:
        raise ApiError("not_found", messages=["[ERROR] no open view to push onto"])
    _check_external_id(ws, payload, None)
    view = open_modal(ws, payload, trigger.user_id, on_top_of=base)
    trigger.used = True
    return {"view": view.view}


def views_update(call: ApiCall) -> dict[str, Any]:
    """Replace an open view found by ``view_id`` or ``external_id``; ``hash`` guards races."""
    ws = call.ws
    view_id, external_id = call.text("view_id"), call.text("external_id")
    if view_id is None and external_id is None:
        raise ApiError(
            "invalid_arguments", messages=["[ERROR] either view_id or external_id is required"]
        )
    target: View | None = None
    for candidate in ws.views.values():
        if view_id is not None:
            matches = candidate.id == view_id
        else:
            matches = candidate.view.get("external_id") == external_id
        if matches:
            target = candidate
    if target is None or target.state != "open":
        raise ApiError("not_found")
    payload = checked_view(call.structured("view"), kind=target.view["type"])
    expected = call.text("hash")
    if expected is not None and expected != target.view["hash"]:
        raise ApiError("hash_conflict")
    _check_external_id(ws, payload, target.id)
    replace_view(ws, target, payload)
    return {"view": target.view}


def views_publish(call: ApiCall) -> dict[str, Any]:
    """Publish (create or replace) a user's Home tab."""
    ws = call.ws
    user = call.user(call.text("user_id"))
    payload = checked_view(call.structured("view"), kind="home")
    existing = ws.views.get(ws.home_views.get(user.id, ""))
    expected = call.text("hash")
    if existing is not None:
        if expected is not None and expected != existing.view["hash"]:
            raise ApiError("hash_conflict")
        replace_view(ws, existing, payload)
        return {"view": existing.view}
    view_id = ws.new_id("V")
    body = stored_view(ws, payload, view_id=view_id, root_view_id=None, previous_view_id=None)
    ws.views[view_id] = View(view_id, user.id, body, "open", {}, [], root_view_id=view_id)
    ws.home_views[user.id] = view_id
    return {"view": body}
