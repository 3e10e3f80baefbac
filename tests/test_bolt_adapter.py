"""Bolt reads the body the request guard already parsed, and still sees the raw bytes."""

from __future__ import annotations

import json
from collections.abc import Sequence
from urllib.parse import urlencode

from bot.bolt_adapter import FormAwareBoltRequest

HEADERS: dict[str, str | Sequence[str]] = {"content-type": "application/x-www-form-urlencoded"}


def test_a_body_parsed_by_the_guard_is_used_as_it_is() -> None:
    payload = {"type": "block_actions", "user": {"id": "U0ALICE"}, "actions": []}
    raw = urlencode({"payload": json.dumps(payload)})

    request = FormAwareBoltRequest(body=raw, query="", headers=HEADERS, parsed=payload)

    assert request.body is payload  # not parsed a second time
    assert request.raw_body == raw  # what Bolt's own signature check reads
    assert request.context.user_id == "U0ALICE"  # the context is built from it


def test_without_the_guard_a_slash_command_mentioning_payload_keeps_its_fields() -> None:
    raw = urlencode({"command": "/incident", "text": "declare payload service down"})

    request = FormAwareBoltRequest(body=raw, query="", headers=HEADERS)

    assert request.body["text"] == "declare payload service down"
