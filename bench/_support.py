"""What the latency, scheduler and memory benchmarks share: databases, the bot as a
process, and reading a process's CPU and memory from ``/proc``.

The server under test always runs in a process of its own, started the way an operator
starts it (``python -m bot.cli serve`` with its environment), so the benchmark's own
threads never share its interpreter lock.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from storage import schema
from storage.database import create_database_engine

POSTGRES_URL = os.environ.get(
    "FIREBREAK_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
SIGNING_SECRET = "firebreak-bench-signing-secret"
BROADCAST_CHANNEL = "C0INCIDENTS"  # the stand-in seeds it with the bot as a member
DECLARER = "U0ALICE"
ON_CALL = ("U0BOB", "U0CAROL")
GENERAL = "C0GENERAL"
READY_TIMEOUT_SECONDS = 60.0


def bench_policy(*, on_call: Sequence[str] = ON_CALL, broadcast: bool = True) -> dict[str, Any]:
    """The policy file the benchmarks use: one rotation and (unless told otherwise) an
    announcement channel, so a declaration does all it does in production."""
    return {
        "channels": {"broadcast": BROADCAST_CHANNEL if broadcast else None},
        "oncall": {
            "rotations": [
                {
                    "name": "bench",
                    "time_zone": "UTC",
                    "members": list(on_call),
                    "shift": "1w",
                    "weekend": None,
                }
            ]
        },
    }


def backends(spec: str) -> list[str]:
    chosen = [name.strip() for name in spec.split(",") if name.strip()]
    unknown = set(chosen) - {"sqlite", "postgresql"}
    if unknown:
        raise SystemExit(f"unknown backend(s) {sorted(unknown)}; use sqlite and/or postgresql")
    return chosen


@contextmanager
def fresh_database(backend: str) -> Iterator[str]:
    """A new, migrated database for one run; dropped (or deleted) afterwards."""
    with tempfile.TemporaryDirectory(prefix="firebreak-bench-") as directory:
        if backend == "sqlite":
            url = f"sqlite:///{Path(directory) / 'bench.db'}"
            _migrate(url)
            yield url
            return
        server = make_url(POSTGRES_URL)
        name = f"firebreak_bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            url = server.set(database=name).render_as_string(hide_password=False)
            _migrate(url)
            yield url
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


def _migrate(url: str) -> None:
    engine = create_database_engine(url)
    schema.upgrade(engine)
    engine.dispose()


def free_port() -> int:
    """A port nobody listens on now (the bot's ``PORT`` must be given, not chosen by it)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def percentile(values: Sequence[float], share: float) -> float:
    """The nearest-rank percentile (``share`` in 0..1) of ``values``."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(share * len(ordered) + 0.5)))
    return ordered[rank - 1]


@dataclass
class ServerProcess:
    """A bot (or the bare floor app) running as its own process on ``port``."""

    process: subprocess.Popen[bytes]
    port: int
    started: float  # time.perf_counter() just before the process was spawned
    ready_seconds: float  # from spawn to the first healthy answer
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/slack/events"

    @property
    def pid(self) -> int:
        return self.process.pid

    def peak_rss_mb(self) -> float:
        return proc_status_kib(self.pid, "VmHWM") / 1024

    def rss_mb(self) -> float:
        return proc_status_kib(self.pid, "VmRSS") / 1024

    def cpu_seconds(self) -> float:
        return process_cpu_seconds(self.pid)


@contextmanager
def serving(
    module: Sequence[str], *, api_url: str, database_url: str, policy: dict[str, Any]
) -> Iterator[ServerProcess]:
    """Run ``python -m <module…>`` with the bot's environment; stop it with Ctrl-C after."""
    with tempfile.TemporaryDirectory(prefix="firebreak-serve-") as directory:
        config = Path(directory) / "policy.yml"
        config.write_text(json.dumps(policy))  # JSON is YAML
        log = Path(directory) / "server.log"
        port = free_port()
        environment = {
            **os.environ,
            "SLACK_BOT_TOKEN": "xoxb-standin",
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": api_url,
            "DATABASE_URL": database_url,
            "FIREBREAK_CONFIG": str(config),
            "HOST": "127.0.0.1",
            "PORT": str(port),
        }
        with log.open("wb") as sink:
            started = time.perf_counter()
            process = subprocess.Popen(
                [sys.executable, "-m", *module],
                env=environment,
                stdout=sink,
                stderr=subprocess.STDOUT,
            )
            try:
                ready = _wait_ready(process, port, log) - started
                yield ServerProcess(process, port, started, ready, log)
            finally:
                process.send_signal(signal.SIGINT)
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


def _wait_ready(process: subprocess.Popen[bytes], port: int, log: Path) -> float:
    """Poll ``GET /healthz`` until it answers 200; the moment it first did."""
    deadline = time.perf_counter() + READY_TIMEOUT_SECONDS
    while time.perf_counter() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}:\n{log.read_text()}")
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
        try:
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return time.perf_counter()
        except OSError:
            pass
        finally:
            connection.close()
        time.sleep(0.005)
    raise RuntimeError(f"the server was not ready after {READY_TIMEOUT_SECONDS} s:\n{log}")


def proc_status_kib(pid: int, field: str) -> int:
    """A ``kB`` line of ``/proc/<pid>/status``: VmHWM is the peak RSS, VmRSS the current."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise KeyError(field)


def process_cpu_seconds(pid: int) -> float:
    """CPU time of a running process's live threads, to the nanosecond.

    ``/proc/<pid>/task/*/schedstat`` counts in nanoseconds, where ``/proc/<pid>/stat``
    counts in ticks of 10 ms, too coarse for a process that is idle most of the time.
    """
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(FileNotFoundError):  # a thread that just ended
            total += int((task / "schedstat").read_text().split()[0])
    return total / 1e9
