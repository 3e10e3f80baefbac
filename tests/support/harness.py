"""Firebreak as Slack sees it: the real app behind waitress, talking to the Slack stand-in."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from slack_bolt import App
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from bot.app import Firebreak, create_app, slack_client
from bot.server import answers_first_for, make_server, wsgi_application
from commands.answers_first import AnswersFirst
from commands.pacing import ChannelPacer
from storage.database import create_database_engine, create_session_factory
from storage.models import Incident, RoleAssignment, TimelineEvent
from tests.slack_standin import Channel, InboundResponse, Message, SlackStandIn
from tests.support.clock import ManualClock
from tests.support.executor import TrackedPools
from workflows.policy import Policy

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

SIGNING_SECRET = "firebreak-test-signing-secret"
BROADCAST_CHANNEL = "C0INCIDENTS"
ALICE, BOB, CAROL, DAVE = "U0ALICE", "U0BOB", "U0CAROL", "U0DAVE"
GENERAL = "C0GENERAL"


class Harness:
    """One workspace, one bot, one database. Every inbound call waits for post-ack work."""

    def __init__(
        self,
        standin: SlackStandIn,
        firebreak: Firebreak,
        pools: TrackedPools,
        clock: ManualClock,
        sessions: sessionmaker[Session],
        answers_first: AnswersFirst,
    ) -> None:
        self.standin = standin
        self.firebreak = firebreak
        self.pools = pools
        self.clock = clock
        self.sessions = sessions
        self.answers_first = answers_first

    # Acting as users

    def command(
        self, text: str, *, user: str = ALICE, channel: str = GENERAL, **options: Any
    ) -> InboundResponse:
        response = self.standin.slash_command(user, channel, "/incident", text, **options)
        self.settle()
        return response

    def declare(self, title: str, *, user: str = ALICE, channel: str = GENERAL) -> Channel:
        """Declare and return the incident channel Slack now has."""
        response = self.command(f"declare {title}", user=user, channel=channel)
        assert response.status == 200, response.body
        with self.sessions() as session:
            incident = session.scalars(select(Incident).order_by(Incident.id.desc())).first()
        assert incident is not None
        assert incident.channel_id is not None
        return self.standin.channel(incident.channel_id)

    def click(
        self, user: str, channel: str, ts: str, action_id: str, **options: Any
    ) -> InboundResponse:
        response = self.standin.click(user, channel, ts, action_id, **options)
        self.settle()
        return response

    def submit(self, user: str, view_id: str, values: Mapping[str, object]) -> InboundResponse:
        response = self.standin.submit_view(user, view_id, dict(values))
        self.settle()
        return response

    def settle(self) -> None:
        self.pools.drain()

    # Reading the truth

    def incidents(self) -> list[Incident]:
        with self.sessions() as session:
            return list(session.scalars(select(Incident).order_by(Incident.id)))

    def incident(self, incident_id: int = 1) -> Incident:
        with self.sessions() as session:
            return session.get_one(Incident, incident_id)

    def events(self, incident_id: int = 1) -> list[TimelineEvent]:
        with self.sessions() as session:
            return list(
                session.scalars(
                    select(TimelineEvent)
                    .where(TimelineEvent.incident_id == incident_id)
                    .order_by(TimelineEvent.id)
                )
            )

    def roles(self, incident_id: int = 1) -> list[RoleAssignment]:
        with self.sessions() as session:
            return list(
                session.scalars(
                    select(RoleAssignment)
                    .where(RoleAssignment.incident_id == incident_id)
                    .order_by(RoleAssignment.id)
                )
            )

    def card(self, incident_id: int = 1) -> Message:
        """The card message as it is in Slack now (after every chat.update)."""
        row = self.incident(incident_id)
        assert row.channel_id
        assert row.card_ts
        return next(m for m in self.standin.messages(row.channel_id) if m.ts == row.card_ts)


def unpaced() -> ChannelPacer:
    """A pacer whose burst no test reaches."""
    return ChannelPacer(burst=1_000_000)


def default_policy() -> Policy:
    return Policy.model_validate({"channels": {"broadcast": BROADCAST_CHANNEL}})


@contextmanager
def running_firebreak(
    database_url: str,
    policy: Policy | None = None,
    *,
    client_timeout: float | None = None,
    pace_posts: bool = False,
) -> Iterator[Harness]:
    """The bot behind waitress against a fresh stand-in.

    Posts are paced per channel in real time only with ``pace_posts`` (the pacing tests);
    elsewhere the pacer lets every post through at once, so no test waits on the wall clock.
    """
    engine = create_database_engine(database_url)
    sessions = create_session_factory(engine)
    clock = ManualClock()
    pools = TrackedPools()
    answers_first = answers_first_for(engine)
    with SlackStandIn(signing_secret=SIGNING_SECRET) as standin:
        firebreak = create_app(
            client=slack_client(
                standin.bot_token,
                standin.api_url,
                timeout=client_timeout,
                answers_first=answers_first,
            ),
            signing_secret=SIGNING_SECRET,
            sessions=sessions,
            policy=policy or default_policy(),
            clock=clock,
            executor=pools.listeners,
            after_ack=pools.after_ack,
            pacer=None if pace_posts else unpaced(),
            answers_first=answers_first,
        )
        with serving(firebreak.app, engine, answers_first=answers_first) as port:
            standin.request_url = f"http://127.0.0.1:{port}/slack/events"
            try:
                yield Harness(standin, firebreak, pools, clock, sessions, answers_first)
            finally:
                pools.drain()
        pools.shutdown()
        engine.dispose()


@contextmanager
def serving(
    app: App, engine: Engine, name: str = "waitress", answers_first: AnswersFirst | None = None
) -> Iterator[int]:
    """``app`` behind waitress on 127.0.0.1, as ``firebreak serve`` runs it; yields the port."""
    with serving_wsgi(wsgi_application(app, engine, SIGNING_SECRET, answers_first), name) as port:
        yield port


@contextmanager
def serving_wsgi(application: WSGIApplication, name: str = "waitress") -> Iterator[int]:
    """Any WSGI ``application`` on ``bot.server.make_server``'s waitress, on 127.0.0.1, in a
    thread of its own; yields the port, and stops the server and its workers after."""
    server = make_server(application, "127.0.0.1", 0, poll_seconds=0.02)

    def serve() -> None:
        # close() from the test thread may interrupt select() in this one: that is the stop.
        with contextlib.suppress(OSError):
            server.run()

    thread = threading.Thread(target=serve, name=name, daemon=True)
    thread.start()
    try:
        yield int(server.effective_port)  # type: ignore[union-attr]  # one socket: a TcpWSGIServer
    finally:
        server.close()
        thread.join(timeout=5)
        # close() leaves waitress's worker threads waiting for tasks; end them too.
        server.task_dispatcher.shutdown()
