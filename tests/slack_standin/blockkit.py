"""Block Kit validation: the limits Slack enforces on blocks, elements and views.

Pure functions, no state, so the bot's own tests can check its Block Kit builders
directly::

    assert validate_blocks(render_card(incident), "message") == []
    assert validate_view(render_declare_modal()) == []

Each problem is a string in Slack's style, ``"<what> [json-pointer:/blocks/0/text/text]"``.
The Web API answers ``invalid_blocks`` (messages) or ``invalid_arguments`` (views) with
the problems as ``response_metadata.messages``, each prefixed with ``[ERROR]``.

Limits come from PLATFORM.md's Block Kit table (python-slack-sdk models and Slack's
block reference). Unknown keys are not rejected, to avoid false alarms; unknown block and
element types, missing required fields, wrong text types and every length and count
limit are.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any, Literal

Surface = Literal["message", "modal", "home"]

# ---- limits (PLATFORM.md, "Block Kit limits") ---------------------------------------
MAX_BLOCKS: Mapping[str, int] = {"message": 50, "modal": 100, "home": 100}
SECTION_TEXT_MAX = 3000
SECTION_FIELDS_MAX = 10
SECTION_FIELD_TEXT_MAX = 2000
HEADER_TEXT_MAX = 150
ACTIONS_ELEMENTS_MAX = 25
CONTEXT_ELEMENTS_MAX = 10
BUTTON_TEXT_MAX = 75
BUTTON_VALUE_MAX = 2000
URL_MAX = 3000
ID_MAX = 255
"""action_id and block_id."""
SELECT_OPTIONS_MAX = 100
OPTION_GROUPS_MAX = 100
OPTION_TEXT_MAX = 75
OPTION_VALUE_MAX = 150
OPTION_DESCRIPTION_MAX = 75
PLACEHOLDER_MAX = 150
LABEL_MAX = 2000
"""input label and hint."""
ALT_TEXT_MAX = 2000
IMAGE_TITLE_MAX = 2000
OVERFLOW_OPTIONS_MAX = 5
CHOICE_OPTIONS_MAX = 10
"""checkboxes and radio_buttons."""
TEXT_INPUT_LENGTH_MAX = 3000
MARKDOWN_TEXT_MAX = 12_000
CONFIRM_TITLE_MAX = 100
CONFIRM_TEXT_MAX = 300
CONFIRM_BUTTON_MAX = 30
VIEW_TITLE_MAX = 24
"""modal title, submit and close."""
PRIVATE_METADATA_MAX = 3000
CALLBACK_ID_MAX = 255
EXTERNAL_ID_MAX = 255
VIEW_MAX_BYTES = 250_000
"""views larger than this give ``view_too_large`` (PLATFORM.md, trigger_id)."""

BLOCK_TYPES = frozenset(
    {
        "section",
        "header",
        "context",
        "divider",
        "actions",
        "input",
        "image",
        "rich_text",
        "markdown",
        "file",
        "video",
    }
)
MESSAGE_ONLY_BLOCKS = frozenset({"markdown", "file"})

SELECTS = frozenset(
    {
        "static_select",
        "external_select",
        "users_select",
        "conversations_select",
        "channels_select",
        "multi_static_select",
        "multi_external_select",
        "multi_users_select",
        "multi_conversations_select",
        "multi_channels_select",
    }
)
PICKERS = frozenset({"datepicker", "datetimepicker", "timepicker"})
CHOICES = frozenset({"checkboxes", "radio_buttons"})
TEXT_INPUTS = frozenset(
    {
        "plain_text_input",
        "email_text_input",
        "url_text_input",
        "number_text_input",
        "rich_text_input",
    }
)
INTERACTIVE = SELECTS | PICKERS | CHOICES | {"button", "overflow", "workflow_button"}
ACTIONS_ELEMENTS = INTERACTIVE
ACCESSORY_ELEMENTS = (INTERACTIVE - {"datetimepicker"}) | {"image"}
INPUT_ELEMENTS = SELECTS | PICKERS | CHOICES | TEXT_INPUTS | {"file_input"}
ELEMENT_TYPES = INTERACTIVE | TEXT_INPUTS | {"image", "file_input"}

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


class _Checker:
    """Collects problems while walking one payload."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def add(self, path: str, what: str) -> None:
        self.problems.append(f"{what} [json-pointer:{path}]")

    # ---- primitives -----------------------------------------------------------------

    def string(
        self,
        obj: Mapping[str, Any],
        key: str,
        path: str,
        *,
        max_len: int | None = None,
        required: bool = False,
        non_empty: bool = True,
    ) -> str | None:
        value = obj.get(key)
        where = f"{path}/{key}"
        if value is None:
            if required:
                self.add(where, "missing required field")
            return None
        if not isinstance(value, str):
            self.add(where, "must be a string")
            return None
        if non_empty and value == "":
            self.add(where, "must be more than 0 characters")
        if max_len is not None and len(value) > max_len:
            self.add(where, f"must be less than {max_len + 1} characters")
        return value

    def boolean(self, obj: Mapping[str, Any], key: str, path: str) -> None:
        if key in obj and not isinstance(obj[key], bool):
            self.add(f"{path}/{key}", "must be a boolean")

    def text(
        self,
        value: object,
        path: str,
        *,
        max_len: int | None = None,
        plain_only: bool = False,
        required: bool = True,
    ) -> None:
        """A composition text object: ``{"type": "plain_text"|"mrkdwn", "text": ...}``."""
        if value is None:
            if required:
                self.add(path, "missing required field")
            return
        if not isinstance(value, Mapping):
            self.add(path, "must be a text object")
            return
        kind = value.get("type")
        if kind not in ("plain_text", "mrkdwn"):
            self.add(f"{path}/type", "must be one of plain_text, mrkdwn")
        elif plain_only and kind != "plain_text":
            self.add(f"{path}/type", "must be plain_text")
        elif kind == "mrkdwn" and "emoji" in value:
            self.add(f"{path}/emoji", "emoji is only allowed on plain_text")
        elif kind == "plain_text" and "verbatim" in value:
            self.add(f"{path}/verbatim", "verbatim is only allowed on mrkdwn")
        text = value.get("text")
        if not isinstance(text, str) or text == "":
            self.add(f"{path}/text", "must be a non-empty string")
        elif max_len is not None and len(text) > max_len:
            self.add(f"{path}/text", f"must be less than {max_len + 1} characters")

    def array(
        self,
        obj: Mapping[str, Any],
        key: str,
        path: str,
        *,
        max_items: int,
        min_items: int = 1,
        required: bool = True,
    ) -> list[Any]:
        value = obj.get(key)
        where = f"{path}/{key}"
        if value is None:
            if required:
                self.add(where, "missing required field")
            return []
        if not isinstance(value, list):
            self.add(where, "must be an array")
            return []
        if len(value) < min_items:
            self.add(where, f"must provide at least {min_items} items")
        if len(value) > max_items:
            self.add(where, f"must provide no more than {max_items} items")
        return value

    # ---- composition objects ------------------------------------------------------

    def confirm(self, value: object, path: str) -> None:
        if value is None:
            return
        if not isinstance(value, Mapping):
            self.add(path, "must be a confirmation dialog object")
            return
        self.text(value.get("title"), f"{path}/title", max_len=CONFIRM_TITLE_MAX, plain_only=True)
        self.text(value.get("text"), f"{path}/text", max_len=CONFIRM_TEXT_MAX)
        self.text(
            value.get("confirm"), f"{path}/confirm", max_len=CONFIRM_BUTTON_MAX, plain_only=True
        )
        self.text(value.get("deny"), f"{path}/deny", max_len=CONFIRM_BUTTON_MAX, plain_only=True)
        style = value.get("style")
        if style is not None and style not in ("primary", "danger"):
            self.add(f"{path}/style", "must be one of primary, danger")

    def option(self, value: object, path: str, *, plain_only: bool, url: bool = False) -> None:
        if not isinstance(value, Mapping):
            self.add(path, "must be an option object")
            return
        self.text(value.get("text"), f"{path}/text", max_len=OPTION_TEXT_MAX, plain_only=plain_only)
        self.string(value, "value", path, max_len=OPTION_VALUE_MAX, required=True)
        self.text(
            value.get("description"),
            f"{path}/description",
            max_len=OPTION_DESCRIPTION_MAX,
            plain_only=plain_only,
            required=False,
        )
        if url:
            self.string(value, "url", path, max_len=URL_MAX)
        elif "url" in value:
            self.add(f"{path}/url", "url is only allowed on overflow options")

    def options(
        self,
        element: Mapping[str, Any],
        path: str,
        *,
        max_items: int,
        plain_only: bool,
        url: bool = False,
        required: bool = True,
    ) -> list[Any]:
        items = self.array(element, "options", path, max_items=max_items, required=required)
        for index, item in enumerate(items):
            self.option(item, f"{path}/options/{index}", plain_only=plain_only, url=url)
        return items

    def initial_options(
        self, element: Mapping[str, Any], offered: Sequence[Any], path: str, *, multi: bool
    ) -> None:
        """Slack rejects an initial option that is not one of the element's options."""
        key = "initial_options" if multi else "initial_option"
        if key not in element:
            return
        chosen = element[key] if multi else [element[key]]
        if not isinstance(chosen, list):
            self.add(f"{path}/{key}", "must be an array")
            return
        values = {o.get("value") for o in offered if isinstance(o, Mapping)}
        for index, item in enumerate(chosen):
            where = f"{path}/{key}/{index}" if multi else f"{path}/{key}"
            if not isinstance(item, Mapping) or item.get("value") not in values:
                self.add(where, "must match one of the provided options")

    # ---- elements -----------------------------------------------------------------

    def element(
        self, element: object, path: str, *, allowed: frozenset[str], surface: Surface
    ) -> None:
        if not isinstance(element, Mapping):
            self.add(path, "must be an element object")
            return
        kind = element.get("type")
        if not isinstance(kind, str):
            self.add(f"{path}/type", "missing required field")
            return
        if kind not in ELEMENT_TYPES:
            self.add(f"{path}/type", f"unknown element type '{kind}'")
            return
        if kind not in allowed:
            self.add(f"{path}/type", f"element type '{kind}' is not allowed here")
            return
        if kind != "image":
            self.string(element, "action_id", path, max_len=ID_MAX)
            self.confirm(element.get("confirm"), f"{path}/confirm")
            self.boolean(element, "focus_on_load", path)
            if surface == "message" and element.get("focus_on_load"):
                self.add(f"{path}/focus_on_load", "focus_on_load is not allowed in messages")
        if "placeholder" in element:
            self.text(
                element["placeholder"],
                f"{path}/placeholder",
                max_len=PLACEHOLDER_MAX,
                plain_only=True,
            )
        if kind == "button":
            self._button(element, path)
        elif kind in ("static_select", "multi_static_select"):
            self._static_select(element, path, multi=kind.startswith("multi_"))
        elif kind == "overflow":
            self.options(element, path, max_items=OVERFLOW_OPTIONS_MAX, plain_only=True, url=True)
        elif kind in CHOICES:
            offered = self.options(element, path, max_items=CHOICE_OPTIONS_MAX, plain_only=False)
            self.initial_options(element, offered, path, multi=kind == "checkboxes")
        elif kind in SELECTS and kind.startswith("multi_"):
            if "max_selected_items" in element:
                limit = element["max_selected_items"]
                if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
                    self.add(f"{path}/max_selected_items", "must be an integer >= 1")
        elif kind == "datepicker":
            date = self.string(element, "initial_date", path)
            if date is not None and not _DATE.match(date):
                self.add(f"{path}/initial_date", "must be a date in YYYY-MM-DD format")
        elif kind == "timepicker":
            when = self.string(element, "initial_time", path)
            if when is not None and not _TIME.match(when):
                self.add(f"{path}/initial_time", "must be a time in HH:mm format")
        elif kind == "datetimepicker":
            stamp = element.get("initial_date_time")
            if stamp is not None and (not isinstance(stamp, int) or isinstance(stamp, bool)):
                self.add(f"{path}/initial_date_time", "must be an integer (epoch seconds)")
        elif kind == "plain_text_input":
            self._plain_text_input(element, path)
        elif kind == "number_text_input":
            if not isinstance(element.get("is_decimal_allowed"), bool):
                self.add(f"{path}/is_decimal_allowed", "missing required field")
        elif kind == "image":
            self._image(element, path)
        elif kind == "workflow_button":
            self.text(element.get("text"), f"{path}/text", max_len=BUTTON_TEXT_MAX, plain_only=True)
            if not isinstance(element.get("workflow"), Mapping):
                self.add(f"{path}/workflow", "missing required field")

    def _button(self, element: Mapping[str, Any], path: str) -> None:
        self.text(element.get("text"), f"{path}/text", max_len=BUTTON_TEXT_MAX, plain_only=True)
        self.string(element, "value", path, max_len=BUTTON_VALUE_MAX)
        self.string(element, "url", path, max_len=URL_MAX)
        self.string(element, "accessibility_label", path, max_len=BUTTON_TEXT_MAX)
        style = element.get("style")
        if style is not None and style not in ("primary", "danger"):
            self.add(f"{path}/style", "must be one of primary, danger")

    def _static_select(self, element: Mapping[str, Any], path: str, *, multi: bool) -> None:
        has_options = "options" in element
        has_groups = "option_groups" in element
        if has_options == has_groups:
            self.add(path, "must provide exactly one of options or option_groups")
            return
        offered: list[Any] = []
        if has_options:
            offered = self.options(element, path, max_items=SELECT_OPTIONS_MAX, plain_only=True)
        else:
            groups = self.array(element, "option_groups", path, max_items=OPTION_GROUPS_MAX)
            for index, group in enumerate(groups):
                where = f"{path}/option_groups/{index}"
                if not isinstance(group, Mapping):
                    self.add(where, "must be an option group object")
                    continue
                self.text(
                    group.get("label"), f"{where}/label", max_len=OPTION_TEXT_MAX, plain_only=True
                )
                offered += self.options(group, where, max_items=SELECT_OPTIONS_MAX, plain_only=True)
        self.initial_options(element, offered, path, multi=multi)

    def _plain_text_input(self, element: Mapping[str, Any], path: str) -> None:
        self.string(element, "initial_value", path, non_empty=False)
        self.boolean(element, "multiline", path)
        low = element.get("min_length", 0)
        high = element.get("max_length", TEXT_INPUT_LENGTH_MAX)
        for key, value in (("min_length", low), ("max_length", high)):
            if not isinstance(value, int) or isinstance(value, bool):
                self.add(f"{path}/{key}", "must be an integer")
                return
            if not 0 <= value <= TEXT_INPUT_LENGTH_MAX:
                self.add(f"{path}/{key}", f"must be between 0 and {TEXT_INPUT_LENGTH_MAX}")
        if "max_length" in element and high < 1:
            self.add(f"{path}/max_length", "must be at least 1")
        if low > high:
            self.add(f"{path}/min_length", "must not be greater than max_length")

    def _image(self, element: Mapping[str, Any], path: str) -> None:
        self.string(element, "alt_text", path, max_len=ALT_TEXT_MAX, required=True)
        has_url = "image_url" in element
        has_file = "slack_file" in element
        if has_url == has_file:
            self.add(path, "must provide exactly one of image_url or slack_file")
        if has_url:
            self.string(element, "image_url", path, max_len=URL_MAX, required=True)

    # ---- blocks -------------------------------------------------------------------

    def blocks(self, blocks: object, surface: Surface, path: str) -> None:
        if not isinstance(blocks, list):
            self.add(path, "must be an array")
            return
        limit = MAX_BLOCKS[surface]
        if len(blocks) > limit:
            self.add(path, f"must provide no more than {limit} items")
        seen_ids: set[str] = set()
        for index, block in enumerate(blocks):
            self.block(block, f"{path}/{index}", surface, seen_ids)

    def block(self, block: object, path: str, surface: Surface, seen_ids: set[str]) -> None:
        if not isinstance(block, Mapping):
            self.add(path, "must be a block object")
            return
        kind = block.get("type")
        if not isinstance(kind, str):
            self.add(f"{path}/type", "missing required field")
            return
        if kind not in BLOCK_TYPES:
            self.add(f"{path}/type", f"unknown block type '{kind}'")
            return
        if kind in MESSAGE_ONLY_BLOCKS and surface != "message":
            self.add(f"{path}/type", f"block type '{kind}' is only allowed in messages")
        block_id = self.string(block, "block_id", path, max_len=ID_MAX)
        if block_id is not None:
            if block_id in seen_ids:
                self.add(f"{path}/block_id", f"duplicate block_id '{block_id}'")
            seen_ids.add(block_id)
        handler = getattr(self, f"_block_{kind}")
        handler(block, path, surface)

    def _block_section(self, block: Mapping[str, Any], path: str, surface: Surface) -> None:
        if "text" not in block and "fields" not in block:
            self.add(path, "must provide either text or fields")
        if "text" in block:
            self.text(block["text"], f"{path}/text", max_len=SECTION_TEXT_MAX)
        if "fields" in block:
            fields = self.array(block, "fields", path, max_items=SECTION_FIELDS_MAX)
            for index, item in enumerate(fields):
                self.text(item, f"{path}/fields/{index}", max_len=SECTION_FIELD_TEXT_MAX)
        if "accessory" in block:
            self.element(
                block["accessory"], f"{path}/accessory", allowed=ACCESSORY_ELEMENTS, surface=surface
            )
        self.boolean(block, "expand", path)

    def _block_header(self, block: Mapping[str, Any], path: str, surface: Surface) -> None:
        self.text(block.get("text"), f"{path}/text", max_len=HEADER_TEXT_MAX, plain_only=True)

    def _block_divider(self, block: Mapping[str, Any], path: str, surface: Surface) -> None:
        return

    def _block_context(self, block: Mapping[str, Any], path: str, surface: Surface) -> None:
        elements = self.array(block, "elements", path, max_items=CONTEXT_ELEMENTS_MAX)
        for index, item in enumerate(elements):
            where = f"{path}/elements/{index}"
            if isinstance(item, Mapping) and item.get("type") == "image":
                self._image(item, where)
            else:
                self.text(item, where)

    def _block_actions(self, block: Mapping[str, Any], path: str, surface: Surface) -> None:
        elements = self.array(block, "elements", path, max_items=ACTIONS_ELEMENTS_MAX)
        action_ids: set[str] = set()
        for index, item in enumerate(elements):
            where = f"{path}/elements/{index}"
            self.element(item, where, allowed=ACTIONS_ELEMENTS, surface=surface)
            action_id = item.get("action_id") if isinstance(item, Mapping) else None
            if isinstance(action_id, str):
                if action_id in action_ids:
                    self.add(f"{where}/action_id", f"duplicate action_id '{action_id}'")
                action_ids.add(action_id)

    def _block_input(self, block: Mapping[str, Any], path: str, surface: Surface) -> None:
        self.text(block.get("label"), f"{path}/label", max_len=LABEL_MAX, plain_only=True)
        self.text(
            block.get("hint"), f"{path}/hint", max_len=LABEL_MAX, plain_only=True, required=False
        )
        if "element" not in block:
            self.add(f"{path}/element", "missing required field")
        else:
            self.element(
                block["element"], f"{path}/element", allowed=INPUT_ELEMENTS, surface=surface
            )
        self.boolean(block, "optional", path)
        self.boolean(block, "dispatch_action", path)

    def _block_image(self, block: Mapping[str, Any], path: str, surface: Surface) -> None:
        self._image(block, path)
        self.text(
            block.get("title"),
            f"{path}/title",
            max_len=IMAGE_TITLE_MAX,
            plain_only=True,
            required=False,
        )

    def _block_rich_text(self, block: Mapping[str, Any], path: str, surface: Surface) -> None:
        elements = self.array(block, "elements", path, max_items=10_000)
        allowed = {
            "rich_text_section",
            "rich_text_list",
            "rich_text_preformatted",
            "rich_text_quote",
        }
        for index, item in enumerate(elements):
            if not isinstance(item, Mapping) or item.get("type") not in allowed:
                self.add(f"{path}/elements/{index}/type", "must be a rich_text_* element")

    def _block_markdown(self, block: Mapping[str, Any], path: str, surface: Surface) -> None:
        self.string(block, "text", path, max_len=MARKDOWN_TEXT_MAX, required=True)

    def _block_file(self, block: Mapping[str, Any], path: str, surface: Surface) -> None:
        self.string(block, "external_id", path, required=True)
        self.string(block, "source", path, required=True)

    def _block_video(self, block: Mapping[str, Any], path: str, surface: Surface) -> None:
        self.string(block, "alt_text", path, required=True)
        self.string(block, "video_url", path, max_len=URL_MAX, required=True)
        self.string(block, "thumbnail_url", path, max_len=URL_MAX, required=True)
        self.text(block.get("title"), f"{path}/title", max_len=200, plain_only=True)


def validate_blocks(blocks: object, surface: Surface, *, path: str = "/blocks") -> list[str]:
    """Problems with a ``blocks`` array on ``surface``; an empty list means Slack accepts it."""
    checker = _Checker()
    checker.blocks(blocks, surface, path)
    return checker.problems


def validate_view(view: object, *, path: str = "/view") -> list[str]:
    """Problems with a modal or Home tab view payload (size excluded, see :func:`view_size`)."""
    checker = _Checker()
    if not isinstance(view, Mapping):
        checker.add(path, "must be a view object")
        return checker.problems
    kind = view.get("type")
    if kind not in ("modal", "home"):
        checker.add(f"{path}/type", "must be one of modal, home")
        return checker.problems
    surface: Surface = "modal" if kind == "modal" else "home"
    if surface == "modal":
        checker.text(view.get("title"), f"{path}/title", max_len=VIEW_TITLE_MAX, plain_only=True)
        for key in ("submit", "close"):
            checker.text(
                view.get(key),
                f"{path}/{key}",
                max_len=VIEW_TITLE_MAX,
                plain_only=True,
                required=False,
            )
        blocks = view.get("blocks")
        has_inputs = isinstance(blocks, list) and any(
            isinstance(b, Mapping) and b.get("type") == "input" for b in blocks
        )
        if has_inputs and "submit" not in view:
            checker.add(f"{path}/submit", "submit is required when the view has input blocks")
    if "blocks" not in view:
        checker.add(f"{path}/blocks", "missing required field")
    else:
        checker.blocks(view["blocks"], surface, f"{path}/blocks")
    checker.string(view, "private_metadata", path, max_len=PRIVATE_METADATA_MAX, non_empty=False)
    checker.string(view, "callback_id", path, max_len=CALLBACK_ID_MAX, non_empty=False)
    checker.string(view, "external_id", path, max_len=EXTERNAL_ID_MAX, non_empty=False)
    for key in ("clear_on_close", "notify_on_close", "submit_disabled"):
        checker.boolean(view, key, path)
    return checker.problems


def view_size(view: object) -> int:
    """Bytes of the view as JSON, the figure Slack compares with :data:`VIEW_MAX_BYTES`."""
    return len(json.dumps(view, separators=(",", ":"), ensure_ascii=False).encode())
