"""The floor for ack latency: a bare Bolt app on Firebreak's server stack that only acks.

    SLACK_SIGNING_SECRET=… SLACK_BOT_TOKEN=… SLACK_API_URL=… PORT=… python -m bench.floor_app
    … python -m bench.floor_app --process-before-response

It listens to the same slash command and card controls as Firebreak, verifies every
signature, and answers with an empty ack, served by the same waitress server
(``bot.server.make_server``) through Bolt's WSGI adapter. Whatever Firebreak adds on
top of this is Firebreak's own cost. ``GET /healthz`` answers 200 so the benchmark can
tell when it is up; it touches nothing else.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import sys
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from slack_bolt import Ack, App
from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot.app import LISTENER_THREADS, slack_client
from bot.server import HEALTH_PATH, SLACK_EVENTS_PATH, make_server
from commands import ids
from commands.surface import INCIDENT_COMMAND

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment


PROCESS_BEFORE_RESPONSE = "--process-before-response"


def bare_app(
    token: str, api_url: str, signing_secret: str, *, process_before_response: bool = False
) -> App:
    """Bolt with Firebreak's client and executor, and no work at all.

    By default Bolt answers as it does out of the box: the listener runs on its pool and
    the request's thread polls every 10 ms for the ack. ``process_before_response`` makes
    it answer when the listener returns, on the request's own thread, as Firebreak does.
    """
    app = App(
        client=slack_client(token, api_url),
        signing_secret=signing_secret,
        process_before_response=process_before_response,
        listener_executor=ThreadPoolExecutor(max_workers=LISTENER_THREADS),
        logger=logging.getLogger("floor.bolt"),
    )

    def only_ack(ack: Ack) -> None:
        ack()

    app.command(INCIDENT_COMMAND)(only_ack)
    app.action(ids.SEVERITY_SELECT)(only_ack)
    app.action(re.compile(rf"^{ids.STATUS_BUTTON}\."))(only_ack)
    return app


def wsgi(app: App) -> WSGIApplication:
    slack = SlackRequestHandler(app, path=SLACK_EVENTS_PATH)

    def application(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == HEALTH_PATH:
            start_response("200 OK", [("Content-Length", "0")])
            return [b""]
        return slack(environ, start_response)

    return application


def main() -> int:
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO").upper())
    app = bare_app(
        os.environ["SLACK_BOT_TOKEN"],
        os.environ["SLACK_API_URL"],
        os.environ["SLACK_SIGNING_SECRET"],
        process_before_response=PROCESS_BEFORE_RESPONSE in sys.argv[1:],
    )
    server = make_server(wsgi(app), os.environ.get("HOST", "127.0.0.1"), int(os.environ["PORT"]))
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C is how the benchmark stops it
        server.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
