"""The Web API pipeline: one request in, one Slack-shaped answer out, one call recorded.

Order of checks, as Slack's edge would apply them: injected fault (infrastructure),
unknown method, authentication (a token the workspace does not know, then one of the
wrong type: bot token for an app-level method or the reverse), rate limit, arguments
(unknown / missing), then the method's handler under the workspace lock. Every outcome,
failures included, is appended to ``Workspace.calls``.
"""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from ..faults import Fault, FaultPlan
from ..models import RecordedCall
from ..ratelimit import PostingRateWatch, RateLimiter
from ..workspace import Workspace
from .base import JSON_ARGS, ApiCall, ApiError, MethodSpec, decode_json_arg
from .table import spec_for

UNIVERSAL_ARGS = frozenset({"team_id"})
"""Accepted by every method: slack_sdk adds ``team_id`` to each call when its client has
one, and Bolt builds such a client for every request (org-wide apps name the workspace)."""


@dataclass
class ApiSettings:
    """Knobs a test turns at run time (mirrored by ``SlackStandIn.latency`` etc.)."""

    latency: float = 0.0
    rate_limits: bool = True


@dataclass(frozen=True)
class ApiReply:
    """What the HTTP layer sends back; ``reset`` means drop the connection instead."""

    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    reset: bool = False


def parse_request(
    headers: Mapping[str, str], query: str, body: bytes
) -> tuple[dict[str, Any], str | None]:
    """Arguments (query, form or JSON body; JSON-string arguments decoded) and the token."""
    args: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
    content_type = headers.get("content-type", "").split(";")[0].strip().lower()
    if body:
        if content_type == "application/json":
            try:
                decoded = json.loads(body)
            except ValueError:
                raise ApiError("invalid_json") from None
            if not isinstance(decoded, dict):
                raise ApiError("json_not_object")
            args.update(decoded)
        elif content_type in ("application/x-www-form-urlencoded", ""):
            try:
                text = body.decode("utf-8")
            except UnicodeDecodeError:
                raise ApiError("invalid_charset") from None
            args.update(parse_qsl(text, keep_blank_values=True))
        else:
            raise ApiError("invalid_form_data")
    args = {
        k: (decode_json_arg(v) if k in JSON_ARGS else v) for k, v in args.items() if v is not None
    }
    token = args.pop("token", None)
    authorization = headers.get("authorization", "")
    if authorization.lower().startswith("bearer "):
        token = authorization[7:].strip()
    return args, token if isinstance(token, str) and token else None


def argument_error(spec: MethodSpec, args: Mapping[str, Any], team_id: str) -> ApiError | None:
    """``invalid_arguments`` for unknown names, or the error for a missing required one."""
    unknown = sorted(set(args) - spec.accepted - UNIVERSAL_ARGS)
    if unknown:
        return ApiError(
            "invalid_arguments",
            messages=[f"[ERROR] unknown argument '{name}'" for name in unknown],
        )
    for name, error in spec.required.items():
        if args.get(name) in (None, ""):
            if error is None:
                return ApiError(
                    "invalid_arguments",
                    messages=[f"[ERROR] missing required field: {name}"],
                )
            return ApiError(error)
    if args.get("team_id") not in (None, "", team_id):
        return ApiError("team_access_not_granted")
    return None


class WebApi:
    """Serves ``/api/<method>`` for one workspace."""

    def __init__(
        self,
        ws: Workspace,
        *,
        faults: FaultPlan,
        limiter: RateLimiter,
        settings: ApiSettings,
        bot_token: str,
        base_url: Callable[[], str],
        app_token: str | None = None,
        issue_socket_link: Callable[[], str] | None = None,
        posting_rate: PostingRateWatch | None = None,
    ) -> None:
        self.posting_rate = posting_rate
        self.in_flight = 0
        """Calls being answered right now (slow ones included); guarded by ``ws.changed``."""
        self.ws = ws
        self.faults = faults
        self.limiter = limiter
        self.settings = settings
        self.bot_token = bot_token
        self.base_url = base_url
        self.app_token = app_token
        self.issue_socket_link = issue_socket_link

    def handle(self, method: str, headers: Mapping[str, str], query: str, body: bytes) -> ApiReply:
        """Answer one call (sleeping first for injected latency) and record it."""
        with self.ws.changed:
            self.in_flight += 1
        try:
            return self._handle(method, headers, query, body)
        finally:
            with self.ws.changed:
                self.in_flight -= 1
                self.ws.changed.notify_all()

    def _handle(self, method: str, headers: Mapping[str, str], query: str, body: bytes) -> ApiReply:
        at = self.ws.now()
        fault = self.faults.take(method)
        delay = self.settings.latency + (fault.delay if fault is not None else 0.0)
        if delay > 0:
            time.sleep(delay)
        args: dict[str, Any] = {}
        token: str | None = None
        try:
            args, token = parse_request(headers, query, body)
        except ApiError as error:
            return self._finish(method, args, token, at, ApiReply(200, error.body()))
        if fault is not None and fault.answers:
            return self._finish(method, args, token, at, self._fault_reply(fault))
        hold = self.faults.held(method)
        if hold is not None and not hold.carry_out:
            hold.block()
            return self._finish(method, args, token, at, ApiReply(0, {}, reset=True))
        if method == "chat.postMessage" and self.posting_rate is not None:
            self.posting_rate.observe(str(args.get("channel", "")))
        reply = self._answer(method, args, token)
        if hold is not None:
            hold.block()
        return self._finish(method, args, token, at, reply)

    # ---- steps --------------------------------------------------------------------

    @staticmethod
    def _fault_reply(fault: Fault) -> ApiReply:
        if fault.connection_reset:
            return ApiReply(0, {}, reset=True)
        headers = {}
        if fault.status == 429:
            headers["Retry-After"] = str(fault.retry_after or 1)
        return ApiReply(fault.status, {"ok": False, "error": fault.error_code}, headers)

    def _answer(self, method: str, args: dict[str, Any], token: str | None) -> ApiReply:
        spec = spec_for(method)
        if spec is None:
            return ApiReply(404, {"ok": False, "error": "unknown_method"})
        if token is None:
            return ApiReply(200, {"ok": False, "error": "not_authed"})
        tokens = {"bot": self.bot_token, "app": self.app_token}
        if token not in tokens.values():
            return ApiReply(200, {"ok": False, "error": "invalid_auth"})
        if token != tokens[spec.token_type]:
            return ApiReply(200, {"ok": False, "error": "not_allowed_token_type"})
        if self.settings.rate_limits:
            channel = args.get("channel")
            wait = self.limiter.check(
                method, spec.tier, channel=channel if isinstance(channel, str) else None
            )
            if wait is not None:
                return ApiReply(
                    429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(wait)}
                )
        problem = argument_error(spec, args, self.ws.team_id)
        if problem is not None:
            return ApiReply(problem.status, problem.body())
        call = ApiCall(method, dict(args), self.ws, self.base_url(), self.issue_socket_link)
        with self.ws.lock:
            try:
                result = spec.handler(call)
            except ApiError as error:
                return ApiReply(error.status, error.body())
            return ApiReply(200, {"ok": True, **copy.deepcopy(result)})

    def _finish(
        self, method: str, args: dict[str, Any], token: str | None, at: float, reply: ApiReply
    ) -> ApiReply:
        record = RecordedCall(
            method=method,
            args=copy.deepcopy(args),
            status=reply.status,
            response=copy.deepcopy(reply.body),
            token=token,
            at=at,
        )
        with self.ws.changed:
            self.ws.calls.append(record)
            self.ws.changed.notify_all()
        return reply
