"""Helpers for tests that call the Web API of the Slack stand-in directly."""

from __future__ import annotations

from typing import Any

import pytest
from slack_sdk.errors import SlackApiError


def error(call: Any) -> str:
    """The Slack error code ``call`` fails with (it must fail)."""
    with pytest.raises(SlackApiError) as caught:
        call()
    code: str = caught.value.response["error"]
    return code
