"""The stand-in's user groups: usergroups.users.list, seeding and its table row."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from tests.slack_standin import METHODS, SlackStandIn

TOKEN = "xoxb-standin"


@pytest.fixture
def client(standin: SlackStandIn) -> WebClient:
    return WebClient(token=TOKEN, base_url=standin.api_url)


def test_the_workspace_starts_with_an_admins_group_holding_dave(client: WebClient) -> None:
    assert client.usergroups_users_list(usergroup="S0ADMINS")["users"] == ["U0DAVE"]


def test_added_groups_list_their_members_in_order(standin: SlackStandIn, client: WebClient) -> None:
    standin.add_usergroup("S0LEGAL", "legal", ["U0CAROL", "U0ALICE", "U0CAROL"])

    body = client.usergroups_users_list(usergroup="S0LEGAL", include_disabled=True).data

    assert body == {"ok": True, "users": ["U0CAROL", "U0ALICE"]}


def test_replacing_a_group_replaces_its_members(standin: SlackStandIn, client: WebClient) -> None:
    standin.add_usergroup("S0ADMINS", "firebreak-admins", ["U0BOB"])

    assert client.usergroups_users_list(usergroup="S0ADMINS")["users"] == ["U0BOB"]


def test_an_unknown_group_is_no_such_subteam(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as caught:
        client.usergroups_users_list(usergroup="S0NOPE")
    assert caught.value.response["error"] == "no_such_subteam"


def test_the_group_argument_is_required(standin: SlackStandIn, client: WebClient) -> None:
    with pytest.raises(SlackApiError) as caught:
        client.api_call("usergroups.users.list", params={})
    assert caught.value.response["error"] == "invalid_arguments"
    assert standin.calls_to("usergroups.users.list")[-1].ok is False


def test_groups_need_known_members_and_an_s_id(standin: SlackStandIn) -> None:
    with pytest.raises(ValueError, match="unknown members"):
        standin.add_usergroup("S0X", "x", ["U0NOBODY"])
    with pytest.raises(ValueError, match="start with S"):
        standin.add_usergroup("G0X", "x", ["U0ALICE"])


def test_usergroups_users_list_is_tier_2(shared_dir: Path) -> None:
    tiers = json.loads((shared_dir / "slack" / "rate_limit_tiers.json").read_text())
    assert METHODS["usergroups.users.list"].tier == tiers["usergroups.users.list"] == "Tier2"
