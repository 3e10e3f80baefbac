"""Slack's outbound side: what users do, built into signed requests to the app.

Slash commands, clicks on rendered elements, modal submissions and cancels, events and the
url_verification challenge. Each builds the body Slack would send (payloads.py), delivers
it (:meth:`SlackActions.mode`: POSTed signed to ``request_url`` by inbound.py, or sent as a
Socket Mode envelope by socketmode.py) and then shows the app's answer the way Slack would
(an ephemeral reply, a modal update), noting in ``InboundResponse.problems`` whatever
Slack would hold against it. Both transports return the same :class:`InboundResponse`,
so the answer is interpreted once. Mixed into :class:`~tests.slack_standin.SlackStandIn`.
"""

from __future__ import annotations

import base64
import copy
import json
import time
import uuid
from dataclasses import replace
from typing import Any, Literal

from . import payloads
from .inbound import InboundResponse, post_signed, retry_headers
from .interactions import (
    action_object,
    find_element,
    input_block_ids,
    state_entry,
    view_state_values,
)
from .models import Channel, Message, User, View
from .responses import apply_response
from .socketmode import EnvelopeType, SocketModeServer, envelope_payload
from .webapi import ApiError
from .webapi.render import message_json
from .webapi.views import checked_view, open_modal, replace_view
from .workspace import Workspace

DeliveryMode = Literal["http", "socket"]


class SlackActions:
    """Users acting in the workspace; needs the attributes declared below."""

    _ws: Workspace
    signing_secret: str
    verification_token: str
    request_url: str | None
    _last_commands: dict[tuple[str, str, str], bytes]
    _last_events: dict[str, tuple[str, bytes]]
    _socket: SocketModeServer

    @property
    def base_url(self) -> str:
        """Where response_urls point (the serving stand-in provides it)."""
        raise NotImplementedError

    @property
    def mode(self) -> DeliveryMode | None:
        """How requests reach the app: ``"http"`` (signed POSTs to ``request_url``) whenever
        ``request_url`` is set; else ``"socket"`` (envelopes) once the app has connected over
        Socket Mode, including while it is between connections after a disconnect; None
        before either, when sending raises RuntimeError."""
        if self.request_url is not None:
            return "http"
        if self._socket.accepted > 0:
            return "socket"
        return None

    def _deliver(
        self,
        kind: EnvelopeType,
        body: bytes,
        content_type: str,
        *,
        accepts_response_payload: bool,
        timestamp: int | None = None,
        forge_signature: bool = False,
        retry_num: int | None = None,
        retry_reason: str | None = None,
    ) -> InboundResponse:
        """Send ``body`` the way :attr:`mode` says; the answer has the same form either way.

        In Socket Mode the payload is the body's content (see
        :func:`socketmode.envelope_payload`) and retries are marked on ``events_api``
        envelopes only; there is no signature, so ``timestamp`` and ``forge_signature``
        are refused.
        """
        if self.mode != "socket":
            return self.post_signed(
                body,
                content_type,
                timestamp=timestamp,
                forge_signature=forge_signature,
                extra_headers=retry_headers(retry_num, retry_reason),
            )
        if timestamp is not None or forge_signature:
            raise ValueError("Socket Mode requests are not signed: no timestamp or forgery")
        return self._socket.exchange(
            kind,
            envelope_payload(kind, body),
            accepts_response_payload=accepts_response_payload,
            retry_attempt=retry_num,
            retry_reason=retry_reason,
        )

    def post_signed(
        self,
        body: bytes,
        content_type: str,
        *,
        timestamp: int | None = None,
        forge_signature: bool = False,
        extra_headers: dict[str, str] | None = None,
    ) -> InboundResponse:
        """POST raw ``body`` to ``request_url``, signed (or forged) like Slack does."""
        if self.request_url is None:
            raise RuntimeError(
                "set standin.request_url to the bot's Request URL first "
                "(or connect the bot over Socket Mode)"
            )
        return post_signed(
            self.request_url,
            body,
            content_type,
            signing_secret=self.signing_secret,
            timestamp=timestamp,
            forge_signature=forge_signature,
            extra_headers=extra_headers,
        )

    def slash_command(
        self,
        user_id: str,
        channel_id: str,
        command: str,
        text: str = "",
        *,
        retry_num: int | None = None,
        retry_reason: str | None = None,
        timestamp: int | None = None,
        forge_signature: bool = False,
    ) -> InboundResponse:
        """``user_id`` runs ``command text`` in ``channel_id``.

        A fresh trigger_id and response_url come with it. With ``retry_num`` the exact
        body of the previous attempt with the same user, command and text is resent (with
        retry headers and a fresh timestamp). The app's answer is shown as Slack would:
        a JSON or text body becomes an ephemeral message (or an in-channel one).
        """
        if not command.startswith("/"):
            raise AssertionError(f"a slash command starts with '/': {command!r}")
        ws = self._ws
        with ws.lock:
            user, channel = self._user(user_id), self._channel(channel_id, user_id)
            key = (user_id, command, text)
            body = self._last_commands.get(key) if retry_num is not None else None
            if body is None:
                fields = payloads.slash_command_fields(
                    ws,
                    verification_token=self.verification_token,
                    user=user,
                    channel=channel,
                    command=command,
                    text=text,
                    response_url=ws.issue_response_url(
                        self.base_url, channel_id=channel.id, user_id=user_id
                    ),
                    trigger_id=ws.issue_trigger(user_id),
                )
                body = payloads.form_body(fields)
                self._last_commands[key] = body
        response = self._deliver(
            "slash_commands",
            body,
            payloads.FORM,
            accepts_response_payload=True,
            timestamp=timestamp,
            forge_signature=forge_signature,
            retry_num=retry_num,
            retry_reason=retry_reason,
        )
        return self._show_command_answer(response, user_id, channel_id)

    def _show_command_answer(
        self, response: InboundResponse, user_id: str, channel_id: str
    ) -> InboundResponse:
        if response.problems or not response.body.strip():
            return response
        answer = response.json()
        if not isinstance(answer, dict):
            answer = {"text": response.body}
        if not any(k in answer for k in ("text", "blocks", "attachments")):
            return response
        try:
            with self._ws.lock:
                apply_response(
                    self._ws,
                    answer,
                    channel_id=channel_id,
                    user_id=user_id,
                    source="ack",
                    original=None,
                )
        except ApiError as error:
            return _with_problem(
                response, f"Slack refuses the answer body: {error.error} {error.messages}"
            )
        return response

    def click(
        self,
        user_id: str,
        channel_id: str,
        message_ts: str,
        action_id: str,
        *,
        value: str | None = None,
        selected_option: str | None = None,
        selected_user: str | None = None,
        ephemeral_blocks: list[dict[str, Any]] | None = None,
    ) -> InboundResponse:
        """``user_id`` acts on element ``action_id`` of a message (block_actions).

        The element must be rendered in the stored message, or in ``ephemeral_blocks``
        for an ephemeral message (AssertionError otherwise). See
        :func:`interactions.action_object` for ``value`` / ``selected_*``. Slack ignores the
        body of the app's answer to block_actions; a non-empty one is noted in
        ``problems``.
        """
        ws = self._ws
        with ws.lock:
            user, channel = self._user(user_id), self._channel(channel_id, user_id)
            message: dict[str, Any] | None = None
            if ephemeral_blocks is not None:
                blocks = copy.deepcopy(ephemeral_blocks)
            else:
                stored = ws.find_message(channel_id, message_ts)
                if stored is None:
                    raise AssertionError(f"no message {message_ts} in {channel_id}")
                blocks = copy.deepcopy(stored.blocks)
                message = message_json(ws, stored)
            block_id, element = find_element(blocks, action_id)
            action = action_object(
                element,
                block_id,
                action_ts=f"{ws.now():.6f}",
                value=value,
                selected_option=selected_option,
                selected_user=selected_user,
            )
            entry = state_entry(action)
            ephemeral = ephemeral_blocks is not None
            payload = payloads.block_actions_payload(
                ws,
                verification_token=self.verification_token,
                user=user,
                container={
                    "type": "message",
                    "message_ts": message_ts,
                    "channel_id": channel_id,
                    "is_ephemeral": ephemeral,
                },
                actions=[action],
                state_values={block_id: {str(action["action_id"]): entry}} if entry else {},
                trigger_id=ws.issue_trigger(user_id),
                channel=channel,
                message=copy.deepcopy(message),
                response_url=ws.issue_response_url(
                    self.base_url,
                    channel_id=channel_id,
                    user_id=user_id,
                    message_ts=message_ts,
                    ephemeral=ephemeral,
                ),
            )
        response = self._deliver(
            "interactive",
            payloads.interactive_body(payload),
            payloads.FORM,
            accepts_response_payload=False,
        )
        if response.body.strip() and not response.problems:
            response = _with_problem(
                response,
                "Slack ignores the body of an answer to block_actions; use the response_url",
            )
        return response

    def submit_view(self, user_id: str, view_id: str, values: dict[str, object]) -> InboundResponse:
        """``user_id`` submits open modal ``view_id`` with ``values`` (view_submission).

        ``values`` maps action_id (or ``"block_id.action_id"``) to what the user entered:
        a str for text inputs, option value for static_select / radio_buttons, user id for
        users_select, a list for multi selects and checkboxes, a bool for a one-option
        checkbox. The app's ``response_action`` is then applied to the modal.
        """
        ws = self._ws
        with ws.lock:
            user = self._user(user_id)
            view = ws.views.get(view_id)
            if view is None or view.user_id != user_id or view.state != "open":
                raise AssertionError(f"view {view_id} is not open for {user_id}")
            if view.view.get("type") != "modal":
                raise AssertionError(f"view {view_id} is a Home tab, not a modal")
            view.view["state"] = {"values": view_state_values(view.view, values)}
            payload = payloads.view_submission_payload(
                ws,
                verification_token=self.verification_token,
                user=user,
                view=copy.deepcopy(view.view),
                trigger_id=ws.issue_trigger(user_id, view_id=view_id),
            )
        response = self._deliver(
            "interactive",
            payloads.interactive_body(payload),
            payloads.FORM,
            accepts_response_payload=True,
        )
        if response.problems:
            return response
        problem = self._apply_response_action(view, response)
        return response if problem is None else _with_problem(response, problem)

    def _apply_response_action(self, view: View, response: InboundResponse) -> str | None:
        """Update the modal after a submission; returns a problem Slack would show."""
        ws = self._ws
        answer: Any = {}
        if response.body.strip():
            answer = response.json()
            if not isinstance(answer, dict):
                return "Slack cannot read the answer (not a JSON object); the modal stays open"
        action = answer.get("response_action")
        with ws.lock:
            if view.state != "open":
                return None
            if action is None:
                ws.close_view(view.id)
            elif action == "errors":
                errors = answer.get("errors")
                if not isinstance(errors, dict) or not errors:
                    return "response_action errors needs a non-empty errors object"
                unknown = set(errors) - input_block_ids(view.view)
                if unknown:
                    return f"errors name blocks that are not input blocks: {sorted(unknown)}"
                view.errors = {str(k): str(v) for k, v in errors.items()}
            elif action in ("update", "push"):
                try:
                    new = checked_view(answer.get("view"), kind="modal")
                    if action == "update":
                        replace_view(ws, view, new)
                    else:
                        open_modal(ws, new, view.user_id, on_top_of=view.id)
                except ApiError as error:
                    return f"response_action {action} refused: {error.error} {error.messages}"
            elif action == "clear":
                ws.close_stack(view.root_view_id)
            else:
                return f"unknown response_action {action!r}"
        return None

    def cancel_view(self, user_id: str, view_id: str) -> InboundResponse | None:
        """The user closes a modal with its close button. Slack sends ``view_closed`` only
        when the view asked for it (``notify_on_close``); returns that answer or None."""
        ws = self._ws
        with ws.lock:
            user = self._user(user_id)
            view = ws.views.get(view_id)
            if view is None or view.user_id != user_id or view.state != "open":
                raise AssertionError(f"view {view_id} is not open for {user_id}")
            snapshot = copy.deepcopy(view.view)
            ws.close_stack(view.root_view_id)
            if not snapshot.get("notify_on_close"):
                return None
            payload = {
                "type": "view_closed",
                "team": payloads.team_ref(ws),
                "user": payloads.user_ref(ws, user),
                "api_app_id": ws.app_id,
                "token": self.verification_token,
                "view": snapshot,
                "is_cleared": False,
                "is_enterprise_install": False,
                "enterprise": None,
            }
        return self._deliver(
            "interactive",
            payloads.interactive_body(payload),
            payloads.FORM,
            accepts_response_payload=False,
        )

    def send_event(
        self,
        event: dict[str, Any],
        *,
        event_id: str | None = None,
        retry_num: int | None = None,
        retry_reason: str | None = None,
    ) -> InboundResponse:
        """Deliver an Events API ``event_callback`` wrapping ``event``.

        With ``retry_num`` and the same event as an earlier delivery, the identical body is
        resent (same event_id), as Slack's retries are.
        """
        ws = self._ws
        key = json.dumps(event, sort_keys=True)
        with ws.lock:
            previous = self._last_events.get(key) if retry_num is not None else None
            if previous is not None and event_id in (None, previous[0]):
                body = previous[1]
            else:
                new_id = event_id or ws.new_id("Ev")
                context = base64.urlsafe_b64encode(
                    json.dumps({"tid": ws.team_id, "aid": ws.app_id, "eid": new_id}).encode()
                ).decode()
                envelope = payloads.event_envelope(
                    ws,
                    verification_token=self.verification_token,
                    event=copy.deepcopy(event),
                    event_id=new_id,
                    event_time=int(time.time()),
                    event_context=f"4-{context.rstrip('=')}",
                )
                body = payloads.json_body(envelope)
                self._last_events[key] = (new_id, body)
        return self._deliver(
            "events_api",
            body,
            payloads.JSON,
            accepts_response_payload=False,
            retry_num=retry_num,
            retry_reason=retry_reason,
        )

    def url_verification(self, challenge: str) -> InboundResponse:
        """Send the challenge Slack sends when the Request URL is saved."""
        body = payloads.json_body(
            payloads.url_verification_payload(self.verification_token, challenge)
        )
        return self.post_signed(body, payloads.JSON)

    def say(
        self, user_id: str, channel_id: str, text: str, *, thread_ts: str | None = None
    ) -> tuple[Message, InboundResponse]:
        """A human posts ``text`` in a channel: stored, then delivered as a ``message`` event."""
        ws = self._ws
        with ws.lock:
            self._user(user_id)
            channel = self._channel(channel_id, user_id)
            if user_id not in channel.members:
                raise AssertionError(f"{user_id} is not a member of {channel_id}")
            message = ws.post(
                Message(channel_id, ws.next_ts(), user_id, text, [], thread_ts, None, "user")
            )
            channel_type = "im" if channel.is_im else "group" if channel.is_private else "channel"
        event: dict[str, Any] = {
            "type": "message",
            "channel": channel_id,
            "user": user_id,
            "text": text,
            "ts": message.ts,
            "event_ts": message.ts,
            "channel_type": channel_type,
            "team": ws.team_id,
            "client_msg_id": str(uuid.uuid4()),
        }
        if thread_ts is not None:
            event["thread_ts"] = thread_ts
        return copy.deepcopy(message), self.send_event(event)

    def react(self, user_id: str, channel_id: str, ts: str, name: str) -> InboundResponse:
        """A human adds reaction ``name`` to a message; delivered as ``reaction_added``."""
        ws = self._ws
        with ws.lock:
            self._user(user_id)
            self._channel(channel_id, user_id)
            message = ws.find_message(channel_id, ts)
            if message is None:
                raise AssertionError(f"no message {ts} in {channel_id}")
            users = message.reactions.get(name, [])
            if user_id not in users:
                reactions = {**message.reactions, name: [*users, user_id]}
                ws.swap_message(message, replace(message, reactions=reactions))
        return self.send_event(
            {
                "type": "reaction_added",
                "user": user_id,
                "reaction": name,
                "item": {"type": "message", "channel": channel_id, "ts": ts},
                "item_user": message.user,
                "event_ts": f"{ws.now():.6f}",
            }
        )

    def leave(self, user_id: str, channel_id: str) -> None:
        """A human leaves a channel (or is removed from it): no longer a member.

        Slack tells apps only through ``member_left_channel``, an event Firebreak does not
        subscribe to, so nothing is delivered.
        """
        ws = self._ws
        with ws.lock:
            self._user(user_id)
            channel = self._channel(channel_id, user_id)
            if user_id not in channel.members:
                raise AssertionError(f"{user_id} is not a member of {channel_id}")
            channel.members.discard(user_id)

    def reopen_view_for_test(self, view_id: str) -> None:
        """Put a closed modal back on screen, so a test can submit it again.

        This models a submission reaching the app twice (a double click on Submit, or a
        resend after a slow answer), which an app must survive without acting twice.
        """
        ws = self._ws
        with ws.lock:
            view = ws.views[view_id]
            if view.view.get("type") != "modal":
                raise AssertionError(f"view {view_id} is not a modal")
            view.state = "open"
            stack = ws.stacks.setdefault(view.root_view_id, [])
            if view_id not in stack:
                stack.append(view_id)

    # ---- helpers ----------------------------------------------------------------------

    def _user(self, user_id: str) -> User:
        user = self._ws.users.get(user_id)
        if user is None:
            raise AssertionError(f"unknown user {user_id}; add it with add_user()")
        return user

    def _channel(self, channel_id: str, user_id: str) -> Channel:
        channel = self._ws.channels.get(channel_id)
        if channel is None:
            raise AssertionError(f"unknown channel {channel_id}; add it with add_channel()")
        if channel.is_private and user_id not in channel.members:
            raise AssertionError(f"{user_id} cannot see private channel {channel_id}")
        return channel


def _with_problem(response: InboundResponse, problem: str) -> InboundResponse:
    return InboundResponse(
        response.status,
        response.headers,
        response.body,
        response.elapsed,
        (*response.problems, problem),
    )
