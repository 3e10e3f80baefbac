"""Only fresh, correctly signed, well-formed Slack requests reach a listener.

Everything else is answered by the request guard with the status that says why, and
Bolt never sees it: no listener runs, nothing is written, Slack is not called. The
malformed-body cases are signed with the real secret, so they prove the body checks
and not the signature check.
"""

from __future__ import annotations

import io
import json
import logging
import os
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from slack_bolt import BoltResponse
from sqlalchemy import make_url, select, text

from bot.replay_ledger import KEEP_SECONDS, ReplayLedger, request_digest
from bot.request_guard import RequestGuard
from bot.server import MAX_REQUEST_BODY
from storage.database import create_database_engine, create_session_factory
from storage.models import RequestReplay
from tests.slack_standin.inbound import InboundResponse, send_raw, signed_headers
from tests.slack_standin.payloads import FORM, JSON, form_body, interactive_body, json_body
from tests.support import databases
from tests.support.harness import ALICE, GENERAL, SIGNING_SECRET, Harness, running_firebreak

SEEN_AT_START = ["auth.test"]
"""Bolt checks its token when the app is built; any other Web API call came from a listener."""


class BoltSpy:
    """A global Bolt middleware noting every request that got past the guard into Bolt."""

    def __init__(self) -> None:
        self.seen: list[dict[str, Any]] = []

    def __call__(self, body: dict[str, Any], next: Callable[[], BoltResponse]) -> BoltResponse:
        self.seen.append(body)
        return next()


@pytest.fixture
def bolt(harness: Harness) -> BoltSpy:
    spy = BoltSpy()
    harness.firebreak.app.use(spy)
    return spy


def url(harness: Harness, path: str = "/slack/events") -> str:
    assert harness.standin.request_url is not None
    return harness.standin.request_url.replace("/slack/events", path)


def command_body(
    text: str = "declare Replayed", harness: Harness | None = None, **fields: str
) -> bytes:
    """A slash command's form body as Slack sends it.

    A request that should get through needs ``harness``: the listener answers on the
    response_url, which must then be the stand-in's (an unknown one there, answered 404
    at once; a dead port would cost the webhook client's retries).
    """
    base = harness.standin.base_url if harness else "http://127.0.0.1:9"
    return form_body(
        {
            "team_id": "T0FIRE",
            "channel_id": GENERAL,
            "channel_name": "general",
            "user_id": ALICE,
            "user_name": "alice",
            "command": "/incident",
            "text": text,
            "response_url": f"{base}/commands/T0FIRE/unissued",
            "trigger_id": "1000.2000.replayed",
            **fields,
        }
    )


def signed(body: bytes, content_type: str = FORM, timestamp: int | None = None) -> dict[str, str]:
    return signed_headers(SIGNING_SECRET, body, content_type, timestamp)


def assert_nothing_happened(harness: Harness, bolt: BoltSpy) -> None:
    harness.settle()
    assert bolt.seen == []
    assert [call.method for call in harness.standin.calls] == SEEN_AT_START
    assert harness.standin.response_url_calls == []
    assert harness.incidents() == []
    assert harness.events() == []
    assert harness.standin.ephemerals(ALICE, GENERAL) == []


def assert_no_errors_logged(caplog: pytest.LogCaptureFixture) -> None:
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == [], [r.getMessage() for r in errors]


# ---- signatures and timestamps --------------------------------------------------------------


def test_a_forged_signature_is_refused(harness: Harness, bolt: BoltSpy) -> None:
    response = harness.command("declare Forged", forge_signature=True)

    assert response.status == 401
    assert "signature does not match" in response.body
    assert_nothing_happened(harness, bolt)


def test_a_stale_timestamp_is_refused(harness: Harness, bolt: BoltSpy) -> None:
    response = harness.command("declare Stale", timestamp=int(time.time()) - 10 * 60)

    assert response.status == 401
    assert "more than 5 minutes" in response.body
    assert_nothing_happened(harness, bolt)


def test_a_timestamp_from_the_future_is_refused(harness: Harness, bolt: BoltSpy) -> None:
    response = harness.command("declare Future", timestamp=int(time.time()) + 6 * 60)

    assert response.status == 401
    assert "more than 5 minutes" in response.body
    assert_nothing_happened(harness, bolt)


def test_a_timestamp_within_the_window_is_accepted(harness: Harness) -> None:
    response = harness.command("declare Slow network", timestamp=int(time.time()) - 4 * 60)

    assert response.status == 200
    assert [incident.title for incident in harness.incidents()] == ["Slow network"]


def test_an_unsigned_request_is_refused(harness: Harness, bolt: BoltSpy) -> None:
    body = command_body("declare Unsigned")
    request = urllib.request.Request(url(harness), data=body, headers={"Content-Type": FORM})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=5)

    assert refused.value.code == 401
    assert_nothing_happened(harness, bolt)


@pytest.mark.parametrize(
    ("header", "value"),
    [
        ("X-Slack-Request-Timestamp", "yesterday"),
        ("X-Slack-Request-Timestamp", ""),
        ("X-Slack-Request-Timestamp", "-60"),
        ("X-Slack-Request-Timestamp", "1" * 40),
        ("X-Slack-Signature", "v1=" + "0" * 64),
        ("X-Slack-Signature", "v0=" + "Z" * 64),
        ("X-Slack-Signature", "v0=abc"),
        ("X-Slack-Signature", ""),
    ],
)
def test_garbled_signature_headers_are_refused(
    harness: Harness, bolt: BoltSpy, header: str, value: str
) -> None:
    body = command_body()
    headers = {**signed(body), header: value}

    response = send_raw(url(harness), body, headers)

    assert response.status == 401
    assert "garbled" in response.body
    assert_nothing_happened(harness, bolt)


# ---- replays ---------------------------------------------------------------------------------


def test_a_replayed_request_is_refused(harness: Harness, bolt: BoltSpy) -> None:
    body = command_body("declare Replayed", harness)
    headers = signed(body)

    first = send_raw(url(harness), body, headers)
    harness.settle()
    again = send_raw(url(harness), body, headers)
    harness.settle()

    assert first.status == 200
    assert again.status == 401
    assert "already received" in again.body
    assert len(bolt.seen) == 1
    assert [incident.title for incident in harness.incidents()] == ["Replayed"]
    assert len(harness.standin.calls_to("conversations.create")) == 1


def test_a_replay_dressed_as_a_slack_retry_is_refused(harness: Harness, bolt: BoltSpy) -> None:
    """The retry headers are not signed: adding them to a captured request changes nothing."""
    body = command_body("declare Replayed", harness)
    headers = signed(body)

    send_raw(url(harness), body, headers)
    again = send_raw(url(harness), body, {**headers, "X-Slack-Retry-Num": "1"})
    harness.settle()

    assert again.status == 401
    assert len(bolt.seen) == 1
    assert len(harness.incidents()) == 1


def test_slack_retries_carry_a_fresh_signature_and_still_declare_once(
    harness: Harness, bolt: BoltSpy
) -> None:
    now = int(time.time())
    first = harness.command("declare Payments down", timestamp=now - 2)
    retry = harness.command(
        "declare Payments down", timestamp=now, retry_num=1, retry_reason="http_timeout"
    )

    assert (first.status, retry.status) == (200, 200)
    assert len(bolt.seen) == 2
    assert [incident.title for incident in harness.incidents()] == ["Payments down"]
    assert len(harness.standin.calls_to("conversations.create")) == 1


def test_a_second_replica_on_the_same_database_refuses_the_replay(database_url: str) -> None:
    """Two Firebreak processes behind one load balancer share only the database."""
    with running_firebreak(database_url) as first, running_firebreak(database_url) as second:
        body = command_body("declare Replayed", first)
        headers = signed(body)
        accepted = send_raw(url(first), body, headers)
        first.settle()
        replayed = send_raw(url(second), body, headers)
        second.settle()

        assert accepted.status == 200
        assert replayed.status == 401
        assert "already received" in replayed.body
        assert [call.method for call in second.standin.calls] == SEEN_AT_START
        assert [incident.title for incident in second.incidents()] == ["Replayed"]


def test_the_ledger_forgets_requests_once_they_are_too_old_to_replay(database_url: str) -> None:
    engine = create_database_engine(database_url)
    sessions = create_session_factory(engine)
    now = [1_800_000_000.0]
    ledger = ReplayLedger(engine, now=lambda: now[0])

    assert ledger.first_sighting("1800000000", "v0=a") is True
    now[0] += 299
    assert ledger.first_sighting("1800000000", "v0=a") is False
    now[0] += KEEP_SECONDS
    assert ledger.first_sighting("1800000899", "v0=b") is True

    with sessions() as session:
        rows = list(session.scalars(select(RequestReplay)))
    engine.dispose()
    assert [row.digest for row in rows] == [request_digest("1800000899", "v0=b")]
    assert rows[0].seen_at == datetime.fromtimestamp(now[0], UTC)


@pytest.mark.postgres
def test_the_ledger_replaces_a_connection_the_database_dropped(postgres_database: str) -> None:
    """As a restart or an idle timeout would: the next request is recorded all the same."""
    databases.empty_postgres(postgres_database)
    engine = create_database_engine(postgres_database)
    ledger = ReplayLedger(engine)
    others = _connections(postgres_database)
    assert ledger.first_sighting("1800000000", "v0=before") is True
    (ledgers,) = _connections(postgres_database) - others
    with engine.begin() as connection:
        connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": ledgers})

    assert ledger.first_sighting("1800000000", "v0=after") is True
    assert ledger.first_sighting("1800000000", "v0=after") is False  # recorded once
    assert ledgers not in _connections(postgres_database)
    engine.dispose()


def test_the_ledger_closes_its_connection_with_the_engine(database_url: str) -> None:
    engine = create_database_engine(database_url)
    ledger = ReplayLedger(engine)
    others = _connections(database_url)
    assert ledger.first_sighting("1800000000", "v0=a") is True
    assert len(_connections(database_url) - others) == 1  # the ledger's own

    engine.dispose()
    assert _connections(database_url) - others == set()
    assert ledger.first_sighting("1800000000", "v0=a") is False  # still remembered
    engine.dispose()


def _connections(database_url: str) -> set[int]:
    """The open connections to this database: the server processes of the others on
    PostgreSQL, this process's file descriptors on the database file with SQLite."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        path = str(Path(str(url.database)).resolve())
        return {fd for fd, target in _open_files() if target == path}
    probe = create_database_engine(database_url)
    with probe.connect() as connection:
        pids = connection.scalars(
            text(
                "SELECT pid FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        ).all()
    probe.dispose()
    return set(pids)


def _open_files() -> list[tuple[int, str]]:
    found = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            found.append((int(fd), os.readlink(f"/proc/self/fd/{fd}")))
        except OSError:
            continue  # closed while we looked
    return found


# ---- method, path, size, content type --------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "HEAD"])
def test_methods_other_than_post_are_refused(harness: Harness, bolt: BoltSpy, method: str) -> None:
    body = command_body()
    response = send_raw(url(harness), body if method != "GET" else b"", signed(body), method=method)

    assert response.status == 405
    assert response.headers["allow"] == "POST"
    assert_nothing_happened(harness, bolt)


def test_other_paths_are_not_found(harness: Harness, bolt: BoltSpy) -> None:
    body = command_body()

    response = send_raw(url(harness, "/slack/other"), body, signed(body))

    assert response.status == 404
    assert_nothing_happened(harness, bolt)


def test_a_body_over_the_limit_is_refused(harness: Harness, bolt: BoltSpy) -> None:
    body = command_body("declare " + "x" * MAX_REQUEST_BODY)

    response = send_raw(url(harness), body, signed(body))

    assert response.status == 413
    assert_nothing_happened(harness, bolt)


def test_a_chunked_body_over_the_limit_is_refused(harness: Harness, bolt: BoltSpy) -> None:
    body = command_body("declare " + "x" * MAX_REQUEST_BODY)

    response = send_raw(url(harness), body, signed(body), chunked=True)

    assert response.status == 413
    assert_nothing_happened(harness, bolt)


def test_a_chunked_body_within_the_limit_is_accepted(harness: Harness) -> None:
    body = command_body("declare Chunked", harness)

    response = send_raw(url(harness), body, signed(body), chunked=True)
    harness.settle()

    assert response.status == 200
    assert [incident.title for incident in harness.incidents()] == ["Chunked"]


def test_the_limit_holds_while_reading_whatever_the_length_header_says(
    database_url: str,
) -> None:
    """Behind a server that streams bodies without a Content-Length, the guard counts."""
    engine = create_database_engine(database_url)
    reached: list[bool] = []

    def inner(environ: Any, start_response: Any) -> list[bytes]:
        reached.append(True)
        start_response("200 OK", [])
        return [b""]

    guard = RequestGuard(
        inner,
        path="/slack/events",
        signing_secret=SIGNING_SECRET,
        ledger=ReplayLedger(engine),
        max_body=1024,
    )
    body = command_body("declare " + "x" * 2048)
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/slack/events",
        "CONTENT_TYPE": FORM,
        "wsgi.input": io.BytesIO(body),
        **{
            "HTTP_" + name.upper().replace("-", "_"): value
            for name, value in signed(body).items()
            if name != "Content-Type"
        },
    }
    statuses: list[str] = []

    def start_response(status: str, headers: Any, exc_info: Any = None) -> Any:
        statuses.append(status)

    guard(environ, start_response)
    engine.dispose()

    assert statuses == ["413 Content Too Large"]
    assert reached == []


@pytest.mark.parametrize(
    "content_type", ["text/plain", "multipart/form-data; boundary=x", "application/xml", ""]
)
def test_other_content_types_are_refused(
    harness: Harness, bolt: BoltSpy, content_type: str
) -> None:
    body = command_body()

    response = send_raw(url(harness), body, signed(body, content_type))

    assert response.status == 415
    assert_nothing_happened(harness, bolt)


def test_a_client_cannot_mark_its_own_request_unrecorded(harness: Harness) -> None:
    """Only the guard may say the database could not record a request."""
    body = command_body("declare Marked", harness)

    response = send_raw(url(harness), body, {**signed(body), "X-Firebreak-Unrecorded": "1"})
    harness.settle()

    assert response.status == 200
    assert [incident.title for incident in harness.incidents()] == ["Marked"]


def test_content_type_parameters_are_allowed(harness: Harness) -> None:
    body = command_body("declare With charset", harness)

    response = send_raw(url(harness), body, signed(body, FORM + "; charset=utf-8"))
    harness.settle()

    assert response.status == 200
    assert [incident.title for incident in harness.incidents()] == ["With charset"]


# ---- signed, but malformed --------------------------------------------------------------------


MALFORMED: list[tuple[str, str, bytes]] = [
    ("form without key=value pairs", FORM, b"garbage&more"),
    ("form with invalid UTF-8", FORM, b"command=%2Fincident&text=%ff%fe&user_id=U&channel_id=C"),
    ("form that is neither command nor payload", FORM, form_body({"team_id": "T0FIRE"})),
    ("empty form", FORM, b""),
    ("form starting like JSON", FORM, b'{"command=/incident&user_id=U&channel_id=C'),
    ("command without a user", FORM, form_body({"command": "/incident", "channel_id": GENERAL})),
    ("payload= that is not JSON", FORM, form_body({"payload": "{not json"})),
    ("payload= that is a list", FORM, form_body({"payload": "[1, 2]"})),
    ("payload= that is a string", FORM, form_body({"payload": '"block_actions"'})),
    ("interaction without a user", FORM, interactive_body({"type": "block_actions"})),
    ("JSON that is not JSON", JSON, b"{not json"),
    ("JSON list", JSON, b"[1, 2]"),
    ("JSON string", JSON, b'"event_callback"'),
    ("JSON number", JSON, b"42"),
    ("JSON with leading space", JSON, b' {"type": "event_callback"}'),
    ("JSON without a type", JSON, json_body({"event": {"type": "app_mention"}})),
    ("event_callback without an event", JSON, json_body({"type": "event_callback"})),
    ("event that is not an object", JSON, json_body({"type": "event_callback", "event": []})),
    ("JSON in a form body", JSON, command_body()),
    ("form in a JSON body", FORM, json_body({"type": "url_verification", "challenge": "x"})),
]


@pytest.mark.parametrize(
    ("content_type", "body"), [case[1:] for case in MALFORMED], ids=[c[0] for c in MALFORMED]
)
def test_signed_but_malformed_bodies_are_refused(
    harness: Harness,
    bolt: BoltSpy,
    caplog: pytest.LogCaptureFixture,
    content_type: str,
    body: bytes,
) -> None:
    response = send_raw(url(harness), body, signed(body, content_type))

    assert response.status == 400, response.body
    assert response.body.startswith("Refused: ")
    assert_nothing_happened(harness, bolt)
    assert_no_errors_logged(caplog)


def test_refusals_do_not_log_the_body_or_the_signature(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    body = command_body("declare secret-plan-x")
    headers = signed(body)
    caplog.set_level(logging.DEBUG)

    send_raw(url(harness), body, {**headers, "Content-Type": "text/plain"})
    send_raw(url(harness), form_body({"payload": "secret-plan-x"}), headers)

    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "refused a request" in logged
    assert "secret-plan-x" not in logged
    assert headers["X-Slack-Signature"][3:] not in logged


# ---- what still works --------------------------------------------------------------------------


def test_health_endpoint_reports_the_database(harness: Harness) -> None:
    with urllib.request.urlopen(url(harness, "/healthz"), timeout=5) as response:
        assert response.status == 200
        assert response.read() == b'{"status": "ok", "database": "ok"}'


def test_url_verification_is_answered(harness: Harness) -> None:
    response = harness.standin.url_verification(
        "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"
    )

    assert response.status == 200
    assert "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" in response.body


def test_refusals_answer_fast(harness: Harness) -> None:
    body = command_body()
    forged = {**signed(body), "X-Slack-Signature": "v0=" + "0" * 64}

    slowest = max(send_raw(url(harness), body, forged).elapsed for _ in range(20))

    assert slowest < 0.5


# ---- properties ---------------------------------------------------------------------------------


HEADER_NAMES = ["Content-Type", "X-Slack-Request-Timestamp", "X-Slack-Signature"]
Mutation = Callable[[bytes, dict[str, str]], tuple[bytes, dict[str, str]]]


def _flip(index: int) -> Mutation:
    def mutate(body: bytes, headers: dict[str, str]) -> tuple[bytes, dict[str, str]]:
        i = index % len(body)
        return body[:i] + bytes([(body[i] + 1) % 256]) + body[i + 1 :], headers

    return mutate


def _cut(index: int) -> Mutation:
    return lambda body, headers: (body[: index % len(body)], headers)


def _append(extra: bytes) -> Mutation:
    return lambda body, headers: (body + extra, headers)


def _header(name: str, value: str | None) -> Mutation:
    def mutate(body: bytes, headers: dict[str, str]) -> tuple[bytes, dict[str, str]]:
        changed = {k: v for k, v in headers.items() if k != name}
        if value is not None:
            changed[name] = value
        return body, changed

    return mutate


_header_value = st.text(
    alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=80
).map(str.strip)
BODY_MUTATIONS = st.one_of(
    st.integers(min_value=0).map(_flip),
    st.integers(min_value=0).map(_cut),
    st.binary(min_size=1, max_size=64).map(_append),
)
HEADER_MUTATIONS = st.one_of(
    st.builds(_header, st.sampled_from(HEADER_NAMES[1:]), st.none() | _header_value),
    st.builds(
        _header,
        st.just("Content-Type"),
        _header_value.filter(lambda v: v.split(";")[0].strip().lower() != FORM),
    ),
)
"""Each changes what the signature covers, or breaks a header: none can yield a valid request.
(At most one body mutation, so two cannot cancel out.)"""


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    body_mutation=st.none() | BODY_MUTATIONS,
    header_mutations=st.lists(HEADER_MUTATIONS, max_size=2),
)
def test_a_mutated_signed_request_never_reaches_a_listener(
    harness: Harness,
    bolt: BoltSpy,
    caplog: pytest.LogCaptureFixture,
    body_mutation: Mutation | None,
    header_mutations: list[Mutation],
) -> None:
    assume(body_mutation is not None or header_mutations)
    body = command_body("declare Mutated")
    headers = signed(body)
    for mutate in [body_mutation, *header_mutations]:
        if mutate is not None:
            body, headers = mutate(body, headers)
    if not body:
        body = b"x"

    response = send_raw(url(harness), body, headers)

    assert 400 <= response.status < 500, response
    assert_nothing_happened(harness, bolt)
    assert_no_errors_logged(caplog)


FIELD = st.sampled_from(["command", "user_id", "channel_id", "text", "payload", "ssl_check", "x"])


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    body=st.one_of(
        st.binary(max_size=200),
        st.dictionaries(FIELD, st.text(max_size=30), max_size=5).map(form_body),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.text(max_size=10),
            lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner),
            max_leaves=8,
        ).map(lambda value: json.dumps(value).encode()),
    ),
    content_type=st.sampled_from([FORM, JSON]),
)
def test_any_signed_body_gets_an_answer_and_no_unhandled_error(
    harness: Harness, caplog: pytest.LogCaptureFixture, body: bytes, content_type: str
) -> None:
    """Whatever a signed body holds, the answer is never a 5xx, and nothing crashes."""
    response: InboundResponse = send_raw(url(harness), body, signed(body, content_type))
    harness.settle()

    assert response.status < 500, response
    assert_no_errors_logged(caplog)
