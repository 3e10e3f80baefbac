"""Slack -> app transport: sign the exact bytes, POST them, capture the answer.

The signature is ``v0=`` + hex HMAC-SHA256 of ``v0:<timestamp>:<body>`` with the app's
signing secret (PLATFORM.md, Signing). ``forge=True`` signs with a wrong secret, for the
bot's security tests. Proxies from the environment are ignored: the bot is local.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import http.client
import json
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

INBOUND_TIMEOUT = 10.0
RAW_CHUNK = 16 * 1024
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
    """POST ``body`` to ``url`` signed like Slack; 4xx/5xx answers are returned, not raised.

    A retry (``X-Slack-Retry-Num`` among ``extra_headers``) is signed afresh. Slack sends
    it seconds after the attempt it repeats, so its timestamp is later; the stand-in does
    not wait, so without a ``timestamp`` it dates retry N that many seconds ahead.
    """
    stamp = int(time.time()) if timestamp is None else timestamp
    retry_num = (extra_headers or {}).get("X-Slack-Retry-Num")
    if timestamp is None and retry_num is not None and retry_num.isdigit():
        stamp += int(retry_num)
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


def signed_headers(
    signing_secret: str, body: bytes, content_type: str, timestamp: int | None = None
) -> dict[str, str]:
    """The headers Slack sends with ``body``, for tests that then change one of them."""
    stamp = int(time.time()) if timestamp is None else timestamp
    return {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": str(stamp),
        "X-Slack-Signature": signature(signing_secret, stamp, body),
    }


def send_raw(
    url: str,
    body: bytes = b"",
    headers: Mapping[str, str] | None = None,
    *,
    method: str = "POST",
    chunked: bool = False,
) -> InboundResponse:
    """Send exactly ``headers`` and ``body``, nothing signed or fixed up: what Slack never
    sends, for tests of how the app refuses it. ``chunked`` sends the body with
    ``Transfer-Encoding: chunked`` instead of a Content-Length."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(
        parts.hostname or "127.0.0.1", parts.port, timeout=INBOUND_TIMEOUT
    )
    started = time.monotonic()
    try:
        if chunked:
            pieces = (body[i : i + RAW_CHUNK] for i in range(0, len(body), RAW_CHUNK))
            connection.request(
                method, parts.path, body=pieces, headers=dict(headers or {}), encode_chunked=True
            )
        else:
            # The server may refuse before reading the whole body (413 on Content-Length)
            # and close while we are still sending; its answer is there to read.
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                connection.request(method, parts.path, body=body, headers=dict(headers or {}))
        response = connection.getresponse()
        answer_headers = {k.lower(): v for k, v in response.getheaders()}
        text = response.read().decode("utf-8", "replace")
    finally:
        connection.close()
    return InboundResponse(response.status, answer_headers, text, time.monotonic() - started)
