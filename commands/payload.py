"""Reading what Slack sent: who acted, numbers carried in buttons, what a modal submitted."""

from __future__ import annotations

import json
from typing import Any

from workflows.errors import InvalidInput


def state_values(view: dict[str, Any]) -> dict[str, object]:
    """Flatten ``state.values`` to one value per input block, whatever its element type.

    Shapes Slack never sends (a select whose option is not an object, say) read as no
    value, so the form's own validation answers instead of a crash.
    """
    flat: dict[str, object] = {}
    for block_id, actions in _mapping(_mapping(view.get("state")).get("values")).items():
        for state in _mapping(actions).values():
            flat[block_id] = _value(_mapping(state))
    return flat


def _value(state: dict[str, Any]) -> object:
    kind = state.get("type")
    if kind == "static_select":
        return _mapping(state.get("selected_option")).get("value")
    if kind == "checkboxes":
        chosen = state.get("selected_options")
        return [_mapping(o).get("value") for o in chosen] if isinstance(chosen, list) else []
    if kind == "users_select":
        return state.get("selected_user")
    if kind == "datetimepicker":
        return state.get("selected_date_time")
    return state.get("value")


def _mapping(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def metadata(view: dict[str, Any]) -> dict[str, Any]:
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except (json.JSONDecodeError, TypeError):
        return {}
    return data if isinstance(data, dict) else {}


def metadata_incident(view: dict[str, Any]) -> int:
    """The incident a form was opened for (its private_metadata), or a clear refusal."""
    found = metadata(view).get("incident_id")
    if isinstance(found, int) and not isinstance(found, bool) and found > 0:
        return found
    raise InvalidInput("This form does not belong to an incident any more; open it again.")


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
