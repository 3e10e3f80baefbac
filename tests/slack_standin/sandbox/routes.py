"""The browser's side of the stand-in: the client page, its state, and what people do.

Every action a visitor takes goes through the stand-in's own outbound machinery (the
methods tests call: :meth:`~SlackActions.slash_command`, ``click``, ``submit_view``…),
so it reaches the app as the signed request Slack would send. Nothing here knows what the
app does with it. A refused action (the Slack client would not let you: an empty
required field, an element that is not rendered) comes back as ``400 {"error": …}``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs
from zoneinfo import ZoneInfo

from ..inbound import InboundResponse
from ..server import HttpReply, HttpRequest
from ..standin import SlackStandIn
from . import state, timetravel
from .timetravel import BadJump, TimeTravel

STATIC = Path(__file__).parent / "static"
_STATIC_FILES = {
    "sandbox.js": "text/javascript; charset=utf-8",
    "sandbox.css": "text/css; charset=utf-8",
}
_COMMANDS = ("/incident", "/oncall")
"""The slash commands the app's manifest declares; Slack refuses others itself."""


class Refused(Exception):
    """What the Slack client would tell the visitor instead of sending anything."""


def _json(status: int, body: Any) -> HttpReply:
    return HttpReply(status, json.dumps(body).encode())


class BrowserRoutes:
    """A router for the stand-in's ``fallback_route``: ``/``, ``/sandbox/…``, ``/archives/…``."""

    def __init__(
        self,
        standin: SlackStandIn,
        time_travel: TimeTravel | None = None,
        parts: Mapping[str, str] | None = None,
    ) -> None:
        self._standin = standin
        self._parts = dict(parts or {})
        self._travel = time_travel or self._advance_standin_only
        self._posts = {
            "/sandbox/command": self._command,
            "/sandbox/click": self._click,
            "/sandbox/submit": self._submit,
            "/sandbox/cancel": self._cancel,
            "/sandbox/home": self._home,
            "/sandbox/react": self._react,
            "/sandbox/clock": self._clock,
        }

    def __call__(self, request: HttpRequest) -> HttpReply:
        path = request.path
        if request.method == "GET":
            return self._get(path, parse_qs(request.query))
        handler = self._posts.get(path)
        if request.method != "POST" or handler is None:
            return _json(404, {"error": "not_found"})
        try:
            body = json.loads(request.body or b"{}")
            if not isinstance(body, dict):
                raise Refused("the request body must be a JSON object")
            return _json(200, handler(body))
        except (Refused, BadJump, AssertionError, LookupError, ValueError) as error:
            return _json(400, {"error": str(error)})

    # ---- pages and state ------------------------------------------------------------------

    def _get(self, path: str, query: dict[str, list[str]]) -> HttpReply:
        if path in ("/", "/index.html"):
            page = (STATIC / "index.html").read_bytes()
            return HttpReply(200, page, content_type="text/html; charset=utf-8")
        if path.startswith("/sandbox/static/"):
            name = path.removeprefix("/sandbox/static/")
            if name in _STATIC_FILES:
                return HttpReply(200, (STATIC / name).read_bytes(), _STATIC_FILES[name])
        if path == "/sandbox/people":
            return _json(200, self._people())
        if path == "/sandbox/state":
            user = query.get("as", [""])[0]
            channel = query.get("channel", [""])[0] or None
            try:
                return _json(200, state.snapshot(self._standin, user, channel))
            except LookupError as error:
                return _json(404, {"error": str(error)})
        if path.startswith("/archives/"):
            # A permalink (chat.getPermalink) opens that conversation in the client.
            channel = path.split("/")[2]
            return HttpReply(302, b"", headers={"Location": f"/?channel={channel}"})
        return _json(404, {"error": "not_found"})

    def _people(self) -> list[dict[str, str]]:
        """The people one can switch to, those with a part in the story first."""
        ws = state.workspace_of(self._standin)
        with ws.lock:
            humans = [u for u in ws.users.values() if not u.is_bot]
        order = list(self._parts)
        humans.sort(key=lambda u: order.index(u.id) if u.id in order else len(order))
        return [
            {"id": u.id, "name": u.real_name, "part": self._parts.get(u.id, "")} for u in humans
        ]

    # ---- what people do -------------------------------------------------------------------

    def _command(self, body: dict[str, Any]) -> dict[str, Any]:
        user, channel = _text(body, "as"), _text(body, "channel")
        typed = _text(body, "text").strip()
        if not typed:
            raise Refused("type a message, or a command such as /incident help")
        if typed.startswith("/"):
            command, _, text = typed.partition(" ")
            if command not in _COMMANDS:
                raise Refused(
                    f"{command} is not a valid command. Commands here: {', '.join(_COMMANDS)}"
                )
            return _answer(self._standin.slash_command(user, channel, command, text.strip()))
        _message, response = self._standin.say(user, channel, typed)
        return _answer(response)

    def _click(self, body: dict[str, Any]) -> dict[str, Any]:
        user, channel, ts = _text(body, "as"), _text(body, "channel"), _text(body, "ts")
        ephemeral_blocks = None
        if body.get("ephemeral"):
            ws = state.workspace_of(self._standin)
            with ws.lock:
                shown = ws.find_ephemeral(channel, ts, user)
                if shown is None:
                    raise Refused("that message is gone")
                ephemeral_blocks = shown.blocks
        response = self._standin.click(
            user,
            channel,
            ts,
            _text(body, "action_id"),
            value=_optional(body, "value"),
            selected_option=_optional(body, "selected_option"),
            selected_user=_optional(body, "selected_user"),
            ephemeral_blocks=ephemeral_blocks,
        )
        return _answer(response)

    def _submit(self, body: dict[str, Any]) -> dict[str, Any]:
        values = body.get("values", {})
        if not isinstance(values, dict):
            raise Refused("values must be an object")
        return _answer(self._standin.submit_view(_text(body, "as"), _text(body, "view_id"), values))

    def _cancel(self, body: dict[str, Any]) -> dict[str, Any]:
        response = self._standin.cancel_view(_text(body, "as"), _text(body, "view_id"))
        return _answer(response) if response is not None else {"ok": True, "problems": []}

    def _home(self, body: dict[str, Any]) -> dict[str, Any]:
        """Opening the Home tab: Slack sends ``app_home_opened`` (the app may publish)."""
        user = _text(body, "as")
        ws = state.workspace_of(self._standin)
        with ws.lock:
            if user not in ws.users:
                raise Refused(f"no person {user!r}")
            im = ws.im_for(user).id
        event = {"type": "app_home_opened", "user": user, "channel": im, "tab": "home"}
        event["event_ts"] = f"{ws.now():.6f}"
        return _answer(self._standin.send_event(event))

    def _react(self, body: dict[str, Any]) -> dict[str, Any]:
        response = self._standin.react(
            _text(body, "as"), _text(body, "channel"), _text(body, "ts"), _text(body, "name")
        )
        return _answer(response)

    def _clock(self, body: dict[str, Any]) -> dict[str, Any]:
        """Jump the shared clock: to what the visitor typed, read in their time zone."""
        user = _text(body, "as")
        ws = state.workspace_of(self._standin)
        with ws.lock:
            person = ws.users.get(user)
            if person is None:
                raise Refused(f"no person {user!r}")
            zone = ZoneInfo(person.tz)
        now = datetime.fromtimestamp(self._standin.clock.now(), UTC)
        moment = timetravel.target(_text(body, "text"), now, zone)
        self._travel(moment)
        return {"ok": True, "now": self._standin.clock.now(), "problems": []}

    def _advance_standin_only(self, moment: datetime) -> None:
        """Without an app to catch up, only Slack's own clock moves."""
        seconds = moment.timestamp() - self._standin.clock.now()
        if seconds > 0:
            self._standin.advance(seconds)


def _text(body: dict[str, Any], key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str):
        raise Refused(f"{key} is required")
    return value


def _optional(body: dict[str, Any], key: str) -> str | None:
    value = body.get(key)
    return value if isinstance(value, str) else None


def _answer(response: InboundResponse) -> dict[str, Any]:
    """What the visitor learns about the delivery: Slack's complaints, if any."""
    problems = list(response.problems)
    if response.status not in (0, 200) and not problems:
        problems.append(f"the app answered HTTP {response.status}")
    return {"ok": not problems, "problems": problems}
