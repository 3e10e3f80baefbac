"""Modals and the Home tab: trigger_id rules, stacks, updates, submissions."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from tests.slack_standin import SlackStandIn
from tests.slack_standin.fakeapp import FakeApp, Received, Reply

SECRET = "s3cret"


def plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def modal(title: str = "Declare", **extra: Any) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": "declare",
        "private_metadata": "C0INCIDENTS",
        "title": plain(title),
        "submit": plain("Declare"),
        "blocks": [
            {
                "type": "input",
                "block_id": "title",
                "label": plain("Title"),
                "element": {"type": "plain_text_input", "action_id": "title", "max_length": 80},
            },
            {
                "type": "input",
                "block_id": "severity",
                "label": plain("Severity"),
                "element": {
                    "type": "static_select",
                    "action_id": "severity",
                    "options": [
                        {"text": plain(f"SEV{i}"), "value": f"sev{i}"} for i in range(1, 5)
                    ],
                    "initial_option": {"text": plain("SEV3"), "value": "sev3"},
                },
            },
            {
                "type": "input",
                "block_id": "owner",
                "optional": True,
                "label": plain("Owner"),
                "element": {"type": "users_select", "action_id": "owner"},
            },
            {
                "type": "input",
                "block_id": "areas",
                "optional": True,
                "label": plain("Areas"),
                "element": {
                    "type": "checkboxes",
                    "action_id": "areas",
                    "options": [{"text": plain("Payments"), "value": "payments"}],
                },
            },
        ],
        **extra,
    }


@pytest.fixture
def app() -> Iterator[FakeApp]:
    with FakeApp(SECRET) as fake:
        yield fake
        assert fake.errors == []


@pytest.fixture
def standin(app: FakeApp) -> Iterator[SlackStandIn]:
    with SlackStandIn(SECRET) as server:
        server.request_url = app.url
        yield server
        assert server.internal_errors == []


def trigger(standin: SlackStandIn, app: FakeApp, user: str = "U0ALICE") -> str:
    standin.slash_command(user, "C0INCIDENTS", "/incident", "declare")
    return app.received[-1].form["trigger_id"]


def error(call: Any) -> dict[str, Any]:
    with pytest.raises(SlackApiError) as caught:
        call()
    data = caught.value.response.data
    assert isinstance(data, dict)
    return data


def open_modal(standin: SlackStandIn, app: FakeApp, client: WebClient) -> str:
    view_id: str = client.views_open(trigger_id=trigger(standin, app), view=modal())["view"]["id"]
    return view_id


def test_views_open_records_a_view_for_the_trigger_owner(
    standin: SlackStandIn, app: FakeApp, client: WebClient
) -> None:
    body = client.views_open(trigger_id=trigger(standin, app, "U0BOB"), view=modal())["view"]
    assert body["id"].startswith("V")
    assert body["root_view_id"] == body["id"]
    assert body["callback_id"] == "declare"
    assert body["state"] == {"values": {}}
    assert body["hash"]
    [view] = standin.open_views("U0BOB")
    assert (view.id, view.user_id, view.state) == (body["id"], "U0BOB", "open")
    assert standin.open_views("U0ALICE") == []


def test_trigger_is_single_use(standin: SlackStandIn, app: FakeApp, client: WebClient) -> None:
    trigger_id = trigger(standin, app)
    client.views_open(trigger_id=trigger_id, view=modal())
    assert error(lambda: client.views_open(trigger_id=trigger_id, view=modal()))["error"] == (
        "exchanged_trigger_id"
    )


def test_trigger_expires_after_three_seconds(
    standin: SlackStandIn, app: FakeApp, client: WebClient
) -> None:
    trigger_id = trigger(standin, app)
    standin.advance(3.1)
    assert error(lambda: client.views_open(trigger_id=trigger_id, view=modal()))["error"] == (
        "expired_trigger_id"
    )


def test_unknown_trigger(client: WebClient) -> None:
    assert error(lambda: client.views_open(trigger_id="123.456.abc", view=modal()))["error"] == (
        "invalid_trigger_id"
    )


def test_invalid_view_is_invalid_arguments_and_keeps_the_trigger(
    standin: SlackStandIn, app: FakeApp, client: WebClient
) -> None:
    trigger_id = trigger(standin, app)
    body = error(lambda: client.views_open(trigger_id=trigger_id, view=modal(title="t" * 25)))
    assert body["error"] == "invalid_arguments"
    assert body["response_metadata"]["messages"] == [
        "[ERROR] must be less than 25 characters [json-pointer:/view/title/text]"
    ]
    client.views_open(trigger_id=trigger_id, view=modal())


def test_view_too_large(standin: SlackStandIn, app: FakeApp, client: WebClient) -> None:
    huge = modal(
        blocks=[
            {"type": "section", "text": {"type": "mrkdwn", "text": "x" * 2900}} for _ in range(90)
        ]
    )
    huge["blocks"].append(modal()["blocks"][0])
    body = error(lambda: client.views_open(trigger_id=trigger(standin, app), view=huge))
    assert body["error"] == "view_too_large"


def test_push_limit(standin: SlackStandIn, app: FakeApp, client: WebClient) -> None:
    root = open_modal(standin, app, client)
    second = client.views_push(trigger_id=trigger(standin, app), view=modal("Second"))["view"]
    assert second["root_view_id"] == root
    assert second["previous_view_id"] == root
    client.views_push(trigger_id=trigger(standin, app), view=modal("Third"))
    assert error(lambda: client.views_push(trigger_id=trigger(standin, app), view=modal()))[
        "error"
    ] == ("push_limit_reached")
    stack = standin.view(root).stack
    assert [v["title"]["text"] for v in stack] == ["Declare", "Second", "Third"]
    assert len(standin.open_views("U0ALICE")) == 3


def test_update_by_id_and_external_id_with_hash(
    standin: SlackStandIn, app: FakeApp, client: WebClient
) -> None:
    opened = client.views_open(
        trigger_id=trigger(standin, app), view=modal(external_id="declare-1")
    )["view"]
    step2 = modal("Step 2", external_id="declare-1")
    updated = client.views_update(view_id=opened["id"], view=step2, hash=opened["hash"])
    assert updated["view"]["id"] == opened["id"]
    assert updated["view"]["hash"] != opened["hash"]
    stale = error(lambda: client.views_update(view_id=opened["id"], view=modal(), hash="1.x"))
    assert stale["error"] == "hash_conflict"
    client.views_update(external_id="declare-1", view=modal("Step 3", external_id="declare-1"))
    assert standin.view(opened["id"]).view["title"]["text"] == "Step 3"
    assert error(lambda: client.views_update(view_id="V0NOPE", view=modal()))["error"] == (
        "not_found"
    )


def test_publish_home_tab(standin: SlackStandIn, client: WebClient) -> None:
    home = {"type": "home", "blocks": [{"type": "section", "text": plain("On call: bob")}]}
    first = client.views_publish(user_id="U0ALICE", view=home)["view"]
    again = client.views_publish(user_id="U0ALICE", view=home)["view"]
    assert first["id"] == again["id"]
    assert first["type"] == "home"
    published = standin.home("U0ALICE")
    assert published is not None
    assert published.view["blocks"][0]["text"]["text"] == "On call: bob"
    assert error(lambda: client.views_publish(user_id="U0ALICE", view=modal()))["error"] == (
        "invalid_arguments"
    )
    assert error(lambda: client.views_publish(user_id="U0GHOST", view=home))["error"] == (
        "user_not_found"
    )


# ---- view_submission --------------------------------------------------------------------


def test_submission_payload_and_close(
    standin: SlackStandIn, app: FakeApp, client: WebClient
) -> None:
    view_id = open_modal(standin, app, client)
    response = standin.submit_view(
        "U0ALICE", view_id, {"title": "DB down", "owner": "U0BOB", "areas": True}
    )
    assert response.status == 200
    assert response.problems == ()
    payload = app.received[-1].payload
    assert payload["type"] == "view_submission"
    assert payload["user"]["id"] == "U0ALICE"
    assert payload["view"]["id"] == view_id
    assert payload["view"]["callback_id"] == "declare"
    assert payload["view"]["private_metadata"] == "C0INCIDENTS"
    assert payload["response_urls"] == []
    assert payload["trigger_id"]
    values = payload["view"]["state"]["values"]
    assert values["title"]["title"] == {"type": "plain_text_input", "value": "DB down"}
    assert values["severity"]["severity"]["selected_option"]["value"] == "sev3"
    assert values["owner"]["owner"] == {"type": "users_select", "selected_user": "U0BOB"}
    assert values["areas"]["areas"]["selected_options"][0]["value"] == "payments"
    assert standin.view(view_id).state == "closed"
    assert standin.open_views("U0ALICE") == []


def test_empty_optional_inputs_are_null(
    standin: SlackStandIn, app: FakeApp, client: WebClient
) -> None:
    view_id = open_modal(standin, app, client)
    standin.submit_view("U0ALICE", view_id, {"title": "x", "severity": "sev1"})
    values = app.received[-1].payload["view"]["state"]["values"]
    assert values["owner"]["owner"]["selected_user"] is None
    assert values["areas"]["areas"]["selected_options"] == []
    assert values["severity"]["severity"]["selected_option"]["value"] == "sev1"


def test_the_client_refuses_what_a_user_could_not_submit(
    standin: SlackStandIn, app: FakeApp, client: WebClient
) -> None:
    view_id = open_modal(standin, app, client)
    with pytest.raises(AssertionError, match="required input 'Title'"):
        standin.submit_view("U0ALICE", view_id, {})
    with pytest.raises(AssertionError, match="at most 80"):
        standin.submit_view("U0ALICE", view_id, {"title": "t" * 81})
    with pytest.raises(AssertionError, match="not offered"):
        standin.submit_view("U0ALICE", view_id, {"title": "t", "severity": "sev9"})
    with pytest.raises(AssertionError, match="no input"):
        standin.submit_view("U0ALICE", view_id, {"title": "t", "colour": "red"})
    with pytest.raises(AssertionError, match="not open"):
        standin.submit_view("U0BOB", view_id, {"title": "t"})


def test_submission_errors_keep_the_view_open(
    standin: SlackStandIn, app: FakeApp, client: WebClient
) -> None:
    view_id = open_modal(standin, app, client)
    app.responder = lambda _: Reply.json_body(
        {"response_action": "errors", "errors": {"title": "Title is taken"}}
    )
    response = standin.submit_view("U0ALICE", view_id, {"title": "dup"})
    assert response.problems == ()
    view = standin.view(view_id)
    assert view.state == "open"
    assert view.errors == {"title": "Title is taken"}
    app.responder = lambda _: Reply.json_body(
        {"response_action": "errors", "errors": {"nope": "x"}}
    )
    response = standin.submit_view("U0ALICE", view_id, {"title": "dup"})
    assert "not input blocks" in response.problems[0]


def test_submission_update_push_and_clear(
    standin: SlackStandIn, app: FakeApp, client: WebClient
) -> None:
    view_id = open_modal(standin, app, client)
    app.responder = lambda _: Reply.json_body({"response_action": "update", "view": modal("Two")})
    standin.submit_view("U0ALICE", view_id, {"title": "x"})
    assert standin.view(view_id).view["title"]["text"] == "Two"
    app.responder = lambda _: Reply.json_body({"response_action": "push", "view": modal("Three")})
    standin.submit_view("U0ALICE", view_id, {"title": "x"})
    assert [v.view["title"]["text"] for v in standin.open_views("U0ALICE")] == ["Two", "Three"]
    app.responder = lambda _: Reply.json_body({"response_action": "clear"})
    top = standin.open_views("U0ALICE")[-1].id
    standin.submit_view("U0ALICE", top, {"title": "x"})
    assert standin.open_views("U0ALICE") == []


def test_submission_answer_slower_than_three_seconds_is_a_problem(
    standin: SlackStandIn, app: FakeApp, client: WebClient
) -> None:
    view_id = open_modal(standin, app, client)

    def slow(_: Received) -> Reply:
        import time

        time.sleep(3.2)
        return Reply()

    app.responder = slow
    response = standin.submit_view("U0ALICE", view_id, {"title": "x"})
    assert "Slack gives up after 3 s" in response.problems[0]
    assert standin.view(view_id).state == "open"


def test_views_open_from_inside_the_request(standin: SlackStandIn, app: FakeApp) -> None:
    client = WebClient(token="xoxb-standin", base_url=standin.api_url)

    def open_from_command(request: Received) -> Reply:
        client.views_open(trigger_id=request.form["trigger_id"], view=modal())
        return Reply()

    app.responder = open_from_command
    assert standin.slash_command("U0DAVE", "C0INCIDENTS", "/incident").problems == ()
    assert len(standin.open_views("U0DAVE")) == 1


def test_cancel_sends_view_closed_when_asked(
    standin: SlackStandIn, app: FakeApp, client: WebClient
) -> None:
    view = client.views_open(trigger_id=trigger(standin, app), view=modal(notify_on_close=True))
    response = standin.cancel_view("U0ALICE", view["view"]["id"])
    assert response is not None
    assert app.received[-1].payload["type"] == "view_closed"
    assert standin.open_views("U0ALICE") == []


def test_reopen_view_for_a_second_submission(
    standin: SlackStandIn, app: FakeApp, client: WebClient
) -> None:
    view_id = open_modal(standin, app, client)
    standin.submit_view("U0ALICE", view_id, {"title": "x"})
    standin.reopen_view_for_test(view_id)
    standin.submit_view("U0ALICE", view_id, {"title": "x"})
    submissions = [r for r in app.received if "payload" in r.form]
    assert [r.payload["view"]["id"] for r in submissions] == [view_id, view_id]
