"""HTTP mode: Slack's requests on ``POST /slack/events``, health on ``GET /healthz``.

Bolt's WSGI adapter handles Slack behind :class:`~bot.request_guard.RequestGuard`,
which refuses anything Slack would not send before Bolt sees it; waitress (a
threaded, production WSGI server) serves both.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from contextlib import nullcontext
from typing import TYPE_CHECKING

from slack_bolt import App
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError
from waitress.server import create_server

from bot.bolt_adapter import FirebreakRequestHandler
from bot.http_channel import use_worker_flushed_channels
from bot.log_throttle import mute_after_each
from bot.replay_ledger import ReplayLedger
from bot.request_guard import RequestGuard
from commands.answers_first import AnswersFirst
from storage.database import writer_queue

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment
    from waitress.server import BaseWSGIServer, MultiSocketServer

SLACK_EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
# Slack's largest payloads (a view submission with a big modal) stay well under this.
MAX_REQUEST_BODY = 1024 * 1024
QUEUE_WARNING_EVERY_SECONDS = 60.0


def answers_first_for(engine: Engine) -> AnswersFirst:
    """The priority of answers over background work, for a bot on ``engine``.

    A thread inside a SQLite write transaction never waits: every answer records its
    request through the same write lock (the replay ledger).
    """
    writers = writer_queue(engine)
    if writers is None:
        return AnswersFirst()
    return AnswersFirst(may_wait=lambda: not writers.held_here())


def wsgi_application(
    app: App, engine: Engine, signing_secret: str, answers_first: AnswersFirst | None = None
) -> WSGIApplication:
    """Health, and Slack's requests guarded; replays are caught through ``engine``'s database.

    With ``answers_first``, each Slack request counts as being answered from the moment
    it arrives until its answer is ready (see ``commands.answers_first``).
    """
    slack = RequestGuard(
        FirebreakRequestHandler(app, path=SLACK_EVENTS_PATH),
        path=SLACK_EVENTS_PATH,
        signing_secret=signing_secret,
        ledger=ReplayLedger(engine),
        max_body=MAX_REQUEST_BODY,
    )

    answering = answers_first.answering if answers_first else nullcontext

    def application(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == HEALTH_PATH and environ.get("REQUEST_METHOD") == "GET":
            return _health(engine, start_response)
        with answering():
            return slack(environ, start_response)

    return application


def _health(engine: Engine, start_response: StartResponse) -> Iterable[bytes]:
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        status, body = "200 OK", {"status": "ok", "database": "ok"}
    except SQLAlchemyError:
        status, body = "503 Service Unavailable", {"status": "degraded", "database": "unreachable"}
    payload = json.dumps(body).encode()
    start_response(
        status, [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))]
    )
    return [payload]


def make_server(
    application: WSGIApplication,
    host: str,
    port: int,
    threads: int = 8,
    poll_seconds: float = 1.0,
) -> BaseWSGIServer | MultiSocketServer:
    """A waitress server; ``poll_seconds`` bounds how long ``close()`` takes to be noticed.

    Its "task queue depth" warning comes at most once a minute (``bot.log_throttle``), and
    its loop leaves a connection alone while a worker answers on it (``bot.http_channel``).
    """
    mute_after_each("waitress.queue", QUEUE_WARNING_EVERY_SECONDS)
    server = create_server(
        application,
        host=host,
        port=port,
        threads=threads,
        max_request_body_size=MAX_REQUEST_BODY,
        asyncore_loop_timeout=poll_seconds,
        ident="firebreak",
    )
    use_worker_flushed_channels(server)
    return server
