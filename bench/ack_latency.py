"""Ack latency of ``/incident declare`` and of a card control, against a bare Bolt app.

    python -m bench.ack_latency                       # 1, 10, 50 concurrent; both databases
    python -m bench.ack_latency --requests 100 --concurrency 1,10 --backends sqlite

Slack gives an app 3 seconds to answer a request; what a user feels is the time to that
answer. For each database it runs, one at a time and each in its own process on the same
server stack (waitress from ``bot.server.make_server``, Bolt's WSGI adapter, signature
checks):

* the floor, ``bench.floor_app``: a bare Bolt app that only acks, as Bolt answers out of
  the box (its listener pool, and a 10 ms poll for the ack);
* for reference, the same bare app answering when its listener returns
  (``process_before_response``, as Firebreak runs Bolt): Bolt's cost without the poll;
* Firebreak itself, ``python -m bot.cli serve``, with its database, scheduler and the
  Slack stand-in answering every Web API call after ``--slack-latency`` seconds, as real
  Slack does (rate limits off, so nothing waits for a bucket).

The load comes from ``bench.signed_load`` (another process): ``--requests`` signed
requests per row from N keep-alive connections, the bodies Slack would send built by the
stand-in. "declare" declares a new incident each time; "button" changes the severity on
one incident's card (sev2 and sev3 in turn). Work Firebreak does after the ack (channel,
card, invites, card updates) goes on in the background and competes with later requests:
that is what production sees. Before each row the stand-in has been quiet for a second.

It also prints each server's peak RSS (``VmHWM``) once up and idle, and after the load.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from bench._support import (
    DECLARER,
    GENERAL,
    SIGNING_SECRET,
    backends,
    bench_policy,
    fresh_database,
    percentile,
    serving,
)
from bench.floor_app import PROCESS_BEFORE_RESPONSE
from commands import ids
from commands.surface import INCIDENT_COMMAND
from tests.slack_standin import SlackStandIn

BOT = ("bot.cli", "serve")
FLOOR = ("bench.floor_app",)
FLOOR_PBR = ("bench.floor_app", PROCESS_BEFORE_RESPONSE)
KINDS = ("declare", "button")
DRAIN_TIMEOUT_SECONDS = 300.0


@dataclass
class Run:
    """What one server did: latencies per (kind, concurrency), and its memory."""

    latencies: dict[tuple[str, int], list[float]] = field(default_factory=dict)
    failures: dict[tuple[str, int], dict[str, int]] = field(default_factory=dict)
    per_second: dict[tuple[str, int], float] = field(default_factory=dict)
    idle_mb: float = 0.0
    loaded_mb: float = 0.0
    ready_seconds: float = 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--concurrency", default="1,10,50", help="comma-separated levels")
    parser.add_argument("--requests", type=int, default=150, help="per kind and level")
    parser.add_argument("--slack-latency", type=float, default=0.1, help="seconds per Web API call")
    parser.add_argument("--cards", type=int, default=50, help="incidents the clicks go round")
    parser.add_argument(
        "--broadcast", action="store_true", help="announce declarations (paced: 1 post/s)"
    )
    parser.add_argument("--warm-up", type=int, default=10, help="unmeasured requests of each kind")
    parser.add_argument(
        "--quiet", type=float, default=1.0, help="seconds without a Web API call between rows"
    )
    options = parser.parse_args()
    levels = [int(n) for n in options.concurrency.split(",")]
    print(
        f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs; {options.requests} requests "
        f"per row; Slack answers in {options.slack_latency * 1000:.0f} ms; clicks go round "
        f"{options.cards} cards; announcements {'on' if options.broadcast else 'off'}"
    )
    for backend in backends(options.backends):
        report(backend, levels, *bench(backend, levels, options))
    return 0


def bench(backend: str, levels: list[int], options: argparse.Namespace) -> tuple[Run, Run, Run]:
    """The floor's run, the reference floor's, and Firebreak's."""
    policy = bench_policy(broadcast=options.broadcast)
    with fresh_database(backend) as database_url, SlackStandIn(SIGNING_SECRET) as standin:
        standin.rate_limits = False
        environment = {"api_url": standin.api_url, "database_url": database_url}
        with serving(BOT, policy=policy, **environment) as bot:
            cards = declare_cards(standin, bot.url, options.cards)
            quiesce(standin, options.quiet)
        bodies = signed_bodies(standin, levels, options, cards)
        standin.latency = options.slack_latency
        runs = []
        for module in (FLOOR, FLOOR_PBR, BOT):
            with serving(module, policy=policy, **environment) as server:
                run = Run(ready_seconds=server.ready_seconds)
                load(server.url, 1, bodies["warm-up"])
                quiesce(standin, options.quiet)
                run.idle_mb = server.peak_rss_mb()
                for concurrency in levels:
                    for kind in KINDS:
                        row = f"{kind} {concurrency}"
                        result = load(server.url, concurrency, bodies[row])
                        run.latencies[kind, concurrency] = result["latencies"]
                        run.per_second[kind, concurrency] = len(bodies[row]) / result["seconds"]
                        run.failures[kind, concurrency] = {
                            status: count
                            for status, count in result["statuses"].items()
                            if status != "200"
                        }
                        quiesce(standin, options.quiet)
                run.loaded_mb = server.peak_rss_mb()
                runs.append(run)
        return runs[0], runs[1], runs[2]


def declare_cards(standin: SlackStandIn, url: str, count: int) -> list[tuple[str, str]]:
    """Declare ``count`` incidents through Firebreak; where their cards are."""
    standin.request_url = url
    for number in range(count):
        standin.slash_command(DECLARER, GENERAL, INCIDENT_COMMAND, f"declare Card {number}")
    found: list[tuple[str, str]] = []

    def cards_posted() -> bool:
        found[:] = [
            (str(call.response["channel"]), str(call.response["ts"]))
            for call in standin.calls_to("chat.postMessage")
            if call.ok and ids.SEVERITY_SELECT in json.dumps(call.args.get("blocks", ""))
        ]
        return len(found) >= count

    standin.wait_for(cards_posted, timeout=60, what="the benchmark incidents' cards")
    standin.request_url = None
    return found


def signed_bodies(
    standin: SlackStandIn,
    levels: list[int],
    options: argparse.Namespace,
    cards: list[tuple[str, str]],
) -> dict[str, list[str]]:
    """The exact bodies Slack would send, built by the stand-in (unsigned: the load
    generator signs each with the time it sends it). Clicks go round the cards."""
    bodies: dict[str, list[str]] = {}
    with capturing(standin) as captured:

        def declares(count: int, label: str) -> list[str]:
            for number in range(count):
                standin.slash_command(
                    DECLARER, GENERAL, INCIDENT_COMMAND, f"declare {label} load {number}"
                )
            return _take(captured)

        def clicks(count: int) -> list[str]:
            for number in range(count):
                channel, card_ts = cards[number % len(cards)]
                severity = ("sev2", "sev3")[number // len(cards) % 2]
                standin.click(
                    DECLARER, channel, card_ts, ids.SEVERITY_SELECT, selected_option=severity
                )
            return _take(captured)

        bodies["warm-up"] = declares(options.warm_up, "warm-up") + clicks(options.warm_up)
        for concurrency in levels:
            bodies[f"declare {concurrency}"] = declares(options.requests, f"c{concurrency}")
            bodies[f"button {concurrency}"] = clicks(options.requests)
    return bodies


def _take(captured: list[str]) -> list[str]:
    taken = list(captured)
    captured.clear()
    return taken


@contextmanager
def capturing(standin: SlackStandIn) -> Iterator[list[str]]:
    """Point the stand-in at a sink that keeps each body and answers an empty 200."""
    captured: list[str] = []

    class Keep(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            captured.append(self.rfile.read(length).decode())
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    sink = ThreadingHTTPServer(("127.0.0.1", 0), Keep)
    thread = threading.Thread(target=sink.serve_forever, daemon=True)
    thread.start()
    standin.request_url = f"http://127.0.0.1:{sink.server_address[1]}/slack/events"
    try:
        yield captured
    finally:
        standin.request_url = None
        sink.shutdown()
        sink.server_close()


def load(url: str, concurrency: int, bodies: list[str]) -> dict[str, Any]:
    job = {"url": url, "secret": SIGNING_SECRET, "concurrency": concurrency, "bodies": bodies}
    answer = subprocess.run(
        [sys.executable, "-m", "bench.signed_load"],
        input=json.dumps(job),
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, Any] = json.loads(answer.stdout.strip().splitlines()[-1])
    return result


def quiesce(standin: SlackStandIn, quiet: float) -> None:
    """Wait until the bot's post-ack work is over: no Web API call for ``quiet`` seconds."""
    deadline = time.monotonic() + DRAIN_TIMEOUT_SECONDS
    seen = -1
    while time.monotonic() < deadline:
        count = len(standin.calls) + len(standin.response_url_calls)
        if count == seen:
            return
        seen = count
        time.sleep(quiet)
    raise RuntimeError(f"the bot was still calling Slack after {DRAIN_TIMEOUT_SECONDS} s")


def report(backend: str, levels: list[int], floor: Run, reference: Run, firebreak: Run) -> None:
    print(
        f"\n{backend}: ack latency in ms (p99 ratio = Firebreak p99 / floor p99; "
        "ref = the bare app answering when its listener returns)"
    )
    print(
        f"  {'request':<8} {'conc.':>5} {'floor p50':>10} {'floor p99':>10} "
        f"{'fb p50':>8} {'fb p99':>8} {'p99 ratio':>10} {'ref p99':>8} {'vs ref':>7} "
        f"{'fb req/s':>9}  non-200"
    )
    for kind in KINDS:
        for concurrency in levels:
            row = kind, concurrency
            base, ours = floor.latencies[row], firebreak.latencies[row]
            ratio = percentile(ours, 0.99) / percentile(base, 0.99)
            versus = percentile(ours, 0.99) / percentile(reference.latencies[row], 0.99)
            failures = firebreak.failures[row] or floor.failures[row] or reference.failures[row]
            print(
                f"  {kind:<8} {concurrency:>5} {_ms(base, 0.5):>10.1f} {_ms(base, 0.99):>10.1f} "
                f"{_ms(ours, 0.5):>8.1f} {_ms(ours, 0.99):>8.1f} {ratio:>9.2f}x "
                f"{_ms(reference.latencies[row], 0.99):>8.1f} {versus:>6.2f}x "
                f"{firebreak.per_second[row]:>9.1f}  {failures or '-'}"
            )
    print(
        f"  peak RSS MB: floor {floor.idle_mb:.0f} idle, {floor.loaded_mb:.0f} after the load; "
        f"Firebreak {firebreak.idle_mb:.0f} idle, {firebreak.loaded_mb:.0f} after the load "
        f"({firebreak.loaded_mb / floor.loaded_mb:.2f}x the floor)"
    )


def _ms(latencies: list[float], share: float) -> float:
    return percentile(latencies, share) * 1000


if __name__ == "__main__":
    sys.exit(main())
