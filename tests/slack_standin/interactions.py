"""What a user can do with rendered blocks, and what Slack reports about it.

Finding the element a test clicks (it must be in the rendered blocks, or the test fails
loudly, because a real user can only click what the bot rendered), the ``actions[0]``
object of a block_actions payload, and ``state.values`` of a submitted modal with the
shape each element type has (PAYLOADS.md sections 3 and 4). The Slack client's own
checks are applied too: a required input left empty, or text longer than the input's
``max_length``, cannot be submitted.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from typing import Any

_MULTI_KEYS = {
    "multi_static_select": "selected_options",
    "multi_external_select": "selected_options",
    "checkboxes": "selected_options",
    "multi_users_select": "selected_users",
    "multi_conversations_select": "selected_conversations",
    "multi_channels_select": "selected_channels",
}
_SINGLE_KEYS = {
    "users_select": "selected_user",
    "conversations_select": "selected_conversation",
    "channels_select": "selected_channel",
    "datepicker": "selected_date",
    "timepicker": "selected_time",
    "datetimepicker": "selected_date_time",
}
_OPTION_ELEMENTS = {"static_select", "external_select", "radio_buttons", "overflow"}
_TEXT_ELEMENTS = {"plain_text_input", "email_text_input", "url_text_input", "number_text_input"}
_INITIAL_KEYS = {
    "users_select": "initial_user",
    "conversations_select": "initial_conversation",
    "channels_select": "initial_channel",
    "datepicker": "initial_date",
    "timepicker": "initial_time",
    "datetimepicker": "initial_date_time",
    "multi_users_select": "initial_users",
    "multi_conversations_select": "initial_conversations",
    "multi_channels_select": "initial_channels",
}


def interactive_elements(blocks: list[dict[str, Any]]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(block_id, element) for everything a user can act on in a message or view."""
    for block in blocks:
        block_id = str(block.get("block_id", ""))
        kind = block.get("type")
        if kind == "actions":
            for element in block.get("elements", []):
                yield block_id, element
        elif kind == "section" and isinstance(block.get("accessory"), dict):
            yield block_id, block["accessory"]
        elif kind == "input" and block.get("dispatch_action") and "element" in block:
            yield block_id, block["element"]


def find_element(blocks: list[dict[str, Any]], action_id: str) -> tuple[str, dict[str, Any]]:
    """The element with ``action_id``; AssertionError when the message does not show one."""
    for block_id, element in interactive_elements(blocks):
        if element.get("action_id") == action_id and element.get("type") != "image":
            return block_id, element
    shown = sorted(
        str(e.get("action_id")) for _, e in interactive_elements(blocks) if "action_id" in e
    )
    raise AssertionError(f"no element with action_id {action_id!r} is rendered; clickable: {shown}")


def _all_options(element: Mapping[str, Any]) -> list[dict[str, Any]]:
    options = list(element.get("options", []))
    for group in element.get("option_groups", []):
        options += group.get("options", [])
    return options


def _option(element: Mapping[str, Any], value: str) -> dict[str, Any]:
    for option in _all_options(element):
        if option.get("value") == value:
            picked = {"text": copy.deepcopy(option["text"]), "value": option["value"]}
            if "description" in option:
                picked["description"] = copy.deepcopy(option["description"])
            return picked
    offered = [o.get("value") for o in _all_options(element)]
    raise AssertionError(
        f"option {value!r} is not offered by {element.get('action_id')!r}; offered: {offered}"
    )


def action_object(
    element: Mapping[str, Any],
    block_id: str,
    *,
    action_ts: str,
    value: str | None = None,
    selected_option: str | None = None,
    selected_user: str | None = None,
) -> dict[str, Any]:
    """``actions[0]`` of a block_actions payload for a click on ``element``.

    Buttons report their text and value (``value`` overrides the element's own, for
    tests of tampered payloads). Option elements need ``selected_option`` (a value the
    element offers), users_select needs ``selected_user``; conversations/channels selects
    and pickers take ``value`` as the selection.
    """
    kind = str(element.get("type"))
    action: dict[str, Any] = {
        "type": kind,
        "action_id": element.get("action_id"),
        "block_id": block_id,
    }
    if kind == "button":
        text = dict(element.get("text", {}))
        text.setdefault("emoji", True)
        action["text"] = text
        chosen = value if value is not None else element.get("value")
        if chosen is not None:
            action["value"] = chosen
        if "style" in element:
            action["style"] = element["style"]
    elif kind in _OPTION_ELEMENTS:
        if selected_option is None:
            raise AssertionError(f"clicking a {kind} needs selected_option=<value>")
        action["selected_option"] = _option(element, selected_option)
        if "placeholder" in element:
            action["placeholder"] = element["placeholder"]
    elif kind == "users_select":
        if selected_user is None:
            raise AssertionError("clicking a users_select needs selected_user=<user id>")
        action["selected_user"] = selected_user
    elif kind == "checkboxes":
        chosen_values = [selected_option] if selected_option is not None else []
        action["selected_options"] = [_option(element, v) for v in chosen_values]
    elif kind in _SINGLE_KEYS:
        if value is None:
            raise AssertionError(f"clicking a {kind} needs value=<selection>")
        action[_SINGLE_KEYS[kind]] = value
    elif value is not None:
        action["value"] = value
    action["action_ts"] = action_ts
    return action


def state_entry(action: Mapping[str, Any]) -> dict[str, Any] | None:
    """The ``state.values`` entry a stateful element reports after a click (None: buttons)."""
    kind = action["type"]
    if kind in ("button", "overflow", "workflow_button"):
        return None
    entry = {"type": kind}
    for key, item in action.items():
        if key.startswith("selected_") or key == "value":
            entry[key] = item
    return entry


# ---- view submissions -------------------------------------------------------------------


def _input_elements(view: Mapping[str, Any]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(block, element) for every input block of a view."""
    found = []
    for block in view.get("blocks", []):
        if block.get("type") == "input" and isinstance(block.get("element"), dict):
            found.append((block, block["element"]))
    return found


def _initial(element: Mapping[str, Any]) -> Any:
    """The value an element starts with, in the same form a test passes values."""
    kind = element.get("type")
    if kind in _TEXT_ELEMENTS:
        return element.get("initial_value") or None
    if kind in ("static_select", "external_select", "radio_buttons"):
        option = element.get("initial_option")
        return option.get("value") if isinstance(option, dict) else None
    if kind in ("multi_static_select", "multi_external_select", "checkboxes"):
        return [o.get("value") for o in element.get("initial_options", [])]
    key = _INITIAL_KEYS.get(str(kind))
    if key is not None:
        return element.get(key, [] if str(kind).startswith("multi_") else None)
    return None


def _shaped(element: Mapping[str, Any], value: Any) -> dict[str, Any]:
    """``state.values[block_id][action_id]`` for ``element`` holding ``value``."""
    kind = str(element.get("type"))
    entry: dict[str, Any] = {"type": kind}
    if kind in _TEXT_ELEMENTS:
        entry["value"] = None if value in (None, "") else str(value)
    elif kind in ("static_select", "external_select", "radio_buttons"):
        entry["selected_option"] = None if value is None else _option(element, str(value))
    elif kind == "checkboxes" and isinstance(value, bool):
        options = _all_options(element)
        if len(options) != 1:
            raise AssertionError("a bool value only fits a checkboxes element with one option")
        entry["selected_options"] = [_option(element, options[0]["value"])] if value else []
    elif kind in ("multi_static_select", "multi_external_select", "checkboxes"):
        entry["selected_options"] = [_option(element, str(v)) for v in (value or [])]
    elif kind in _MULTI_KEYS:
        entry[_MULTI_KEYS[kind]] = list(value or [])
    elif kind in _SINGLE_KEYS:
        entry[_SINGLE_KEYS[kind]] = value
    elif kind == "rich_text_input":
        entry["rich_text_value"] = (
            None
            if not value
            else {
                "type": "rich_text",
                "elements": [
                    {"type": "rich_text_section", "elements": [{"type": "text", "text": value}]}
                ],
            }
        )
    elif kind == "file_input":
        entry["files"] = list(value or [])
    return entry


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value is False


def view_state_values(view: Mapping[str, Any], values: Mapping[str, object]) -> dict[str, Any]:
    """``state.values`` for submitting ``view`` with ``values``.

    Keys of ``values`` are action_ids, or ``"block_id.action_id"`` where an action_id is
    used by several blocks. Inputs not given keep their initial value (or are empty).
    """
    inputs = _input_elements(view)
    by_key: dict[str, list[tuple[str, str]]] = {}
    for block, element in inputs:
        block_id, action_id = str(block.get("block_id")), str(element.get("action_id"))
        by_key.setdefault(action_id, []).append((block_id, action_id))
        by_key.setdefault(f"{block_id}.{action_id}", []).append((block_id, action_id))
    chosen: dict[tuple[str, str], object] = {}
    for key, value in values.items():
        targets = by_key.get(key)
        if not targets:
            raise AssertionError(
                f"the view has no input {key!r}; inputs: {sorted(k for k in by_key if '.' in k)}"
            )
        if len(targets) > 1:
            raise AssertionError(f"{key!r} is ambiguous; use 'block_id.action_id'")
        chosen[targets[0]] = value
    state: dict[str, Any] = {}
    for block, element in inputs:
        block_id, action_id = str(block.get("block_id")), str(element.get("action_id"))
        value = chosen.get((block_id, action_id), _initial(element))
        label = block.get("label", {}).get("text", block_id)
        if not block.get("optional", False) and _is_empty(value):
            raise AssertionError(
                f"required input {label!r} ({block_id}.{action_id}) is empty; "
                "the Slack client would not let the user submit"
            )
        max_length = element.get("max_length")
        if isinstance(value, str) and isinstance(max_length, int) and len(value) > max_length:
            raise AssertionError(f"input {label!r} takes at most {max_length} characters")
        min_length = element.get("min_length")
        if (
            isinstance(value, str)
            and value
            and isinstance(min_length, int)
            and len(value) < min_length
        ):
            raise AssertionError(f"input {label!r} needs at least {min_length} characters")
        state.setdefault(block_id, {})[action_id] = _shaped(element, value)
    return state


def input_block_ids(view: Mapping[str, Any]) -> set[str]:
    """block_ids of the view's input blocks (what ``response_action: errors`` may name)."""
    return {str(block.get("block_id")) for block, _ in _input_elements(view)}
