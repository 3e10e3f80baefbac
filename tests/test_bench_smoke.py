"""The performance benchmarks still run, on tiny inputs (their figures are not checked).

Each runs as an operator runs it, ``python -m bench.<name>`` on SQLite, and must print
its table. What is checked is what does not depend on the machine's speed: every
request answered 200, every reminder sent, and the number of Web API calls a declarer
waits for before the card.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def bench(name: str, *arguments: str) -> str:
    answer = subprocess.run(
        [sys.executable, "-m", f"bench.{name}", "--backends", "sqlite", *arguments],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert answer.returncode == 0, answer.stderr
    return answer.stdout


def test_ack_latency_answers_every_signed_request() -> None:
    out = bench(
        "ack_latency",
        *("--requests", "4", "--concurrency", "2", "--cards", "2", "--warm-up", "1"),
        *("--slack-latency", "0", "--quiet", "0.2"),
    )
    rows = re.findall(r"^\s+(declare|button)\s+(\d+) .*x\s+[\d.]+\s+(\S.*)$", out, re.MULTILINE)
    assert sorted((kind, level) for kind, level, _ in rows) == [("button", "2"), ("declare", "2")]
    assert all(failures == "-" for _, _, failures in rows), out  # no answer but 200
    assert "peak RSS MB: floor" in out


def test_ack_cpu_compares_both_kinds_with_the_bare_app() -> None:
    out = bench("ack_cpu", "--requests", "3", "--rounds", "1", "--cards", "2")
    rows = re.findall(r"^\s+(declare|click)\s+\d+\s+\d+\s+[\d.]+x$", out, re.MULTILINE)
    assert rows == ["declare", "click"], out


def test_declare_path_reaches_the_card_within_four_calls() -> None:
    # The harder case: the on-call is an email address, looked up first.
    out = bench("declare_path", "--slack-latency", "0.02", "--scenarios", "on-call by email")
    counted = re.search(
        r"(\d+) before the declarer is in the channel .*?, (\d+) before the card .*?; "
        r"(\d+) after it",
        out,
    )
    assert counted is not None, out
    to_channel, to_card, after_card = (int(number) for number in counted.groups())
    assert to_channel <= 3, out  # conversations.create, users.lookupByEmail, one invite
    assert to_card <= 4, out
    assert after_card >= 3, out  # page, pin, topic (and the announcement) wait for nobody


def test_scheduler_sends_every_due_reminder() -> None:
    out = bench(
        "scheduler",
        *("--reminders", "60", "--batch", "5", "--window", "0", "--idle", "0.5", "--repeat", "1"),
    )
    assert "5 reminders fired" in out, out
    for figure in ("start-up, empty database", "CPU while idle", "firing lag p99", "peak RSS"):
        assert figure in out, out
