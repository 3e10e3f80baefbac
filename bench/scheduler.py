"""The scheduler with 10,000 pending reminders: start-up, CPU while idle, firing lag.

    python -m bench.scheduler                         # both databases
    python -m bench.scheduler --reminders 2000 --idle 10 --window 20 --backends sqlite

For each database the bot runs as ``python -m bot.cli serve`` (its real scheduler,
``bot/scheduler.py``, and its HTTP server) against the Slack stand-in, in real time:

* start-up: from spawning the process to ``/healthz`` answering (the scheduler is started
  before the server listens). Floors: the interpreter alone, importing everything
  ``serve`` imports, and the bare Bolt app of ``bench.floor_app`` up and answering;
* CPU while idle: user+system seconds of the process over ``--idle`` seconds with nothing
  due. Floor: the same process on an empty database;
* firing lag: ``--batch`` of the reminders are moved to fall due over ``--window``
  seconds; lag is the time from each one's ``due_at`` to the stand-in receiving its
  message. Floor: the polling interval (``FIRE_REMINDERS_EVERY_SECONDS``): a reminder
  falls due at a uniformly random moment between two polls, so a perfect runner's lag
  is uniform over the interval (p50 = half of it, p99 = 99 % of it). With ``--window 0``
  they are all due before the bot starts, as after downtime;
* peak RSS (``VmHWM``) at the end, against the empty database's.

The reminders are what declarations plan: incidents declared a minute ago, each with
its acknowledgement and status-update reminders, half of them with a regulator's
deadline two days out (deadline reminders at 1 d, 4 h and 1 h before, and the breach).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update

from bench._support import (
    SIGNING_SECRET,
    ServerProcess,
    backends,
    bench_policy,
    fresh_database,
    percentile,
    serving,
)
from bot.scheduler import FIRE_REMINDERS_EVERY_SECONDS
from storage.database import create_database_engine, create_session_factory
from storage.models import Reminder
from tests.slack_standin import SlackStandIn
from tests.support.history import add_incident
from workflows.planning import ACKNOWLEDGE, replan
from workflows.policy import Policy

BOT = ("bot.cli", "serve")
FLOOR = ("bench.floor_app",)
BATCH_SIZE = 500
SETTLE_SECONDS = 1.0  # after ready, before the idle window: the first run of each job


@dataclass(frozen=True)
class Measured:
    ready_seconds: float
    idle_cpu: float
    peak_mb: float
    lags: list[float]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--reminders", type=int, default=10_000, help="pending reminders")
    parser.add_argument("--batch", type=int, default=100, help="reminders made due")
    parser.add_argument("--window", type=float, default=30.0, help="seconds they fall due over")
    parser.add_argument("--idle", type=float, default=15.0, help="seconds of idle CPU measured")
    parser.add_argument("--repeat", type=int, default=3, help="start-up floors: median of")
    options = parser.parse_args()
    print(
        f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs; the runner polls every "
        f"{FIRE_REMINDERS_EVERY_SECONDS} s"
    )
    floors = start_floors(options.repeat)
    print(
        "start-up floors: interpreter {:.2f} s, importing bot.cli {:.2f} s, "
        "bare Bolt app answering {:.2f} s".format(*floors)
    )
    for backend in backends(options.backends):
        empty = measure(backend, 0, options)
        loaded = measure(backend, options.reminders, options)
        report(backend, options, floors, empty, loaded)
    return 0


def start_floors(repeat: int) -> tuple[float, float, float]:
    """Medians: the interpreter, the imports ``serve`` needs, a bare Bolt app answering."""

    def timed(command: list[str]) -> float:
        runs = []
        for _ in range(repeat):
            began = time.perf_counter()
            subprocess.run([sys.executable, *command], check=True)
            runs.append(time.perf_counter() - began)
        return statistics.median(runs)

    with SlackStandIn(SIGNING_SECRET) as standin:
        bare = []
        for _ in range(repeat):
            with serving(FLOOR, api_url=standin.api_url, database_url="", policy={}) as floor:
                bare.append(floor.ready_seconds)
    return timed(["-c", "pass"]), timed(["-c", "import bot.cli"]), statistics.median(bare)


def measure(backend: str, reminders: int, options: argparse.Namespace) -> Measured:
    policy = bench_policy()
    with fresh_database(backend) as database_url, SlackStandIn(SIGNING_SECRET) as standin:
        channels = fill(database_url, standin, Policy.model_validate(policy), reminders)
        batch = channels[: options.batch]
        due: dict[str, float] = {}
        if batch and not options.window:  # due before the bot starts
            due = make_due(database_url, batch, 0)
        with serving(BOT, api_url=standin.api_url, database_url=database_url, policy=policy) as bot:
            time.sleep(SETTLE_SECONDS)
            began = bot.cpu_seconds()
            time.sleep(options.idle)
            idle_cpu = bot.cpu_seconds() - began
            if batch and options.window:
                due = make_due(database_url, batch, options.window)
            lags = wait_sent(standin, due, options.window, bot) if due else []
            return Measured(bot.ready_seconds, idle_cpu, bot.peak_rss_mb(), lags)


def fill(database_url: str, standin: SlackStandIn, policy: Policy, reminders: int) -> list[str]:
    """Declared incidents with their channels and planned reminders, until there are
    ``reminders`` pending; the incidents' channel ids in order."""
    sessions = create_session_factory(create_database_engine(database_url))
    now = datetime.now(UTC)
    channels: list[str] = []
    planned = 0
    while planned < reminders:
        with sessions.begin() as session:
            for _ in range(BATCH_SIZE):
                number = len(channels) + 1
                channel = standin.add_channel(f"inc-{number}-bench", members=["U0FIREBOT"])
                incident = add_incident(
                    session,
                    declared_at=now - timedelta(minutes=1),
                    title=f"Bench incident {number}",
                    severity="sev2",
                    due_at=now + timedelta(days=2) if number % 2 else None,
                )
                incident.channel_id = channel
                incident.channel_name = f"inc-{number}-bench"
                replan(session, incident, policy, now)
                channels.append(channel)
            session.flush()
            planned = session.scalar(select(func.count()).select_from(Reminder)) or 0
            if planned >= reminders:
                break
    if reminders:
        with sessions.begin() as session:  # the last batch may overshoot: cancel the excess
            excess = session.scalars(
                select(Reminder.id).order_by(Reminder.id.desc()).limit(planned - reminders)
            ).all()
            session.execute(
                update(Reminder).where(Reminder.id.in_(excess)).values(state="cancelled")
            )
    sessions.kw["bind"].dispose()
    return channels


def make_due(database_url: str, batch: list[str], window: float) -> dict[str, float]:
    """Make the acknowledgement reminders of the first incidents (whose channels are
    ``batch``) fall due evenly over ``window`` seconds from now; when each is due, by
    channel. With a window of 0 they are all due now."""
    sessions = create_session_factory(create_database_engine(database_url))
    start = datetime.now(UTC) + timedelta(seconds=1 if window else 0)
    due: dict[str, float] = {}
    with sessions.begin() as session:
        for index, channel in enumerate(batch):
            moment = start + timedelta(seconds=window * index / len(batch))
            session.execute(
                update(Reminder)
                .where(Reminder.incident_id == index + 1, Reminder.kind == ACKNOWLEDGE)
                .values(due_at=moment)
            )
            due[channel] = moment.timestamp()
    sessions.kw["bind"].dispose()
    return due


def wait_sent(
    standin: SlackStandIn, due: dict[str, float], window: float, bot: ServerProcess
) -> list[float]:
    """Wait for each reminder's message in its channel; each one's lag in seconds."""
    arrived: dict[str, float] = {}

    def all_sent() -> bool:
        for call in standin.calls_to("chat.postMessage"):
            channel = str(call.args.get("channel"))
            if channel in due and call.ok:
                arrived.setdefault(channel, call.at)
        return len(arrived) == len(due)

    timeout = window + 3 * FIRE_REMINDERS_EVERY_SECONDS + 30
    standin.wait_for(all_sent, timeout=timeout, what=f"{len(due)} reminders (log: {bot.log})")
    return [arrived[channel] - due[channel] for channel in due]


def report(
    backend: str,
    options: argparse.Namespace,
    floors: tuple[float, float, float],
    empty: Measured,
    loaded: Measured,
) -> None:
    interval = FIRE_REMINDERS_EVERY_SECONDS
    print(f"\n{backend}: {options.reminders:,} pending reminders")
    print(f"  {'figure':<34} {'measured':>10} {'floor':>10} {'ratio':>7}")
    rows = [
        ("start-up, empty database (s)", empty.ready_seconds, floors[2]),
        (f"start-up, {options.reminders:,} reminders (s)", loaded.ready_seconds, floors[2]),
        (
            f"CPU while idle {options.idle:.0f} s (ms)",
            loaded.idle_cpu * 1000,
            empty.idle_cpu * 1000,
        ),
        ("firing lag p50 (s)", percentile(loaded.lags, 0.5), interval * 0.5),
        ("firing lag p99 (s)", percentile(loaded.lags, 0.99), interval * 0.99),
        ("peak RSS (MB)", loaded.peak_mb, empty.peak_mb),
    ]
    for label, value, floor in rows:
        ratio = f"{value / floor:.2f}x" if floor else "-"
        print(f"  {label:<34} {value:>10.2f} {floor:>10.2f} {ratio:>7}")
    print(
        f"  {len(loaded.lags)} reminders fired over {options.window:.0f} s; lag max "
        f"{max(loaded.lags, default=float('nan')):.2f} s. Floors: start-up = the bare Bolt app "
        f"(the interpreter alone {floors[0]:.2f} s, importing bot.cli {floors[1]:.2f} s); "
        "idle CPU and RSS = the same bot on an empty database; lag = the polling interval."
    )


if __name__ == "__main__":
    sys.exit(main())
