"""``SlackStandIn``: the façade tests use, tying the pieces together.

It owns one :class:`Workspace` and serves the Web API, response_urls and file uploads
over :class:`HttpServer`, and Socket Mode over :class:`SocketModeServer` (started on the
app's first ``apps.connections.open``); Slack's outbound side (commands, clicks,
submissions, events) comes from :class:`SlackActions`. Everything a test observes is
returned as a snapshot copy, so tests never share mutable state with the server thread.
"""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Callable, Iterable
from types import TracebackType

from .actions import SlackActions
from .clock import Clock
from .faults import FLAKY_KINDS, Fault, FaultPlan, FlakyKind, Hold
from .models import Channel, Message, RecordedCall, User, UserGroup, View
from .ratelimit import PostingRateWatch, RateLimiter, RateViolation
from .responses import post_to_response_url
from .server import HttpReply, HttpRequest, HttpServer
from .socketmode import SocketModeServer
from .webapi import ApiSettings, WebApi, receive_upload
from .webapi.conversations import channel_name_error
from .workspace import Workspace

DEFAULT_HUMANS = (
    ("U0ALICE", "alice", "Europe/Berlin"),
    ("U0BOB", "bob", "America/New_York"),
    ("U0CAROL", "carol", "Asia/Tokyo"),
    ("U0DAVE", "dave", "UTC"),
)
DEFAULT_USERGROUPS = (("S0ADMINS", "firebreak-admins", ("U0DAVE",)),)


class SlackStandIn(SlackActions):
    """A fake Slack workspace on 127.0.0.1 for one app (see the package docstring).

    What users do (commands, clicks, submissions, events) is inherited from
    :class:`SlackActions`; this class adds lifecycle, seeding, routing, observation and
    faults.
    """

    def __init__(
        self,
        signing_secret: str,
        bot_token: str = "xoxb-standin",  # noqa: S107 - a fake token for a fake Slack
        team_id: str = "T0FIRE",
        team_domain: str = "firebreak-test",
        bot_user_id: str = "U0FIREBOT",
        app_id: str = "A0FIRE",
        app_token: str = "xapp-standin",  # noqa: S107 - a fake token for a fake Slack
        *,
        port: int = 0,
        seed_defaults: bool = True,
    ) -> None:
        """``port`` 0 lets the OS choose; without ``seed_defaults`` the workspace starts with
        the bot user only (the sandbox seeds its own people and channels)."""
        self.signing_secret = signing_secret
        self.bot_token = bot_token
        self._app_token = app_token
        self.verification_token = "standin-verification-token"
        """The deprecated ``token`` field Slack still puts into payloads."""
        self.request_url: str | None = None
        """The app's Request URL; set it before sending inbound requests, or leave it None
        and connect the app over Socket Mode (see :attr:`mode`)."""
        self.clock = Clock()
        self._ws = Workspace(
            clock=self.clock,
            team_id=team_id,
            team_domain=team_domain,
            bot_user_id=bot_user_id,
            app_id=app_id,
        )
        self._faults = FaultPlan()
        self._limiter = RateLimiter(self.clock.now)
        self._posting_rate = PostingRateWatch(self.clock.now)
        self._settings = ApiSettings()
        self._socket = SocketModeServer(app_id)
        self._api = WebApi(
            self._ws,
            faults=self._faults,
            limiter=self._limiter,
            settings=self._settings,
            bot_token=bot_token,
            base_url=lambda: self.base_url,
            app_token=app_token,
            issue_socket_link=self._socket.issue_link,
            posting_rate=self._posting_rate,
        )
        self._http = HttpServer(self._route, port)
        self.fallback_route: Callable[[HttpRequest], HttpReply] | None = None
        """Serves what the Slack routes do not (the browser sandbox mounts itself here)."""
        self._last_commands: dict[tuple[str, str, str], bytes] = {}
        self._last_events: dict[str, tuple[str, bytes]] = {}
        self._seed(seed_defaults)

    def _seed(self, defaults: bool) -> None:
        ws = self._ws
        ws.add_user(
            User(ws.bot_user_id, "firebreak", "Firebreak", "UTC", None, True, bot_id=ws.bot_id)
        )
        if not defaults:
            return
        for user_id, name, tz in DEFAULT_HUMANS:
            self.add_user(user_id, name, tz=tz, email=f"{name}@example.com")
        humans = [user_id for user_id, _, _ in DEFAULT_HUMANS]
        self.add_channel("general", channel_id="C0GENERAL", members=humans)
        self.add_channel("incidents", channel_id="C0INCIDENTS", members=[*humans, ws.bot_user_id])
        for group_id, handle, members in DEFAULT_USERGROUPS:
            self.add_usergroup(group_id, handle, members)

    # ---- lifecycle --------------------------------------------------------------------

    def start(self) -> None:
        """Bind 127.0.0.1 on an OS-chosen port and serve in a daemon thread."""
        self._http.start()

    def stop(self) -> None:
        """Stop serving (Socket Mode connections are closed first)."""
        self._socket.stop()
        self._http.stop()

    def __enter__(self) -> SlackStandIn:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return f"http://127.0.0.1:{self._http.port}"

    @property
    def api_url(self) -> str:
        """What ``WebClient(base_url=...)`` / ``SLACK_API_URL`` should get."""
        return f"{self.base_url}/api/"

    @property
    def app_token(self) -> str:
        """The app-level token (``xapp-``) ``apps.connections.open`` takes."""
        return self._app_token

    @property
    def latency(self) -> float:
        """Extra seconds added to every Web API call."""
        return self._settings.latency

    @latency.setter
    def latency(self, seconds: float) -> None:
        self._settings.latency = seconds

    @property
    def rate_limits(self) -> bool:
        """Whether rate limits are enforced (default True)."""
        return self._settings.rate_limits

    @rate_limits.setter
    def rate_limits(self, enabled: bool) -> None:
        self._settings.rate_limits = enabled
        if not enabled:
            self._limiter.reset()

    @property
    def internal_errors(self) -> list[str]:
        """Tracebacks of bugs inside the stand-in (should stay empty)."""
        return [*self._http.errors, *self._socket.errors]

    def advance(self, seconds: float) -> None:
        """Move the stand-in's clock forward: triggers and response_urls age, rate-limit
        buckets refill. Request signatures keep using the real time."""
        self.clock.advance(seconds)

    # ---- seeding ----------------------------------------------------------------------

    def add_user(
        self,
        user_id: str,
        name: str,
        *,
        real_name: str | None = None,
        tz: str = "UTC",
        email: str | None = None,
        is_bot: bool = False,
    ) -> None:
        """Add a member (or replace one with the same id)."""
        with self._ws.lock:
            self._ws.add_user(
                User(
                    user_id,
                    name,
                    real_name or name.capitalize(),
                    tz,
                    email,
                    is_bot,
                    bot_id=f"B{user_id.removeprefix('U')}" if is_bot else None,
                )
            )

    def add_usergroup(self, group_id: str, handle: str, members: Iterable[str]) -> None:
        """Add a user group (or replace one with the same id) with these members, in order."""
        ws = self._ws
        with ws.lock:
            users = tuple(dict.fromkeys(members))
            unknown = set(users) - set(ws.users)
            if unknown:
                raise ValueError(f"unknown members {sorted(unknown)}")
            if not group_id.startswith("S"):
                raise ValueError(f"user group ids start with S, not {group_id!r}")
            ws.usergroups[group_id] = UserGroup(group_id, handle, handle.replace("-", " "), users)

    def add_channel(
        self,
        name: str,
        *,
        channel_id: str | None = None,
        is_private: bool = False,
        members: Iterable[str] = (),
    ) -> str:
        """Add a channel and return its id; the bot is a member only when listed."""
        ws = self._ws
        with ws.lock:
            error = channel_name_error(name)
            if error is not None or ws.channel_by_name(name) is not None:
                raise ValueError(f"cannot add channel {name!r}: {error or 'name_taken'}")
            members = set(members)
            unknown = members - set(ws.users)
            if unknown:
                raise ValueError(f"unknown members {sorted(unknown)}")
            channel_id = channel_id or ws.new_id("C")
            if channel_id in ws.channels:
                raise ValueError(f"channel id {channel_id} is taken")
            ws.add_channel(
                Channel(
                    id=channel_id,
                    name=name,
                    is_private=is_private,
                    topic="",
                    purpose="",
                    members=members,
                    created=int(ws.now()),
                    is_archived=False,
                    creator=next(iter(sorted(members)), ""),
                )
            )
            return channel_id

    # ---- HTTP routing -----------------------------------------------------------------

    def _route(self, request: HttpRequest) -> HttpReply:
        path = request.path
        if path.startswith("/api/"):
            reply = self._api.handle(path[5:], request.headers, request.query, request.body)
            return HttpReply(
                reply.status,
                json.dumps(reply.body).encode(),
                headers=reply.headers,
                reset=reply.reset,
            )
        if path.startswith("/response/") and request.method == "POST":
            status, text = post_to_response_url(self._ws, path[len("/response/") :], request.body)
            return HttpReply(status, text.encode(), content_type="text/plain; charset=utf-8")
        if path.startswith("/upload/") and request.method == "POST":
            with self._ws.lock:
                status, text = receive_upload(self._ws, path[len("/upload/") :], request.body)
            return HttpReply(status, text.encode(), content_type="text/plain; charset=utf-8")
        if path.startswith("/files/") and request.method == "GET":
            with self._ws.lock:
                upload = self._ws.uploads.get(path.split("/")[2])
                data = upload.data if upload is not None else None
            if data is not None:
                return HttpReply(200, data, content_type="application/octet-stream")
        if self.fallback_route is not None:
            return self.fallback_route(request)
        return HttpReply(404, b'{"ok":false,"error":"not_found"}')

    # ---- observation ------------------------------------------------------------------

    @property
    def calls(self) -> list[RecordedCall]:
        """Every Web API call so far, in order (failed and rate-limited ones too)."""
        with self._ws.lock:
            return list(self._ws.calls)

    def calls_to(self, method: str) -> list[RecordedCall]:
        """The calls of one method."""
        return [c for c in self.calls if c.method == method]

    @property
    def response_url_calls(self) -> list[RecordedCall]:
        """Every POST to a response_url (method ``"response_url"``, args = the JSON body)."""
        with self._ws.lock:
            return list(self._ws.response_url_calls)

    def channel(self, channel_id: str) -> Channel:
        """A snapshot of a channel (KeyError if unknown)."""
        with self._ws.lock:
            return copy.deepcopy(self._ws.channels[channel_id])

    def channel_by_name(self, name: str) -> Channel | None:
        """A snapshot of the channel called ``name``, if any."""
        with self._ws.lock:
            return copy.deepcopy(self._ws.channel_by_name(name))

    def messages(self, channel_id: str) -> list[Message]:
        """Channel messages (thread replies included) in posting order, as edited."""
        with self._ws.lock:
            return copy.deepcopy(self._ws.messages.get(channel_id, []))

    def ephemerals(self, user_id: str, channel_id: str | None = None) -> list[Message]:
        """What ``user_id`` was shown privately, in order (optionally in one channel)."""
        with self._ws.lock:
            return copy.deepcopy(
                [
                    m
                    for m in self._ws.ephemerals
                    if m.ephemeral_for == user_id and channel_id in (None, m.channel)
                ]
            )

    def dms(self, user_id: str) -> list[Message]:
        """Messages the bot posted into its IM with ``user_id``."""
        with self._ws.lock:
            channel_id = self._ws.ims.get(user_id)
            if channel_id is None:
                return []
            return copy.deepcopy(
                [m for m in self._ws.messages[channel_id] if m.user == self._ws.bot_user_id]
            )

    def view(self, view_id: str) -> View:
        """A snapshot of a view (KeyError if unknown)."""
        with self._ws.lock:
            return self._ws.view_snapshot(self._ws.views[view_id])

    def open_views(self, user_id: str) -> list[View]:
        """The user's open modals, root first then pushed ones (Home tabs excluded)."""
        ws = self._ws
        with ws.lock:
            found = []
            for stack in ws.stacks.values():
                for view_id in stack:
                    view = ws.views[view_id]
                    if view.user_id == user_id and view.state == "open":
                        found.append(ws.view_snapshot(view))
            return found

    def home(self, user_id: str) -> View | None:
        """The Home tab published for ``user_id``, if any."""
        with self._ws.lock:
            view_id = self._ws.home_views.get(user_id)
            return self._ws.view_snapshot(self._ws.views[view_id]) if view_id else None

    def uploaded(self, file_id: str) -> bytes | None:
        """The bytes uploaded for ``file_id`` (None before the upload POST)."""
        with self._ws.lock:
            upload = self._ws.uploads.get(file_id)
            return upload.data if upload is not None else None

    def wait_for(
        self, predicate: Callable[[], bool], timeout: float = 5.0, what: str = "condition"
    ) -> None:
        """Block until ``predicate()`` holds (re-checked on every recorded call and at least
        every 50 ms), for work the app does after acking; AssertionError on timeout."""
        deadline = time.monotonic() + timeout
        with self._ws.changed:
            while not predicate():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"timed out after {timeout} s waiting for {what}")
                self._ws.changed.wait(min(remaining, 0.05))

    # ---- Socket Mode ------------------------------------------------------------------

    @property
    def socket_server(self) -> SocketModeServer:
        """The WebSocket endpoint itself, for tests that send envelopes Slack never would."""
        return self._socket

    @property
    def socket_connections(self) -> int:
        """Socket Mode connections accepted so far (reconnects included)."""
        return self._socket.accepted

    def wait_for_socket_connection(self, timeout: float = 10.0) -> None:
        """Block until a Socket Mode connection is open, its ``hello`` sent or queued ahead
        of anything else; AssertionError on timeout. After :meth:`disconnect_socket` it
        waits for the app's new connection."""
        self._socket.wait_for_connection(timeout)

    def disconnect_socket(self, reason: str = "refresh_requested") -> int:
        """Send ``{"type": "disconnect", "reason": reason}`` on every open Socket Mode
        connection, then close it, as Slack does before it refreshes a connection; returns
        how many were disconnected. The app is expected to open a new one."""
        return self._socket.disconnect(reason)

    # ---- faults -----------------------------------------------------------------------

    def fail(
        self,
        method: str,
        *,
        status: int = 500,
        error: str | None = None,
        retry_after: int | None = None,
        delay: float = 0.0,
        times: int = 1,
        connection_reset: bool = False,
    ) -> None:
        """Make the next ``times`` calls of ``method`` (``"*"``: any) fail.

        HTTP ``status`` with ``{"ok": false, "error": ...}`` (429 adds ``Retry-After``,
        ``retry_after`` or 1); ``status=200`` with ``error`` gives Slack's usual
        ``ok: false`` answer; ``status=200`` without error only adds ``delay``; with
        ``connection_reset`` the socket is dropped without an answer. ``delay`` seconds
        pass before any of that.
        """
        self._faults.add(Fault(method, status, error, retry_after, delay, times, connection_reset))

    def flaky(
        self,
        share: float = 0.3,
        kinds: Iterable[FlakyKind] = FLAKY_KINDS,
        *,
        seed: int = 0,
        slow_seconds: float = 10.0,
        retry_after: int = 1,
    ) -> None:
        """Fail a seeded random ``share`` of all Web API calls from now on, each as one of
        ``kinds``: ``"500"``, ``"429"`` (with ``Retry-After: retry_after``), ``"reset"``
        (connection dropped unanswered) or ``"slow"`` (answered normally after
        ``slow_seconds``: above the client's timeout, the client gives up on a call Slack
        still carries out). Faults queued by :meth:`fail` go first. Every call is recorded,
        failed ones too. :meth:`clear_faults` ends it."""
        self._faults.flaky(
            share, kinds, seed=seed, slow_seconds=slow_seconds, retry_after=retry_after
        )

    def hold(self, method: str, *, nth: int = 1, carry_out: bool = True) -> Hold:
        """Stop the ``nth`` call of ``method`` from now on in flight until the returned
        :class:`Hold` is released: with ``carry_out`` after Slack did what it asks (only
        the answer waits), else before (then it is dropped unanswered). For killing the
        bot during a call, deterministically."""
        hold = Hold(method, nth, carry_out)
        self._faults.hold(hold)
        return hold

    def clear_faults(self) -> None:
        """Drop every fault still queued by :meth:`fail`, stop :meth:`flaky`, release holds."""
        self._faults.clear()

    @property
    def rate_violations(self) -> list[RateViolation]:
        """chat.postMessage calls that came faster than Slack's per-channel limit allows
        (about 1 per second, bursts of 5), recorded even when rate limits are off."""
        return self._posting_rate.violations

    def wait_idle(self, timeout: float = 15.0) -> None:
        """Block until no Web API call is being answered (a slow call whose client gave up
        is still carried out: wait for it before judging what Slack holds)."""
        api = self._api
        self.wait_for(lambda: api.in_flight == 0, timeout, "in-flight Web API calls to finish")
