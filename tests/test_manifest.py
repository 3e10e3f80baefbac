"""`app_manifest.yml` is a valid Slack manifest and covers everything the app registers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from commands.surface import CHANNEL_RENAME_EVENTS, EVENTS, SLASH_COMMANDS
from tests.support.harness import (
    ALICE,
    BROADCAST_CHANNEL,
    GENERAL,
    Harness,
    running_firebreak,
)
from workflows.policy import Policy

MANIFEST = Path(__file__).resolve().parents[1] / "app_manifest.yml"

# The bot scopes each Web API method needs (Slack's method docs); a method the
# suite sees the bot call that is missing here fails the coverage test below.
METHOD_SCOPES: dict[str, set[str]] = {
    "auth.test": set(),
    "conversations.create": {"channels:manage", "groups:write"},
    "conversations.invite": {"channels:manage", "groups:write"},
    "conversations.setTopic": {"channels:manage", "groups:write"},
    "conversations.join": {"channels:join"},
    "conversations.history": {"channels:history", "groups:history"},
    "conversations.members": {"channels:read", "groups:read"},
    "chat.getPermalink": set(),
    "views.publish": set(),
    "usergroups.users.list": {"usergroups:read"},
    "files.getUploadURLExternal": {"files:write"},
    "files.completeUploadExternal": {"files:write"},
    "conversations.archive": {"channels:manage", "groups:write"},
    "chat.postMessage": {"chat:write"},
    "chat.postEphemeral": {"chat:write"},
    "chat.update": {"chat:write"},
    "pins.add": {"pins:write"},
    "views.open": set(),
    "users.info": {"users:read"},
    "users.lookupByEmail": {"users:read.email"},
}
EVENT_SCOPES = {
    "channel_rename": "channels:read",
    "group_rename": "groups:read",
    "app_home_opened": None,
    "reaction_added": "reactions:read",
}


def _manifest() -> dict[str, Any]:
    loaded = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def test_manifest_validates_against_slacks_schema(shared_dir: Path) -> None:
    manifest = _manifest()
    major = manifest["_metadata"]["major_version"]
    schema_file = shared_dir / "slack" / "manifest" / f"manifest.schema.{major}.0.0.json"
    schema = json.loads(schema_file.read_text(encoding="utf-8"))

    errors = [e.message for e in jsonschema.Draft7Validator(schema).iter_errors(manifest)]

    assert errors == []


def test_manifest_offers_exactly_the_commands_and_events_the_app_registers() -> None:
    manifest = _manifest()
    commands = {c["command"] for c in manifest["features"]["slash_commands"]}
    events = set(manifest["settings"]["event_subscriptions"]["bot_events"])

    assert commands == set(SLASH_COMMANDS)
    assert events == set(EVENTS)
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    assert "commands" in manifest["oauth_config"]["scopes"]["bot"]
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert {EVENT_SCOPES[e] for e in events} - {None} <= scopes


@pytest.mark.parametrize("event_type", CHANNEL_RENAME_EVENTS)
def test_channel_renames_are_followed(harness: Harness, event_type: str) -> None:
    channel = harness.declare("Rename me")

    response = harness.standin.send_event(
        {"type": event_type, "channel": {"id": channel.id, "name": "inc-1-renamed", "created": 0}}
    )
    harness.settle()

    assert response.status == 200
    assert harness.incident().channel_name == "inc-1-renamed"
    assert harness.events()[-1].kind == "channel_renamed"


def _policy_with_a_rotation() -> Policy:
    """The default policy plus a rotation naming one member by email, posting overrides."""
    return Policy.model_validate(
        {
            "channels": {"broadcast": BROADCAST_CHANNEL},
            "oncall": {
                "rotations": [
                    {
                        "name": "trust-safety",
                        "time_zone": "Europe/Berlin",
                        "members": [ALICE, "bob@example.com"],
                        "channel": BROADCAST_CHANNEL,
                    }
                ]
            },
        }
    )


def test_the_scopes_cover_every_web_api_method_the_bot_calls(database_url: str) -> None:
    with running_firebreak(database_url, _policy_with_a_rotation()) as harness:
        channel = harness.declare("Public one")
        harness.declare("--private Private one")
        harness.standin.rate_limits = False
        card = harness.card()
        harness.click(ALICE, channel.id, card.ts, "incident_owner", selected_user="U0BOB")
        harness.click(ALICE, channel.id, card.ts, "incident_add_note")
        harness.command("declare")
        harness.command("note hello", channel=channel.id)
        harness.command("nonsense")
        harness.standin.slash_command(ALICE, GENERAL, "/oncall", "")
        harness.standin.slash_command(ALICE, GENERAL, "/oncall", "override <@U0BOB|bob> now +1h")
        harness.settle()
        called = {call.method for call in harness.standin.calls}

    scopes = set(_manifest()["oauth_config"]["scopes"]["bot"])
    assert {"users.lookupByEmail", "users.info"} <= called
    unknown = called - METHOD_SCOPES.keys()
    assert unknown == set(), f"add the scopes of {unknown} to METHOD_SCOPES and the manifest"
    for method in called:
        assert METHOD_SCOPES[method] <= scopes, method
