"""The door in front of Bolt: only a fresh, correctly signed, well-formed Slack request
gets through; everything else is answered here, quickly, and no listener runs.

Bolt verifies signatures too, but it answers a stale timestamp and a garbled body
alike (or with a 500), and it cannot know that another replica already accepted
the same signed request. The checks run cheapest first, so junk costs almost
nothing: method and path, content type, size, header syntax, timestamp, then the
HMAC over the body, the body's shape, and last the one database write that
catches a replay. Nothing secret is logged: neither the body nor the headers.

When the database cannot be reached the request goes on marked unrecorded (a header
only the guard may set), and Bolt answers it with the usual "database unreachable"
private message before any listener runs (see ``commands.errors``).
"""

from __future__ import annotations

import hmac
import io
import json
import logging
import re
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, cast

from slack_sdk.signature import SignatureVerifier
from sqlalchemy.exc import SQLAlchemyError

from bot.bolt_adapter import PARSED_BODY_ENVIRON
from bot.form_body import parse_form
from bot.replay_ledger import SIGNATURE_WINDOW_SECONDS, ReplayLedger
from bot.slack_payloads import PayloadKind, payload_problem
from commands.errors import UNRECORDED_HEADER

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

log = logging.getLogger("firebreak.requests")

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
MAX_FORM_FIELDS = 100
"""A slash command has about a dozen fields; thousands would only cost parsing time."""
_READ_CHUNK = 64 * 1024
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")
UNRECORDED_ENVIRON = "HTTP_" + UNRECORDED_HEADER.upper().replace("-", "_")


class Refusal(Exception):
    """An answer given in place of Bolt's: HTTP status line and a short reason."""

    def __init__(self, status: str, reason: str, headers: tuple[tuple[str, str], ...] = ()):
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.headers = headers


def _unauthorized(reason: str) -> Refusal:
    return Refusal("401 Unauthorized", reason)


def _bad_body(reason: str) -> Refusal:
    return Refusal("400 Bad Request", reason)


class RequestGuard:
    """WSGI middleware: refuse what Slack would not send, pass the rest to ``inner``."""

    def __init__(
        self,
        inner: WSGIApplication,
        *,
        path: str,
        signing_secret: str,
        ledger: ReplayLedger,
        max_body: int,
        now: Callable[[], float] = time.time,
    ) -> None:
        self._inner = inner
        self._path = path
        # slack_sdk's own HMAC; the window is checked above, for a reason of its own.
        self._verifier = SignatureVerifier(signing_secret)
        self._ledger = ledger
        self._max_body = max_body
        self._now = now

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        try:
            body = self._admit(environ)
        except Refusal as refusal:
            log.warning(
                "refused a request to %s: %s (%s)",
                environ.get("PATH_INFO", ""),
                refusal.reason,
                refusal.status,
            )
            return _answer(refusal, start_response)
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        return self._inner(environ, start_response)

    def _admit(self, environ: WSGIEnvironment) -> bytes:
        """The request's body when it may reach Bolt; raises :class:`Refusal` otherwise.

        The body is parsed here once (``bot.form_body``) and left in the environ for
        Bolt (see ``bot.bolt_adapter``): an interactivity payload carries the whole
        message, and decoding its percent-encoding was the costliest part of a click's
        ack while urllib did it.
        """
        environ.pop(PARSED_BODY_ENVIRON, None)
        if environ.get("PATH_INFO") != self._path:
            raise Refusal("404 Not Found", "no such path")
        if environ.get("REQUEST_METHOD") != "POST":
            raise Refusal("405 Method Not Allowed", "only POST", (("Allow", "POST"),))
        content_type = _media_type(environ.get("CONTENT_TYPE", ""))
        if content_type not in (FORM, JSON):
            raise Refusal("415 Unsupported Media Type", f"content type must be {FORM} or {JSON}")
        self._check_declared_length(environ.get("CONTENT_LENGTH", ""))
        timestamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP", "")
        signature = environ.get("HTTP_X_SLACK_SIGNATURE", "")
        if not _TIMESTAMP.fullmatch(timestamp):
            raise _unauthorized("missing or garbled X-Slack-Request-Timestamp")
        if not _SIGNATURE.fullmatch(signature):
            raise _unauthorized("missing or garbled X-Slack-Signature")
        if abs(self._now() - int(timestamp)) > SIGNATURE_WINDOW_SECONDS:
            raise _unauthorized("timestamp is more than 5 minutes from now")
        body = self._read_body(environ)
        try:
            expected = self._verifier.generate_signature(timestamp=timestamp, body=body)
        except UnicodeDecodeError:
            raise _bad_body("the body is not UTF-8") from None
        if expected is None or not hmac.compare_digest(expected, signature):
            raise _unauthorized("signature does not match")
        environ[PARSED_BODY_ENVIRON] = _parsed(content_type, body)
        # Unrecorded (the database is down): Bolt refuses it with the database message
        # on whichever surface it came from, before any listener runs.
        environ.pop(UNRECORDED_ENVIRON, None)
        if not self._check_fresh(timestamp, signature):
            environ[UNRECORDED_ENVIRON] = "1"
        return body

    def _check_declared_length(self, declared: str) -> None:
        if declared == "":
            return
        if not declared.isdigit():
            raise _bad_body("garbled Content-Length")
        if int(declared) > self._max_body:
            raise self._too_large()

    def _read_body(self, environ: WSGIEnvironment) -> bytes:
        """Read at most the limit, in chunks, whatever Content-Length claimed."""
        stream = environ["wsgi.input"]
        declared = environ.get("CONTENT_LENGTH", "")
        remaining = int(declared) if declared else self._max_body + 1
        chunks: list[bytes] = []
        size = 0
        while remaining > 0:
            chunk = stream.read(min(_READ_CHUNK, remaining))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
            remaining -= len(chunk)
            if size > self._max_body:
                raise self._too_large()
        return b"".join(chunks)

    def _too_large(self) -> Refusal:
        return Refusal("413 Content Too Large", f"body is over {self._max_body} bytes")

    def _check_fresh(self, timestamp: str, signature: str) -> bool:
        """Refuse a replay; False when the ledger is unreachable and the request unrecorded."""
        try:
            fresh = self._ledger.first_sighting(timestamp, signature)
        except SQLAlchemyError as error:
            log.warning("cannot check for a replay, database unavailable: %s", type(error).__name__)
            return False
        if not fresh:
            raise _unauthorized("this signed request was already received (a replay)")
        return True


def _media_type(content_type: str) -> str:
    return content_type.partition(";")[0].strip().lower()


def _parsed(content_type: str, body: bytes) -> dict[str, Any]:
    """The body as Bolt reads it; refuses one Bolt would choke on or a listener could not use."""
    if content_type != JSON:
        return _parsed_form(body)
    if not body.startswith(b"{"):
        raise _bad_body("a JSON body must be an object")
    return _checked("events_api", _json_object(body, "the body"))


def _parsed_form(body: bytes) -> dict[str, Any]:
    """A form body's fields, or its JSON ``payload`` when it has one."""
    # Bolt reads any body starting with "{" as JSON, whatever its content type says.
    if body.startswith(b"{"):
        raise _bad_body("a form body must be key=value pairs")
    try:
        fields: dict[str, Any] = parse_form(body, MAX_FORM_FIELDS)
    except ValueError:
        raise _bad_body("malformed form data") from None
    if "payload" in fields:
        return _checked("interactive", _json_object(fields["payload"], "payload="))
    if "ssl_check" in fields:
        return fields
    if "command" in fields:
        return _checked("slash_commands", fields)
    raise _bad_body("a form body carries a slash command or an interactivity payload")


def _checked(kind: PayloadKind, payload: object) -> dict[str, Any]:
    """``payload`` when a listener of ``kind`` can use it; refused otherwise."""
    problem = payload_problem(kind, payload)
    if problem:
        raise _bad_body(problem)
    return cast(dict[str, Any], payload)


def _json_object(text: str | bytes, what: str) -> object:
    try:
        return json.loads(text)
    except ValueError:
        raise _bad_body(f"{what} is not valid JSON") from None


def _answer(refusal: Refusal, start_response: StartResponse) -> Iterable[bytes]:
    body = f"Refused: {refusal.reason}.\n".encode()
    headers = [
        ("Content-Type", "text/plain; charset=utf-8"),
        ("Content-Length", str(len(body))),
        *refusal.headers,
    ]
    start_response(refusal.status, headers)
    return [body]
