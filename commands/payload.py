"""Reading what Slack sent: who acted, numbers carried in buttons, what a modal submitted."""

from __future__ import annotations

import json
from typing import Any

from workflows.errors import InvalidInput


def state_values(view: dict[str, Any]) -> dict[str, object]:
    """Flatten ``state.values`` to one value per input block, whatever its element type."""
    flat: dict[str, object] = {}
    for block_id, actions in view.get("state", {}).get("values", {}).items():
        for state in actions.values():
            kind = state.get("type")
            if kind == "static_select":
                flat[block_id] = (state.get("selected_option") or {}).get("value")
            elif kind == "checkboxes":
                flat[block_id] = [o.get("value") for o in state.get("selected_options") or []]
            elif kind == "users_select":
                flat[block_id] = state.get("selected_user")
            elif kind == "datetimepicker":
                flat[block_id] = state.get("selected_date_time")
            else:
                flat[block_id] = state.get("value")
    return flat


def metadata(view: dict[str, Any]) -> dict[str, Any]:
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except json.JSONDecodeError:
        return {}
    return data if isinstance(data, dict) else {}


def text_value(values: dict[str, object], block_id: str) -> str | None:
    """A text input's or a single select's value from :func:`state_values`; None if empty."""
    value = values.get(block_id)
    return value if isinstance(value, str) else None


def acting_user(body: dict[str, Any]) -> str:
    """The user who typed the command (``user_id``) or clicked or submitted (``user.id``)."""
    return str(body.get("user_id") or body["user"]["id"])


def button_number(value: object, what: str) -> int:
    """The id a button carries as its value; a clear refusal for anything else."""
    try:
        return int(str(value))
    except ValueError:
        raise InvalidInput(f"That button does not belong to {what}.") from None
