"""The stand-in's Web API plumbing: auth, arguments, body formats, identity methods."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from tests.slack_standin import METHODS, SlackStandIn

TOKEN = "xoxb-standin"


@pytest.fixture
def client(standin: SlackStandIn) -> WebClient:
    return WebClient(token=TOKEN, base_url=standin.api_url)


def raw_post(
    url: str, body: bytes, content_type: str, token: str | None = TOKEN
) -> tuple[int, dict[str, Any]]:
    headers = {"Content-Type": content_type}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def error_of(call: Any) -> dict[str, Any]:
    with pytest.raises(SlackApiError) as caught:
        call()
    data = caught.value.response.data
    assert isinstance(data, dict)
    return data


def test_auth_test_describes_the_bot(client: WebClient, standin: SlackStandIn) -> None:
    body = client.auth_test().data
    assert isinstance(body, dict)
    assert body["user_id"] == "U0FIREBOT"
    assert body["team_id"] == "T0FIRE"
    assert body["bot_id"].startswith("B")
    assert body["url"] == f"{standin.base_url}/"


def test_wrong_token_is_invalid_auth(standin: SlackStandIn) -> None:
    other = WebClient(token="xoxb-wrong", base_url=standin.api_url)
    assert error_of(other.auth_test)["error"] == "invalid_auth"
    assert standin.calls_to("auth.test")[0].token == "xoxb-wrong"


def test_missing_token_is_not_authed(standin: SlackStandIn) -> None:
    status, body = raw_post(f"{standin.api_url}auth.test", b"", "application/json", token=None)
    assert (status, body) == (200, {"ok": False, "error": "not_authed"})


def test_token_in_form_body_is_accepted(standin: SlackStandIn) -> None:
    status, body = raw_post(
        f"{standin.api_url}auth.test",
        f"token={TOKEN}".encode(),
        "application/x-www-form-urlencoded",
        token=None,
    )
    assert status == 200
    assert body["ok"] is True


def test_unknown_method(standin: SlackStandIn) -> None:
    status, body = raw_post(f"{standin.api_url}chat.teleport", b"{}", "application/json")
    assert (status, body) == (404, {"ok": False, "error": "unknown_method"})
    assert standin.calls[-1].status == 404


def test_unknown_argument_is_invalid_arguments(client: WebClient) -> None:
    body = error_of(lambda: client.chat_postMessage(channel="C0INCIDENTS", text="x", colour="red"))
    assert body["error"] == "invalid_arguments"
    assert body["response_metadata"]["messages"] == ["[ERROR] unknown argument 'colour'"]


def test_missing_required_argument(client: WebClient, standin: SlackStandIn) -> None:
    body = error_of(lambda: client.api_call("views.open", json={"view": {"type": "modal"}}))
    assert body["error"] == "invalid_arguments"
    assert "trigger_id" in body["response_metadata"]["messages"][0]
    assert error_of(lambda: client.api_call("chat.postMessage", json={"text": "x"}))["error"] == (
        "channel_not_found"
    )
    assert error_of(lambda: client.api_call("users.info", params={}))["error"] == "user_not_found"


def test_every_method_has_a_known_tier() -> None:
    from tests.slack_standin.ratelimit import TIER_PER_MINUTE, UNLIMITED_SPECIAL_TIERS

    known = set(TIER_PER_MINUTE) | UNLIMITED_SPECIAL_TIERS | {"SpecialTier_chat_postMessage"}
    assert {spec.tier for spec in METHODS.values()} <= known


def test_form_body_with_json_string_blocks_is_decoded(standin: SlackStandIn) -> None:
    blocks = json.dumps([{"type": "divider"}])
    form = urllib.parse.urlencode({"channel": "C0INCIDENTS", "blocks": blocks, "text": "t"})
    status, body = raw_post(
        f"{standin.api_url}chat.postMessage", form.encode(), "application/x-www-form-urlencoded"
    )
    assert status == 200
    assert body["ok"] is True
    assert standin.calls[-1].args["blocks"][0]["type"] == "divider"
    assert standin.messages("C0INCIDENTS")[-1].blocks[0]["type"] == "divider"


def test_malformed_json_body(standin: SlackStandIn) -> None:
    _, body = raw_post(f"{standin.api_url}chat.postMessage", b"{nope", "application/json")
    assert body["error"] == "invalid_json"
    _, body = raw_post(f"{standin.api_url}chat.postMessage", b"[1]", "application/json")
    assert body["error"] == "json_not_object"


def test_users_info_has_time_zone_and_profile(client: WebClient) -> None:
    alice = client.users_info(user="U0ALICE")["user"]
    assert alice["tz"] == "Europe/Berlin"
    assert alice["tz_offset"] in (3600, 7200)
    assert alice["tz_label"].startswith("Central European")
    assert alice["profile"]["display_name"] == "alice"
    assert alice["profile"]["email"] == "alice@example.com"
    assert alice["is_bot"] is False
    tokyo = client.users_info(user="U0CAROL")["user"]
    assert (tokyo["tz_offset"], tokyo["tz_label"]) == (32400, "Japan Standard Time")
    assert client.users_info(user="U0FIREBOT")["user"]["is_bot"] is True
    assert error_of(lambda: client.users_info(user="U0NOBODY"))["error"] == "user_not_found"


def test_users_lookup_by_email(client: WebClient, standin: SlackStandIn) -> None:
    standin.add_user("U0ERIN", "erin", email="Erin@Example.com", tz="Europe/London")
    assert client.users_lookupByEmail(email="erin@example.com")["user"]["id"] == "U0ERIN"
    missing = error_of(lambda: client.users_lookupByEmail(email="nobody@example.com"))
    assert missing["error"] == "users_not_found"


def test_calls_are_recorded_in_order_with_arguments(
    client: WebClient, standin: SlackStandIn
) -> None:
    client.auth_test()
    client.users_info(user="U0BOB")
    assert [c.method for c in standin.calls] == ["auth.test", "users.info"]
    call = standin.calls_to("users.info")[0]
    assert call.args == {"user": "U0BOB"}
    assert call.ok
    assert call.status == 200
    assert call.token == TOKEN
    assert call.response["user"]["name"] == "bob"


def test_team_id_is_accepted_by_every_method_as_bolt_sends_it(standin: SlackStandIn) -> None:
    # Bolt gives each request a client built with team_id, which slack_sdk adds to every call.
    bolt_like = WebClient(token=TOKEN, base_url=standin.api_url, team_id="T0FIRE")
    assert bolt_like.users_info(user="U0ALICE")["ok"]
    assert bolt_like.chat_postMessage(channel="C0INCIDENTS", text="x")["ok"]
    assert standin.calls[-1].args["team_id"] == "T0FIRE"
    elsewhere = WebClient(token=TOKEN, base_url=standin.api_url, team_id="T0OTHER")
    assert error_of(lambda: elsewhere.auth_test())["error"] == "team_access_not_granted"
