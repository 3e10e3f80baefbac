"""``firebreak sandbox``: Firebreak and a local Slack-like workspace, in a browser.

For trying Firebreak before a Slack app is approved. The workspace is the test suite's
Slack stand-in (``tests/slack_standin``) with its browser client mounted; the bot is the
real one, on its real HTTP endpoint, receiving the signed requests the stand-in sends
and calling the stand-in's Web API. So the sandbox needs a checkout (the stand-in is not
in the wheel): ``pip install -e .`` there, then ``firebreak sandbox``.

It runs on the embedded defaults: a SQLite file in a temporary directory (deleted on
exit) and ``sandbox_policy.yml`` (README's example policy), whose people and channels the
stand-in seeds. Both servers bind 127.0.0.1 only.
"""

from __future__ import annotations

import contextlib
import secrets
import sys
import tempfile
import threading
from collections.abc import Iterator
from concurrent.futures import Executor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import bot
from bot.app import Firebreak, create_app, slack_client
from bot.cli_support import CommandFailed, Subcommands
from bot.sandbox_time import EpochClock, TimeMachine, starting_moment
from bot.server import answers_first_for, make_server, wsgi_application
from bot.settings import Settings
from storage import schema
from storage.database import create_database_engine, create_session_factory
from workflows.policy import Policy, load_policy

if TYPE_CHECKING:
    import argparse

    from tests.slack_standin import SlackStandIn

SANDBOX_POLICY = Path(__file__).with_name("sandbox_policy.yml")
TICK_SECONDS = 5.0
"""How often, on wall time, the bot's jobs run between jumps (production: every 15 s)."""
HOST = "127.0.0.1"


def add_commands(commands: Subcommands) -> None:
    """Add ``firebreak sandbox`` to ``firebreak``."""
    sandbox = commands.add_parser(
        "sandbox",
        help="try Firebreak in a browser with a local Slack-like workspace (127.0.0.1 only)",
        description="Starts Firebreak with the example policy, a temporary SQLite database "
        "and a local Slack-compatible workspace, and prints the page to open. Run it in a "
        "checkout installed with `pip install -e .`.",
    )
    sandbox.add_argument(
        "--port", type=int, default=0, help="port of the browser page (default: a free one)"
    )
    sandbox.set_defaults(run=_run)


def checkout_root() -> Path:
    """The checkout this ``bot`` package was installed from (editable installs only)."""
    root = Path(bot.__file__).resolve().parents[1]
    if not (root / "tests" / "slack_standin" / "sandbox" / "__init__.py").is_file():
        raise CommandFailed(
            "the sandbox needs the Slack stand-in from a Firebreak checkout, and this "
            f"Firebreak is installed without one ({root}). In a checkout run: "
            "python3 -m venv .venv && .venv/bin/pip install -e . && .venv/bin/firebreak sandbox"
        )
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    return root


@dataclass(frozen=True)
class Sandbox:
    """A running sandbox: the page's address and the parts behind it."""

    url: str
    standin: SlackStandIn
    firebreak: Firebreak
    time: TimeMachine
    started_at: datetime


@contextmanager
def running_sandbox(
    database_url: str,
    *,
    port: int = 0,
    policy: Policy | None = None,
    executor: Executor | None = None,
    after_ack: Executor | None = None,
    tick_seconds: float | None = TICK_SECONDS,
    not_before: datetime | None = None,
) -> Iterator[Sandbox]:
    """Seeded workspace, migrated database, bot and clock; stopped on exit.

    ``tick_seconds`` None runs the jobs only on jumps (tests move time themselves). The
    story starts at ``not_before`` at the earliest (by default now), moved on to the
    on-call's next weekday shift if they are not holding the pager then.
    """
    checkout_root()
    from tests.slack_standin import SlackStandIn
    from tests.slack_standin.sandbox import ON_CALL, mount, seed

    policy = policy or load_policy(SANDBOX_POLICY)
    engine = create_database_engine(database_url)
    schema.upgrade(engine)
    signing_secret = secrets.token_hex(16)
    standin = SlackStandIn(
        signing_secret, team_domain="firebreak-sandbox", port=port, seed_defaults=False
    )
    seed(standin)
    clock = EpochClock(standin.clock.now)
    now = clock.now()
    start = starting_moment(policy, ON_CALL, max(now, not_before or now))
    standin.advance(max(0.0, (start - clock.now()).total_seconds()))
    try:
        standin.start()
    except OSError as error:
        engine.dispose()
        raise CommandFailed(f"cannot serve the sandbox on {HOST}:{port}: {error}") from error
    stop = threading.Event()
    threads: list[threading.Thread] = []
    server = None
    try:
        answers_first = answers_first_for(engine)
        firebreak = create_app(
            client=slack_client(standin.bot_token, standin.api_url, answers_first=answers_first),
            signing_secret=signing_secret,
            sessions=create_session_factory(engine),
            policy=policy,
            clock=clock,
            executor=executor,
            after_ack=after_ack,
            answers_first=answers_first,
        )
        machine = TimeMachine(firebreak, clock, standin.advance)
        mount(standin, machine.travel)
        application = wsgi_application(firebreak.app, engine, signing_secret, answers_first)
        server = make_server(application, HOST, 0, poll_seconds=0.2)
        threads.append(threading.Thread(target=_serve, args=(server,), name="sandbox-bot"))
        if tick_seconds is not None:
            threads.append(
                threading.Thread(
                    target=_tick, args=(machine, stop, tick_seconds), name="sandbox-jobs"
                )
            )
        for thread in threads:
            thread.daemon = True
            thread.start()
        bot_port = server.effective_port  # type: ignore[union-attr]  # one socket: TcpWSGIServer
        standin.request_url = f"http://{HOST}:{bot_port}/slack/events"
        yield Sandbox(f"{standin.base_url}/", standin, firebreak, machine, start)
    finally:
        stop.set()
        if server is not None:
            server.close()
        for thread in threads:
            thread.join(timeout=5)
        standin.stop()
        engine.dispose()


def _serve(server: object) -> None:
    # close() from the main thread may interrupt select() here: that is the stop.
    with contextlib.suppress(OSError):
        server.run()  # type: ignore[attr-defined]


def _tick(machine: TimeMachine, stop: threading.Event, seconds: float) -> None:
    machine.tick()
    while not stop.wait(seconds):
        machine.tick()


def _run(_settings: Settings, args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory(prefix="firebreak-sandbox-") as directory:
        database = Path(directory) / "sandbox.db"
        with running_sandbox(f"sqlite:///{database}", port=args.port) as sandbox:
            print(
                f"Sandbox running at {sandbox.url} "
                f"(bound to {HOST} only; not reachable from other machines)",
                flush=True,
            )
            print(
                f"Sandbox time starts at {sandbox.started_at:%a %d %b %Y %H:%M} UTC; "
                f"database {database} (deleted on exit). Ctrl-C stops it.",
                flush=True,
            )
            with contextlib.suppress(KeyboardInterrupt):
                threading.Event().wait()
    return 0
