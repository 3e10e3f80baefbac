"""Reading what a modal submitted: its inputs' values and its private metadata."""

from __future__ import annotations

import json
from typing import Any


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
            else:
                flat[block_id] = state.get("value")
    return flat


def metadata(view: dict[str, Any]) -> dict[str, Any]:
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except json.JSONDecodeError:
        return {}
    return data if isinstance(data, dict) else {}
