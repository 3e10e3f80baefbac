"""Socket Mode: apps.connections.open, the WebSocket endpoint, envelopes and acks.

The delivery tests drive a real slack_bolt app connected with its builtin
``SocketModeHandler``, the way Firebreak runs without a Request URL. That client needs
about a second to close (its message loop polls a queue once a second), so one app stays
connected for the module's delivery tests; the tests that disconnect or refuse a client
build their own. The wire-level tests use a bare ``websockets`` client instead.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from slack_bolt import Ack, App, BoltRequest
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect

from tests.slack_standin import SlackStandIn, socketmode
from tests.slack_standin.ratelimit import RateLimiter
from tests.slack_standin.webapi.table import METHODS

SECRET = "socket-mode-secret"


def plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


DECLARE_MODAL: dict[str, Any] = {
    "type": "modal",
    "callback_id": "declare",
    "title": plain("Declare"),
    "submit": plain("Declare"),
    "blocks": [
        {
            "type": "input",
            "block_id": "summary",
            "label": plain("Summary"),
            "element": {"type": "plain_text_input", "action_id": "summary"},
        }
    ],
}


@dataclass
class Bot:
    """A Bolt app with Firebreak-like listeners; what they saw, for the tests to wait on."""

    app: App
    seen: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def note(self, kind: str, body: dict[str, Any]) -> None:
        with self.lock:
            self.seen.append((kind, body))

    def bodies(self, kind: str) -> list[dict[str, Any]]:
        with self.lock:
            return [body for seen_kind, body in self.seen if seen_kind == kind]


def build_bot(standin: SlackStandIn) -> Bot:
    app = App(
        client=WebClient(token=standin.bot_token, base_url=standin.api_url),
        request_verification_enabled=False,
    )
    bot = Bot(app)

    @app.command("/incident")
    def incident(ack: Ack, command: dict[str, Any], client: WebClient) -> None:
        if command["text"] == "new":
            ack()
            client.views_open(trigger_id=command["trigger_id"], view=DECLARE_MODAL)
            return
        ack(text=f"Declaring {command['text']}…")
        client.chat_postMessage(
            channel=command["channel_id"],
            text=f"Incident: {command['text']}",
            blocks=[
                {
                    "type": "actions",
                    "block_id": "card",
                    "elements": [
                        {"type": "button", "action_id": "acknowledge", "text": plain("Ack")}
                    ],
                }
            ],
        )

    @app.action("acknowledge")
    def acknowledge(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        bot.note("action", body)

    @app.view("declare")
    def declare(ack: Ack, view: dict[str, Any], body: dict[str, Any], client: WebClient) -> None:
        summary = view["state"]["values"]["summary"]["summary"]["value"]
        if len(summary) < 5:
            ack(response_action="errors", errors={"summary": "Say a little more"})
            return
        ack()
        client.chat_postMessage(channel="C0INCIDENTS", text=f"Declared: {summary}")
        bot.note("view", body)

    @app.event("reaction_added")
    def reaction(event: dict[str, Any], request: BoltRequest) -> None:
        retry = request.headers.get("x-slack-retry-num", [None])[0]
        bot.note("event", {"event": event, "retry": retry})

    @app.event("message")
    def message() -> None:
        """Acked and ignored: an event nobody listens to gets no ack (Bolt answers 404)."""

    return bot


@contextmanager
def socket_mode(app: App, app_token: str) -> Iterator[SocketModeHandler]:
    """Bolt's builtin Socket Mode client, connected without blocking, closed on exit."""
    handler = SocketModeHandler(app, app_token)
    try:
        handler.connect()  # type: ignore[no-untyped-call]  # slack_bolt leaves it unannotated
        yield handler
    finally:
        handler.close()  # type: ignore[no-untyped-call]


@pytest.fixture(scope="module")
def connected() -> Iterator[tuple[SlackStandIn, Bot]]:
    """One stand-in with one Bolt app connected over Socket Mode, no Request URL."""
    with SlackStandIn(SECRET) as standin:
        bot = build_bot(standin)
        with socket_mode(bot.app, standin.app_token):
            standin.wait_for_socket_connection()
            yield standin, bot
        assert standin.internal_errors == []


@pytest.fixture
def standin() -> Iterator[SlackStandIn]:
    with SlackStandIn(SECRET) as server:
        yield server
        assert server.internal_errors == []


def texts(standin: SlackStandIn, channel_id: str) -> list[str]:
    return [m.text for m in standin.messages(channel_id)]


# ---- a real Bolt app over Socket Mode -----------------------------------------------------


def test_the_app_connects_with_its_app_token(connected: tuple[SlackStandIn, Bot]) -> None:
    standin, _ = connected
    opened = standin.calls_to("apps.connections.open")
    assert len(opened) == 1
    assert opened[0].token == "xapp-standin" == standin.app_token
    assert opened[0].status == 200
    assert opened[0].response["url"].startswith("ws://127.0.0.1:")
    assert "/link/?ticket=" in opened[0].response["url"]
    assert standin.socket_connections == 1
    assert standin.mode == "socket"


def test_slash_command_ack_and_listener_work(connected: tuple[SlackStandIn, Bot]) -> None:
    standin, _ = connected
    response = standin.slash_command("U0ALICE", "C0INCIDENTS", "/incident", "db down")
    assert response.problems == ()
    assert response.status == 200
    assert response.json() == {"text": "Declaring db down…"}
    shown = standin.ephemerals("U0ALICE", "C0INCIDENTS")
    assert [m.text for m in shown if m.source == "ack"][-1] == "Declaring db down…"
    standin.wait_for(lambda: "Incident: db down" in texts(standin, "C0INCIDENTS"), what="the card")
    post = [
        c for c in standin.calls_to("chat.postMessage") if c.args["text"] == "Incident: db down"
    ]
    assert post[0].token == standin.bot_token
    assert post[0].status == 200


def test_block_actions_reach_the_listener(connected: tuple[SlackStandIn, Bot]) -> None:
    standin, bot = connected
    standin.slash_command("U0BOB", "C0INCIDENTS", "/incident", "api slow")
    standin.wait_for(lambda: "Incident: api slow" in texts(standin, "C0INCIDENTS"))
    card = next(m for m in standin.messages("C0INCIDENTS") if m.text == "Incident: api slow")
    response = standin.click("U0BOB", "C0INCIDENTS", card.ts, "acknowledge")
    assert response.status == 200
    assert response.body == ""
    assert response.problems == ()
    standin.wait_for(lambda: any(b["message"]["ts"] == card.ts for b in bot.bodies("action")))
    body = next(b for b in bot.bodies("action") if b["message"]["ts"] == card.ts)
    assert body["user"]["id"] == "U0BOB"
    assert body["actions"][0]["action_id"] == "acknowledge"


def test_view_submission_errors_keep_the_modal_open(connected: tuple[SlackStandIn, Bot]) -> None:
    standin, bot = connected
    response = standin.slash_command("U0CAROL", "C0INCIDENTS", "/incident", "new")
    assert response.body == ""
    standin.wait_for(lambda: bool(standin.open_views("U0CAROL")), what="the modal")
    view_id = standin.open_views("U0CAROL")[0].id

    refused = standin.submit_view("U0CAROL", view_id, {"summary": "db"})
    assert refused.problems == ()
    assert refused.json() == {
        "response_action": "errors",
        "errors": {"summary": "Say a little more"},
    }
    assert standin.view(view_id).state == "open"
    assert standin.view(view_id).errors == {"summary": "Say a little more"}

    accepted = standin.submit_view("U0CAROL", view_id, {"summary": "the database is down"})
    assert accepted.problems == ()
    assert accepted.body == ""
    assert standin.view(view_id).state != "open"
    assert standin.open_views("U0CAROL") == []
    standin.wait_for(lambda: "Declared: the database is down" in texts(standin, "C0INCIDENTS"))
    assert bot.bodies("view")[-1]["user"]["id"] == "U0CAROL"


def test_events_reach_the_listener_with_retry_headers(
    connected: tuple[SlackStandIn, Bot],
) -> None:
    standin, bot = connected
    message, _ = standin.say("U0DAVE", "C0GENERAL", "anyone on call?")
    response = standin.react("U0DAVE", "C0GENERAL", message.ts, "eyes")
    assert response.status == 200
    assert response.problems == ()
    standin.wait_for(lambda: bool(bot.bodies("event")))
    first = bot.bodies("event")[0]
    assert first["event"]["reaction"] == "eyes"
    assert first["event"]["item"] == {"type": "message", "channel": "C0GENERAL", "ts": message.ts}
    assert first["retry"] == "0"

    event = {"type": "reaction_added", "user": "U0DAVE", "reaction": "fire", "item": {}}
    standin.send_event(event)
    standin.send_event(event, retry_num=1, retry_reason="timeout")
    standin.wait_for(lambda: len(bot.bodies("event")) == 3)
    assert bot.bodies("event")[2]["retry"] == "1"


# ---- connecting, refusing, reconnecting ----------------------------------------------------


def test_a_wrong_app_token_is_refused(standin: SlackStandIn) -> None:
    bot = build_bot(standin)
    with pytest.raises(SlackApiError) as refused, socket_mode(bot.app, "xapp-wrong"):
        pass
    assert refused.value.response["error"] == "invalid_auth"
    call = standin.calls_to("apps.connections.open")[-1]
    assert (call.token, call.status, call.response["ok"]) == ("xapp-wrong", 200, False)
    assert standin.socket_connections == 0
    assert standin.mode is None
    with pytest.raises(RuntimeError, match="request_url"):
        standin.slash_command("U0ALICE", "C0INCIDENTS", "/incident", "x")


def test_token_types_are_not_interchangeable(standin: SlackStandIn) -> None:
    client = WebClient(base_url=standin.api_url)
    with pytest.raises(SlackApiError) as bot_token:
        client.apps_connections_open(app_token=standin.bot_token)
    assert bot_token.value.response["error"] == "not_allowed_token_type"
    app_client = WebClient(token=standin.app_token, base_url=standin.api_url)
    with pytest.raises(SlackApiError) as app_token:
        app_client.chat_postMessage(channel="C0INCIDENTS", text="hi")
    assert app_token.value.response["error"] == "not_allowed_token_type"
    assert [c.method for c in standin.calls] == ["apps.connections.open", "chat.postMessage"]
    assert SlackStandIn(SECRET, app_token="xapp-1-other").app_token == "xapp-1-other"


def test_disconnect_leads_to_a_reconnect_and_delivery_goes_on(standin: SlackStandIn) -> None:
    bot = build_bot(standin)
    with socket_mode(bot.app, standin.app_token):
        standin.wait_for_socket_connection()
        assert standin.slash_command("U0ALICE", "C0INCIDENTS", "/incident", "one").problems == ()

        assert standin.disconnect_socket() == 1
        standin.wait_for_socket_connection()
        standin.wait_for(lambda: standin.socket_connections == 2, what="the reconnect")
        opened = standin.calls_to("apps.connections.open")
        assert [(c.status, c.token) for c in opened] == [(200, standin.app_token)] * 2
        assert opened[0].response["url"] != opened[1].response["url"]

        response = standin.slash_command("U0ALICE", "C0INCIDENTS", "/incident", "two")
        assert response.problems == ()
        assert response.json() == {"text": "Declaring two…"}
        standin.wait_for(lambda: "Incident: two" in texts(standin, "C0INCIDENTS"))


def test_apps_connections_open_is_tier_1_with_a_small_burst(shared_dir: Path) -> None:
    tiers = json.loads((shared_dir / "slack" / "rate_limit_tiers.json").read_text())
    assert METHODS["apps.connections.open"].tier == tiers["apps.connections.open"]
    now = [0.0]
    limiter = RateLimiter(lambda: now[0])
    assert [limiter.check("apps.connections.open", "Tier1") for _ in range(4)] == [
        None,
        None,
        None,
        60,
    ]
    now[0] += 60
    assert limiter.check("apps.connections.open", "Tier1") is None


# ---- the wire, with a bare WebSocket client -------------------------------------------------


def open_link(standin: SlackStandIn) -> str:
    client = WebClient(base_url=standin.api_url)
    url: str = client.apps_connections_open(app_token=standin.app_token)["url"]
    return url


def receive(connection: ClientConnection) -> dict[str, Any]:
    frame: dict[str, Any] = json.loads(connection.recv(timeout=5))
    return frame


class RawApp:
    """A WebSocket client that acks each envelope with ``answer(envelope)`` (None: no ack)."""

    def __init__(
        self,
        connection: ClientConnection,
        answer: Callable[[dict[str, Any]], dict[str, Any] | None],
    ) -> None:
        self.connection = connection
        self.answer = answer
        self.envelopes: list[dict[str, Any]] = []
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            for message in self.connection:
                envelope = json.loads(message)
                self.envelopes.append(envelope)
                ack = self.answer(envelope)
                if ack is not None:
                    ack["envelope_id"] = envelope["envelope_id"]
                    self.connection.send(json.dumps(ack))
        except ConnectionClosed:
            pass


@pytest.fixture
def raw(standin: SlackStandIn) -> Iterator[ClientConnection]:
    """A bare client connected to a fresh link, hello already read."""
    with connect(open_link(standin)) as connection:
        hello = receive(connection)
        assert hello["type"] == "hello"
        yield connection


def test_hello_and_single_use_tickets(standin: SlackStandIn) -> None:
    url = open_link(standin)
    with connect(url) as connection:
        hello = receive(connection)
        assert hello["type"] == "hello"
        assert hello["num_connections"] == 1
        assert hello["connection_info"] == {"app_id": "A0FIRE"}
        assert isinstance(hello["debug_info"], dict)
        standin.wait_for_socket_connection(timeout=1)
        modes = [standin.mode]
        standin.request_url = "http://127.0.0.1:9/slack/events"
        modes.append(standin.mode)
        standin.request_url = None
        assert modes == ["socket", "http"]
        with pytest.raises(InvalidStatus) as reused:
            connect(url)
        assert reused.value.response.status_code == 401
    with pytest.raises(InvalidStatus) as unknown:
        connect(url.split("?")[0] + "?ticket=made-up")
    assert unknown.value.response.status_code == 401
    assert standin.socket_connections == 1


def test_envelopes_carry_the_http_content(standin: SlackStandIn, raw: ClientConnection) -> None:
    app = RawApp(raw, lambda envelope: {})
    assert standin.slash_command("U0ALICE", "C0INCIDENTS", "/incident", "x y").body == ""
    message, _ = standin.say("U0ALICE", "C0INCIDENTS", "hello")
    standin.send_event({"type": "app_mention", "text": "hi"}, retry_num=2, retry_reason="timeout")
    command, first_event, retried = app.envelopes
    assert command["type"] == "slash_commands"
    assert command["accepts_response_payload"] is True
    assert command["payload"]["command"] == "/incident"
    assert command["payload"]["text"] == "x y"
    assert command["payload"]["response_url"].startswith(standin.base_url)
    assert all(isinstance(value, str) for value in command["payload"].values())
    assert "retry_attempt" not in command
    assert first_event["type"] == "events_api"
    assert first_event["accepts_response_payload"] is False
    assert first_event["payload"]["type"] == "event_callback"
    assert first_event["payload"]["event"]["ts"] == message.ts
    assert (first_event["retry_attempt"], first_event["retry_reason"]) == (0, "")
    assert (retried["retry_attempt"], retried["retry_reason"]) == (2, "timeout")
    assert len({e["envelope_id"] for e in app.envelopes}) == 3


def test_ack_payloads_are_read_like_http_bodies(
    standin: SlackStandIn, raw: ClientConnection
) -> None:
    def answer(envelope: dict[str, Any]) -> dict[str, Any]:
        if envelope["type"] == "slash_commands":
            return {"payload": {"response_type": "in_channel", "text": "Public answer"}}
        return {"payload": {"text": "ignored"}}

    app = RawApp(raw, answer)
    response = standin.slash_command("U0BOB", "C0INCIDENTS", "/incident", "x")
    assert response.problems == ()
    assert standin.messages("C0INCIDENTS")[-1].text == "Public answer"
    assert standin.messages("C0INCIDENTS")[-1].ephemeral_for is None

    card = WebClient(token=standin.bot_token, base_url=standin.api_url).chat_postMessage(
        channel="C0INCIDENTS",
        text="card",
        blocks=[
            {
                "type": "actions",
                "elements": [{"type": "button", "action_id": "go", "text": plain("Go")}],
            }
        ],
    )
    click = standin.click("U0BOB", "C0INCIDENTS", card["ts"], "go")
    assert app.envelopes[-1]["accepts_response_payload"] is False
    assert click.status == 200
    assert click.problems == (
        "Slack ignores the body of an answer to block_actions; use the response_url",
    )


def test_no_ack_within_the_deadline_is_a_problem(
    standin: SlackStandIn, raw: ClientConnection, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(socketmode, "ACK_DEADLINE", 0.2)
    RawApp(raw, lambda envelope: None)
    response = standin.slash_command("U0ALICE", "C0INCIDENTS", "/incident", "x")
    assert response.status == 0
    assert response.problems == ("no ack within 0.2 s; Slack gives up after 0.2 s",)
    assert standin.ephemerals("U0ALICE") == []


def test_socket_mode_requests_are_not_signed(standin: SlackStandIn, raw: ClientConnection) -> None:
    RawApp(raw, lambda envelope: {})
    with pytest.raises(ValueError, match="not signed"):
        standin.slash_command("U0ALICE", "C0INCIDENTS", "/incident", "x", forge_signature=True)


def test_disconnect_is_announced_then_the_socket_closes(
    standin: SlackStandIn, raw: ClientConnection
) -> None:
    assert standin.disconnect_socket("warning") == 1
    frame = receive(raw)
    assert (frame["type"], frame["reason"]) == ("disconnect", "warning")
    with pytest.raises(ConnectionClosed):
        raw.recv(timeout=5)
    with pytest.raises(AssertionError, match="no Socket Mode connection"):
        standin.wait_for_socket_connection(timeout=0.1)
