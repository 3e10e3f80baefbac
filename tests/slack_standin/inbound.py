"""Slack -> app transport: sign the exact bytes, POST them, capture the answer.

The signature is ``v0=`` + hex HMAC-SHA256 of ``v0:<timestamp>:<body>`` with the app's
signing secret (PLATFORM.md, Signing). ``forge=True`` signs with a wrong secret, for the
bot's security tests. Proxies from the environment are ignored: the bot is local.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

INBOUND_TIMEOUT = 10.0
ACK_DEADLINE = 3.0
"""Slack gives up on an app that has not answered within 3 s (PLATFORM.md, Ack deadline)."""

_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass(frozen=True)
class InboundResponse:
    """The app's answer to one request Slack sent it.

    ``headers`` has lower-cased names. ``elapsed`` is how long the app took.
    ``problems`` lists what real Slack would have held against the answer (too slow,
    error status, a body it refuses or ignores); empty when all is well.
    """

    status: int
    headers: dict[str, str]
    body: str
    elapsed: float = 0.0
    problems: tuple[str, ...] = ()

    def json(self) -> Any:
        """The body decoded as JSON, or None when it is not JSON."""
        try:
            return json.loads(self.body)
        except ValueError:
            return None


def signature(signing_secret: str, timestamp: int, body: bytes) -> str:
    """Slack's ``X-Slack-Signature`` for ``body`` sent at ``timestamp``."""
    base = f"v0:{timestamp}:".encode() + body
    digest = hmac.new(signing_secret.encode(), base, hashlib.sha256).hexdigest()
    return f"v0={digest}"


def post_signed(
    url: str,
    body: bytes,
    content_type: str,
    *,
    signing_secret: str,
    timestamp: int | None = None,
    forge_signature: bool = False,
    extra_headers: Mapping[str, str] | None = None,
) -> InboundResponse:
    """POST ``body`` to ``url`` signed like Slack; 4xx/5xx answers are returned, not raised."""
    stamp = int(time.time()) if timestamp is None else timestamp
    secret = signing_secret + "-forged" if forge_signature else signing_secret
    headers = {
        "Content-Type": content_type,
        "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
        "X-Slack-Request-Timestamp": str(stamp),
        "X-Slack-Signature": signature(secret, stamp, body),
        **(extra_headers or {}),
    }
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    started = time.monotonic()
    try:
        with _OPENER.open(request, timeout=INBOUND_TIMEOUT) as response:
            status = response.status
            answer_headers = {k.lower(): v for k, v in response.headers.items()}
            text = response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        status = error.code
        answer_headers = {k.lower(): v for k, v in error.headers.items()}
        text = error.read().decode("utf-8", "replace")
    elapsed = time.monotonic() - started
    problems: list[str] = []
    if elapsed > ACK_DEADLINE:
        problems.append(
            f"answered after {elapsed:.1f} s; Slack gives up after {ACK_DEADLINE:.0f} s"
        )
    if not 200 <= status < 300:
        problems.append(f"HTTP {status}: Slack treats a non-2xx answer as a failure")
    return InboundResponse(status, answer_headers, text, elapsed, tuple(problems))


def retry_headers(retry_num: int | None, retry_reason: str | None) -> dict[str, str]:
    """``X-Slack-Retry-Num`` / ``X-Slack-Retry-Reason`` for a redelivery."""
    if retry_num is None:
        return {}
    return {
        "X-Slack-Retry-Num": str(retry_num),
        "X-Slack-Retry-Reason": retry_reason or "http_timeout",
    }
