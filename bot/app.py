"""The app factory: one Bolt app wired to its database, policy, clock and Slack client.

Nothing is global: tests build as many apps as they like, each against its own
Slack stand-in and database.
"""

from __future__ import annotations

import contextvars
import functools
import logging
from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from sqlalchemy.orm import Session, sessionmaker

from commands import (
    card_actions,
    chart_command,
    closing_command,
    containment_command,
    errors,
    events,
    export_command,
    home,
    incident_command,
    listing_command,
    oncall_command,
    reminder_actions,
    roles_command,
    stats_command,
    update_command,
    views,
)
from commands.after_ack import AfterAck
from commands.answers_first import AnswersFirst, YieldingWebClient
from commands.attribution import AttributingApp
from commands.directory import SlackDirectory
from commands.latest_card import LatestCardGateway
from commands.pacing import ChannelPacer
from commands.services import Services
from commands.verbs import Verbs
from storage.database import read_only
from workflows.clock import Clock
from workflows.digest import DIGEST_KINDS, DigestReminders
from workflows.escalation import IncidentReminders
from workflows.handoffs import HANDOFF_KINDS, HandoffReminders
from workflows.planning import INCIDENT_KINDS
from workflows.policy import Policy
from workflows.provisioning import Provisioner
from workflows.publishing import newer_snapshot
from workflows.reminders import ReminderRunner

T = TypeVar("T")

WEB_API_TIMEOUT_SECONDS = 10
LISTENER_THREADS = 16
AFTER_ACK_THREADS = 8
"""Post-ack work mostly waits on Slack; more threads would only contend for the
interpreter lock (and SQLite's write lock) with the requests being acknowledged."""


def slack_client(
    token: str,
    api_url: str,
    timeout: float | None = None,
    answers_first: AnswersFirst | None = None,
) -> WebClient:
    """A WebClient that rides out what Slack documents: 429s, 5xx and dropped connections.

    A timed-out call is not retried here: Slack may have carried it out, and a second
    chat.postMessage would post twice. The callers that retry (provisioning, reminders)
    look for their tagged message first. ``timeout`` (seconds) is for tests. With
    ``answers_first``, calls made in the background make way for requests being answered.
    """
    return YieldingWebClient(
        token=token,
        base_url=api_url,
        timeout=timeout or WEB_API_TIMEOUT_SECONDS,  # urllib takes a float
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=3),
            ServerErrorRetryHandler(max_retry_count=2),
        ],
        answers_first=answers_first,
    )


class ContextCopyingExecutor(Executor):
    """Run each task in a copy of the submitting thread's context variables.

    Bolt hands listeners to its executor after ack; without the copy, what the request
    thread knew (the surface a change came through, for the audit trail) would be lost.
    """

    def __init__(self, inner: Executor) -> None:
        self._inner = inner

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        return self._inner.submit(contextvars.copy_context().run, fn, *args, **kwargs)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._inner.shutdown(wait=wait, cancel_futures=cancel_futures)


@dataclass(frozen=True)
class Firebreak:
    app: App
    services: Services
    reminders: ReminderRunner


def create_app(
    *,
    client: WebClient,
    signing_secret: str | None,
    sessions: sessionmaker[Session],
    policy: Policy,
    clock: Clock,
    executor: Executor | None = None,
    after_ack: Executor | None = None,
    pacer: ChannelPacer | None = None,
    answers_first: AnswersFirst | None = None,
) -> Firebreak:
    """Build the Bolt app. ``signing_secret`` may be None only in Socket Mode.

    Listeners run on the thread that received the request, up to their ``ack()``;
    ``after_ack`` runs what they hand on after it (see ``commands.after_ack``), and
    ``executor``, Bolt's listener pool, opens modals. ``pacer`` keeps posts under Slack's
    per-channel rate (the default paces in real time). ``answers_first``, shared with the
    client and the server, has post-ack work make way for requests being answered.
    """
    # Cards re-read the incident after sending (read-only sessions: no SQLite write lock).
    gateway = LatestCardGateway(
        client,
        policy,
        functools.partial(newer_snapshot, read_only(sessions), policy),
        pacer=pacer,
    )
    directory = SlackDirectory(client)
    listeners = ContextCopyingExecutor(
        executor or ThreadPoolExecutor(max_workers=LISTENER_THREADS, thread_name_prefix="ack")
    )
    services = Services(
        sessions=sessions,
        policy=policy,
        clock=clock,
        gateway=gateway,
        provisioner=Provisioner(sessions, gateway, directory, policy, clock),
        directory=directory,
        after_ack=AfterAck(
            ContextCopyingExecutor(
                after_ack
                or ThreadPoolExecutor(max_workers=AFTER_ACK_THREADS, thread_name_prefix="after-ack")
            ),
            answers_first,
        ),
        # Bolt runs nothing on its listener pool when it processes before responding.
        modals=AfterAck(listeners, answers_first, answering=True),
    )
    app = AttributingApp(
        client=client,
        signing_secret=signing_secret,
        request_verification_enabled=signing_secret is not None,
        # Listeners run on the request's own thread and the answer goes the moment they
        # return: each acks and hands the rest on, so there is nothing to wait for, and
        # no hand-over to another thread and no 10 ms poll for the ack (Bolt's way when
        # it answers before processing).
        process_before_response=True,
        listener_executor=listeners,
        logger=logging.getLogger("firebreak.bolt"),
    )
    errors.register(app)
    # Bolt tries each request against the listeners in the order they were registered,
    # building each matcher's keyword arguments (tens of microseconds a try). No two
    # listeners match the same request, so order changes only that cost: what people
    # type and click most comes first.
    verbs: Verbs = {}  # /incident looks its verbs up per request; they are added below
    incident_command.register(app, services, verbs)
    card_actions.register(app, services)
    reminder_actions.register(app, services)
    oncall_command.register(app, services)
    roles_command.register(app, services, verbs)
    containment_command.register(app, services, verbs)
    closing_command.register(app, services, verbs)
    listing_command.register(app, services, verbs)
    stats_command.register(app, services, verbs)
    chart_command.register(app, services, verbs)
    export_command.register(app, services, verbs)
    update_command.register(app, services, verbs)
    views.register(app, services)
    events.register(app, services)
    events.register_capture(app, services)
    home.register(app, services)
    return Firebreak(app=app, services=services, reminders=reminder_runner(services))


def reminder_runner(services: Services) -> ReminderRunner:
    """The runner the scheduler drives, with a handler for every kind of reminder."""
    incident_reminders = IncidentReminders(
        services.sessions, services.gateway, services.directory, services.policy
    )
    handoff_reminders = HandoffReminders(
        services.sessions, services.gateway, services.directory, services.policy
    )
    digest_reminders = DigestReminders(services.sessions, services.gateway, services.policy)
    return ReminderRunner(
        services.sessions,
        services.clock,
        handlers={
            **dict.fromkeys(INCIDENT_KINDS, incident_reminders),
            **dict.fromkeys(HANDOFF_KINDS, handoff_reminders),
            **containment_command.reminder_handlers(services),
            **closing_command.reminder_handlers(services),
            **dict.fromkeys(DIGEST_KINDS, digest_reminders),
        },
        late_after=services.policy.escalation.late_after,
    )
