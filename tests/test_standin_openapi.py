"""The stand-in's argument table against Slack's OpenAPI spec (web_api_openapi_v2.json).

The spec is from 2020: it lacks newer methods and arguments, and it marks few arguments
as required. So: every argument the stand-in accepts must be in the spec (or in the
commented list of newer ones below), and every argument the spec requires must be
required by the stand-in too.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.slack_standin import METHODS

SPEC = Path(__file__).resolve().parents[2] / "shared" / "slack" / "web_api_openapi_v2.json"

NOT_IN_SPEC = {
    # Introduced in 2022 with the files v2 upload flow; the spec stopped in 2020.
    "files.getUploadURLExternal",
    "files.completeUploadExternal",
    # Socket Mode's connection method (2021), called with the app-level token.
    "apps.connections.open",
}

NEWER_ARGUMENTS: dict[str, set[str]] = {
    # Org-wide apps name the workspace to create the channel in.
    "conversations.create": {"team_id"},
    # Invite the valid users even when some are not (2021).
    "conversations.invite": {"force"},
    # Message metadata (2022) and the markdown_text field (2025).
    "chat.postMessage": {"metadata", "markdown_text"},
    "chat.postEphemeral": {"markdown_text"},
    # Attaching files to an update, broadcasting a reply, metadata, markdown_text.
    "chat.update": {"file_ids", "reply_broadcast", "metadata", "markdown_text"},
    # Message metadata in history (2022).
    "conversations.history": {"include_all_metadata"},
}


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    if not SPEC.exists():
        pytest.skip("../shared/slack is not beside this checkout; the OpenAPI cross-check needs it")
    loaded: dict[str, Any] = json.loads(SPEC.read_text())
    return loaded


def parameters(spec: dict[str, Any], method: str) -> dict[str, bool]:
    """Parameter name -> required, for ``method`` (its post or get operation)."""
    path = spec["paths"][f"/{method}"]
    operation = path.get("post") or path.get("get")
    return {p["name"]: bool(p.get("required")) for p in operation.get("parameters", [])}


def test_methods_absent_from_the_spec_are_listed(spec: dict[str, Any]) -> None:
    absent = {name for name in METHODS if f"/{name}" not in spec["paths"]}
    assert absent == NOT_IN_SPEC


@pytest.mark.parametrize("method", sorted(set(METHODS) - NOT_IN_SPEC))
def test_accepted_arguments_exist_in_the_spec(spec: dict[str, Any], method: str) -> None:
    known = set(parameters(spec, method)) | NEWER_ARGUMENTS.get(method, set())
    unexpected = METHODS[method].accepted - known
    assert unexpected == set(), f"{method} accepts arguments the spec does not know"


@pytest.mark.parametrize("method", sorted(set(METHODS) - NOT_IN_SPEC))
def test_spec_required_arguments_are_required(spec: dict[str, Any], method: str) -> None:
    required = {name for name, needed in parameters(spec, method).items() if needed}
    missing = required - {"token"} - set(METHODS[method].required)
    assert missing == set(), f"{method} does not require what the spec requires"


def test_newer_arguments_are_really_absent_from_the_spec(spec: dict[str, Any]) -> None:
    for method, newer in NEWER_ARGUMENTS.items():
        assert newer.isdisjoint(parameters(spec, method)), method
        assert newer <= METHODS[method].accepted, method
