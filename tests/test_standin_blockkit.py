"""Block Kit validation: one test per limit family, plus the API answers it drives."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    SectionBlock,
    StaticSelectElement,
    UserSelectElement,
)
from slack_sdk.models.views import View as SdkView

from tests.slack_standin import SlackStandIn, validate_blocks, validate_view


def plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text}


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": mrkdwn(text)}


def button(text: str = "Go", **extra: Any) -> dict[str, Any]:
    return {"type": "button", "text": plain(text), "action_id": "go", **extra}


def actions(*elements: dict[str, Any]) -> dict[str, Any]:
    return {"type": "actions", "elements": list(elements)}


def select(options: int, text: str = "opt", value: str = "v") -> dict[str, Any]:
    return {
        "type": "static_select",
        "action_id": "sev",
        "placeholder": plain("Pick"),
        "options": [{"text": plain(text), "value": f"{value}{i}"} for i in range(options)],
    }


def modal(**overrides: Any) -> dict[str, Any]:
    view: dict[str, Any] = {
        "type": "modal",
        "callback_id": "declare",
        "title": plain("Declare incident"),
        "submit": plain("Declare"),
        "close": plain("Cancel"),
        "blocks": [
            {
                "type": "input",
                "block_id": "title",
                "label": plain("Title"),
                "element": {"type": "plain_text_input", "action_id": "title"},
            }
        ],
    }
    view.update(overrides)
    return view


def only_problem(problems: list[str], fragment: str) -> None:
    assert len(problems) == 1, problems
    assert fragment in problems[0], problems


def test_realistic_sdk_built_blocks_are_valid() -> None:
    blocks = [
        HeaderBlock(text="INC-42 Counterfeit listings"),
        SectionBlock(
            text=MarkdownTextObject(text="*Severity* SEV1"),
            fields=[MarkdownTextObject(text=f"*f{i}*") for i in range(10)],
            accessory=StaticSelectElement(
                action_id="sev",
                placeholder="Severity",
                options=[Option(value=f"sev{i}", text=f"SEV{i}") for i in range(1, 5)],
            ),
        ),
        DividerBlock(),
        ActionsBlock(
            block_id="card",
            elements=[
                ButtonElement(text="Acknowledge", action_id="ack", value="42", style="primary"),
                UserSelectElement(action_id="owner", placeholder="Owner"),
            ],
        ),
        ContextBlock(elements=[MarkdownTextObject(text="declared by <@U0ALICE>")]),
    ]
    assert validate_blocks([b.to_dict() for b in blocks], "message") == []
    view = SdkView(
        type="modal",
        callback_id="declare",
        title="Declare",
        submit="Declare",
        blocks=[InputBlock(label="Title", element=PlainTextInputElement(action_id="t"))],
    )
    assert validate_view(view.to_dict()) == []


def test_block_count_per_surface() -> None:
    assert validate_blocks([{"type": "divider"}] * 50, "message") == []
    only_problem(validate_blocks([{"type": "divider"}] * 51, "message"), "no more than 50")
    assert validate_blocks([{"type": "divider"}] * 100, "modal") == []
    only_problem(validate_blocks([{"type": "divider"}] * 101, "home"), "no more than 100")


def test_section_text_and_fields() -> None:
    assert validate_blocks([section("x" * 3000)], "message") == []
    only_problem(validate_blocks([section("x" * 3001)], "message"), "/blocks/0/text/text")
    fields = {"type": "section", "fields": [mrkdwn("f")] * 11}
    only_problem(validate_blocks([fields], "message"), "no more than 10")
    long_field = {"type": "section", "fields": [mrkdwn("f" * 2001)]}
    only_problem(validate_blocks([long_field], "message"), "/blocks/0/fields/0/text")
    only_problem(validate_blocks([{"type": "section"}], "message"), "either text or fields")


@given(st.integers(min_value=1, max_value=3100))
def test_section_limit_is_exact(length: int) -> None:
    assert (validate_blocks([section("y" * length)], "message") == []) == (length <= 3000)


def test_header_text() -> None:
    header = {"type": "header", "text": plain("h" * 150)}
    assert validate_blocks([header], "message") == []
    only_problem(validate_blocks([{**header, "text": plain("h" * 151)}], "message"), "151")
    only_problem(
        validate_blocks([{"type": "header", "text": mrkdwn("*h*")}], "message"), "plain_text"
    )


def test_actions_and_context_element_counts() -> None:
    many = [button(action_id=f"b{i}") for i in range(26)]
    only_problem(validate_blocks([actions(*many)], "message"), "no more than 25")
    assert validate_blocks([actions(*many[:25])], "message") == []
    only_problem(validate_blocks([actions()], "message"), "at least 1")
    context = {"type": "context", "elements": [mrkdwn("c")] * 11}
    only_problem(validate_blocks([context], "message"), "no more than 10")


def test_button_limits() -> None:
    only_problem(validate_blocks([actions(button("b" * 76))], "message"), "/text/text")
    only_problem(validate_blocks([actions(button(value="v" * 2001))], "message"), "/value")
    only_problem(
        validate_blocks([actions(button(url="https://x/" + "u" * 3000))], "message"), "/url"
    )
    only_problem(validate_blocks([actions(button(style="fancy"))], "message"), "/style")
    assert validate_blocks([actions(button("b" * 75, value="v" * 2000))], "message") == []


def test_ids_length_and_uniqueness() -> None:
    long_id = {"type": "divider", "block_id": "b" * 256}
    only_problem(validate_blocks([long_id], "message"), "/block_id")
    twice = [{"type": "divider", "block_id": "same"}, {"type": "divider", "block_id": "same"}]
    only_problem(validate_blocks(twice, "message"), "duplicate block_id")
    only_problem(validate_blocks([actions(button(action_id="a" * 256))], "message"), "/action_id")
    dup = actions(button(action_id="x"), button(action_id="x"))
    only_problem(validate_blocks([dup], "message"), "duplicate action_id")


def test_select_options() -> None:
    assert validate_blocks([actions(select(100))], "message") == []
    only_problem(validate_blocks([actions(select(101))], "message"), "no more than 100")
    only_problem(validate_blocks([actions(select(1, text="t" * 76))], "message"), "/options/0/text")
    only_problem(
        validate_blocks([actions(select(1, value="v" * 150))], "message"), "/options/0/value"
    )
    wrong_initial = {**select(2), "initial_option": {"text": plain("x"), "value": "nope"}}
    only_problem(validate_blocks([actions(wrong_initial)], "message"), "initial_option")
    overflow = {
        "type": "overflow",
        "action_id": "more",
        "options": [{"text": plain("o"), "value": str(i)} for i in range(6)],
    }
    only_problem(validate_blocks([actions(overflow)], "message"), "no more than 5")


def test_placeholder() -> None:
    users = {"type": "users_select", "action_id": "u", "placeholder": plain("p" * 151)}
    only_problem(validate_blocks([actions(users)], "message"), "/placeholder/text")
    users["placeholder"] = mrkdwn("p")
    only_problem(validate_blocks([actions(users)], "message"), "plain_text")


def test_input_label_and_hint() -> None:
    block = modal()["blocks"][0]
    assert validate_blocks([{**block, "hint": plain("h" * 2000)}], "modal") == []
    only_problem(validate_blocks([{**block, "label": plain("l" * 2001)}], "modal"), "/label")
    only_problem(validate_blocks([{**block, "hint": plain("h" * 2001)}], "modal"), "/hint")
    wrong_place = actions({"type": "plain_text_input", "action_id": "t"})
    only_problem(validate_blocks([wrong_place], "message"), "not allowed here")


def test_modal_fields() -> None:
    assert validate_view(modal()) == []
    only_problem(validate_view(modal(title=plain("t" * 25))), "/view/title/text")
    only_problem(validate_view(modal(submit=plain("s" * 25))), "/view/submit/text")
    only_problem(validate_view(modal(close=mrkdwn("c"))), "/view/close/type")
    only_problem(validate_view(modal(private_metadata="m" * 3001)), "/view/private_metadata")
    only_problem(validate_view(modal(callback_id="c" * 256)), "/view/callback_id")
    without_submit = modal()
    del without_submit["submit"]
    only_problem(validate_view(without_submit), "submit is required")
    only_problem(validate_view({"type": "dialog", "blocks": []}), "/view/type")


def test_text_objects_and_types() -> None:
    only_problem(validate_blocks([section("")], "message"), "non-empty")
    only_problem(
        validate_blocks([{"type": "section", "text": {"type": "html", "text": "x"}}], "message"),
        "plain_text, mrkdwn",
    )
    only_problem(validate_blocks([{"type": "carousel"}], "message"), "unknown block type")
    only_problem(
        validate_blocks([actions({"type": "slider", "action_id": "s"})], "message"),
        "unknown element type",
    )
    only_problem(validate_blocks({"type": "divider"}, "message"), "must be an array")
    only_problem(
        validate_blocks([{"type": "markdown", "text": "**hi**"}], "modal"),
        "only allowed in messages",
    )


# ---- the API answers driven by the validator --------------------------------------------


def test_post_message_reports_invalid_blocks_with_a_pointer(standin: SlackStandIn) -> None:
    client = WebClient(token="xoxb-standin", base_url=standin.api_url)
    with pytest.raises(SlackApiError) as caught:
        client.chat_postMessage(channel="C0INCIDENTS", text="t", blocks=[section("x" * 3001)])
    body = caught.value.response.data
    assert isinstance(body, dict)
    assert body["error"] == "invalid_blocks"
    assert body["response_metadata"]["messages"] == [
        "[ERROR] must be less than 3001 characters [json-pointer:/blocks/0/text/text]"
    ]
    assert standin.messages("C0INCIDENTS") == []


def test_response_blocks_get_ids_like_slack(standin: SlackStandIn) -> None:
    client = WebClient(token="xoxb-standin", base_url=standin.api_url)
    sent = [section("a"), actions({"type": "button", "text": plain("b")})]
    stored = client.chat_postMessage(channel="C0INCIDENTS", text="t", blocks=sent)["message"]
    assert all(block["block_id"] for block in stored["blocks"])
    assert stored["blocks"][1]["elements"][0]["action_id"]
