"""CPU time of one ack, Firebreak against the bare Bolt app: the figure under the latency.

    python -m bench.ack_cpu                              # both databases
    python -m bench.ack_cpu --backends sqlite --requests 200 --rounds 3

At 10 and 50 connections an ack's latency is mostly waiting for the interpreter lock
behind the acks of the other requests, so it follows the CPU one ack costs, and
``bench.ack_latency``'s figures move with everything else the machine does. This one
calls each WSGI application directly, one request after another on one thread, and reads
that thread's CPU time (``time.thread_time``): the HTTP server, the load generator and
whatever else runs are left out, the same for both.

* the reference: ``bench.floor_app``'s bare Bolt app answering when its listener returns
  (``process_before_response``, as Firebreak runs Bolt), behind Bolt's WSGI adapter;
* Firebreak: its own WSGI application (request guard, replay ledger on the database,
  Bolt, the listeners up to their ack). What it does after the ack is handed to an
  executor that drops it: this measures the ack alone.

Each body is one Slack would send (built by the stand-in) and signed with the time it is
sent; clicks change the severity on real cards. Prints the median over ``--rounds``.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import TYPE_CHECKING, Any

from slack_sdk.signature import SignatureVerifier

from bench._support import SIGNING_SECRET, backends, fresh_database
from bench.ack_latency import capturing
from bench.floor_app import bare_app, wsgi
from bot.app import create_app, slack_client
from bot.server import SLACK_EVENTS_PATH, wsgi_application
from commands import ids
from commands.surface import INCIDENT_COMMAND
from storage.database import create_database_engine, create_session_factory
from tests.slack_standin import SlackStandIn
from tests.support.harness import ALICE, GENERAL, default_policy, running_firebreak
from workflows.clock import SystemClock

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication
    from sqlalchemy import Engine

KINDS = ("declare", "click")


class DroppingExecutor(Executor):
    """Takes post-ack work and never runs it."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        future.set_result(None)
        return future


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--requests", type=int, default=300, help="per kind and round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--cards", type=int, default=5, help="incidents the clicks go round")
    options = parser.parse_args()
    print(
        f"Python {sys.version.split()[0]}; {options.requests} requests per kind and round, "
        f"median of {options.rounds} rounds; CPU of the request's thread in microseconds"
    )
    for backend in backends(options.backends):
        figures = measure(backend, options)
        print(f"\n{backend}:")
        print(f"  {'request':<8} {'ref us':>8} {'Firebreak us':>13} {'ratio':>7}")
        for kind in KINDS:
            ref, ours = figures["ref", kind], figures["firebreak", kind]
            print(f"  {kind:<8} {ref:>8.0f} {ours:>13.0f} {ours / ref:>6.2f}x")
    return 0


def measure(backend: str, options: argparse.Namespace) -> dict[tuple[str, str], float]:
    """Median CPU microseconds per request, by (app, kind)."""
    with fresh_database(backend) as database_url, running_firebreak(database_url) as harness:
        for number in range(options.cards):
            harness.declare(f"Card {number}")
        harness.settle()
        cards = [(str(row.channel_id), str(row.card_ts)) for row in harness.incidents()]
        engine = create_database_engine(database_url)
        applications = _applications(harness.standin, engine)
        samples: dict[tuple[str, str], list[float]] = {}
        for round_number in range(options.rounds):
            for kind in KINDS:
                for name, application in applications.items():
                    label = f"{name} {round_number}"
                    bodies = _bodies(harness.standin, kind, options.requests, cards, label)
                    spent = _cpu_per_request(application, bodies)
                    samples.setdefault((name, kind), []).append(spent)
        engine.dispose()
    return {key: statistics.median(values) * 1e6 for key, values in samples.items()}


def _applications(standin: SlackStandIn, engine: Engine) -> dict[str, WSGIApplication]:
    """The bare app and Firebreak on ``engine``, Firebreak's post-ack work dropped."""
    reference = bare_app(
        standin.bot_token, standin.api_url, SIGNING_SECRET, process_before_response=True
    )
    firebreak = create_app(
        client=slack_client(standin.bot_token, standin.api_url),
        signing_secret=SIGNING_SECRET,
        sessions=create_session_factory(engine),
        policy=default_policy(),
        clock=SystemClock(),
        after_ack=DroppingExecutor(),
    )
    return {
        "ref": wsgi(reference),
        "firebreak": wsgi_application(firebreak.app, engine, SIGNING_SECRET),
    }


def _bodies(
    standin: SlackStandIn, kind: str, count: int, cards: list[tuple[str, str]], label: str
) -> list[bytes]:
    """``count`` distinct bodies of ``kind``, as Slack would send them."""
    with capturing(standin) as captured:
        for number in range(count):
            if kind == "declare":
                standin.slash_command(ALICE, GENERAL, INCIDENT_COMMAND, f"declare {label} {number}")
            else:
                channel, card_ts = cards[number % len(cards)]
                severity = ("sev2", "sev3")[number % 2]
                standin.click(
                    ALICE, channel, card_ts, ids.SEVERITY_SELECT, selected_option=severity
                )
        return [body.encode() for body in captured]


def _cpu_per_request(application: WSGIApplication, bodies: list[bytes]) -> float:
    """Seconds of this thread's CPU per request; every answer must be 200."""
    statuses: list[str] = []

    def start_response(status: str, headers: Any, exc_info: Any = None) -> Any:
        statuses.append(status)

    environs = [_signed_environ(body) for body in bodies]
    began = time.thread_time()
    for environ in environs:
        b"".join(application(environ, start_response))
    spent = time.thread_time() - began
    refused = [status for status in statuses if not status.startswith("200")]
    if refused:
        raise RuntimeError(f"{len(refused)} requests were not answered 200: {refused[:3]}")
    return spent / len(bodies)


def _signed_environ(body: bytes) -> dict[str, Any]:
    """The WSGI environ of ``body`` POSTed as Slack posts it, signed now."""
    timestamp = str(int(time.time()))
    signature = SignatureVerifier(SIGNING_SECRET).generate_signature(timestamp=timestamp, body=body)
    return {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": SLACK_EVENTS_PATH,
        "QUERY_STRING": "",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "CONTENT_TYPE": "application/x-www-form-urlencoded",
        "CONTENT_LENGTH": str(len(body)),
        "HTTP_X_SLACK_REQUEST_TIMESTAMP": timestamp,
        "HTTP_X_SLACK_SIGNATURE": signature,
        "wsgi.input": io.BytesIO(body),
    }


if __name__ == "__main__":
    sys.exit(main())
