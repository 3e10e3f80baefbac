"""`firebreak sandbox`: the real bot behind the stand-in's browser routes, on one shared clock.

Everything goes through the HTTP routes the browser client uses, so what is asserted is
what a visitor's page would draw: the state JSON for one person.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml

import bot
from bot.cli_support import CommandFailed
from bot.sandbox import SANDBOX_POLICY, Sandbox, checkout_root, running_sandbox
from tests.slack_standin.sandbox import BadJump
from tests.slack_standin.sandbox.timetravel import target
from tests.support.executor import TrackedPools
from tests.support.off_shift import next_saturday_noon
from workflows import rotations
from workflows.policy import Policy, load_policy

ALICE, BOB, CAROL, DAVE, FRANK = "U0123ALICE", "U0123BOB", "U0123CAROL", "U0123DAVE", "U0123FRANK"
GENERAL = "C0123GENERAL"
BERLIN = ZoneInfo("Europe/Berlin")
README = Path(__file__).resolve().parents[1] / "README.md"


class Visitor:
    """The browser client's HTTP calls, made from Python."""

    def __init__(self, sandbox: Sandbox, pools: TrackedPools) -> None:
        self.sandbox = sandbox
        self.pools = pools

    def post(self, path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        request = urllib.request.Request(
            self.sandbox.url + path.lstrip("/"),
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                answer = response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            answer = error.code, json.loads(error.read())
        self.pools.drain()
        return answer

    def type(self, user: str, text: str, channel: str = GENERAL) -> dict[str, Any]:
        status, answer = self.post(
            "/sandbox/command", {"as": user, "channel": channel, "text": text}
        )
        assert status == 200, answer
        assert answer["problems"] == []
        return answer

    def jump(self, text: str, user: str = ALICE) -> tuple[int, dict[str, Any]]:
        return self.post("/sandbox/clock", {"as": user, "text": text})

    def sees(self, user: str, channel: str | None = None) -> dict[str, Any]:
        query = f"as={user}" + (f"&channel={channel}" if channel else "")
        with urllib.request.urlopen(f"{self.sandbox.url}sandbox/state?{query}") as response:
            state: dict[str, Any] = json.loads(response.read())
        return state

    def channel_named(self, user: str, prefix: str) -> dict[str, Any] | None:
        found = [c for c in self.sees(user)["conversations"] if c["name"].startswith(prefix)]
        return found[0] if found else None

    def texts(self, user: str, channel: str) -> list[str]:
        return [m["text"] for m in self.sees(user, channel)["messages"]]


@pytest.fixture
def visitor(database_url: str) -> Iterator[Visitor]:
    pools = TrackedPools()
    with running_sandbox(
        database_url,
        executor=pools.listeners,
        after_ack=pools.after_ack,
        tick_seconds=None,
        not_before=next_saturday_noon(),
    ) as sandbox:
        yield Visitor(sandbox, pools)
        assert sandbox.standin.internal_errors == []
    pools.shutdown()


def test_a_declaration_typed_in_the_sandbox_shows_the_card_the_bot_rendered(
    visitor: Visitor,
) -> None:
    visitor.type(ALICE, "/incident declare --domain counterfeit Fake power banks")

    general = visitor.sees(ALICE, GENERAL)["messages"]
    assert [m["ephemeral"] for m in general] == [True]
    assert "INC-1 declared" in general[0]["text"]
    channel = visitor.channel_named(ALICE, "inc-1-")
    assert channel is not None
    assert channel["is_member"]
    shown = visitor.sees(ALICE, channel["id"])["messages"]
    stored = visitor.sandbox.standin.messages(channel["id"])
    assert [m["blocks"] for m in shown] == [m.blocks for m in stored]
    card = shown[0]
    assert card["blocks"][0]["text"]["text"] == "INC-1 · Fake power banks"
    assert card["ts"] in channel["pins"]


def test_a_clock_jump_makes_the_bot_send_what_fell_due_on_time(visitor: Visitor) -> None:
    started = visitor.sandbox.started_at
    assert started.astimezone(BERLIN).strftime("%a %H:%M") == "Mon 10:00"
    visitor.type(ALICE, "/incident declare --sev 2 --domain counterfeit Fake power banks")
    channel = visitor.channel_named(ALICE, "inc-1-")
    assert channel is not None

    status, answer = visitor.jump("+14m")
    assert status == 200, answer
    assert not any("Still unacknowledged" in t for t in visitor.texts(ALICE, channel["id"]))

    visitor.jump("+1 minute")
    reminders = [t for t in visitor.texts(ALICE, channel["id"]) if "unacknowledged" in t.lower()]
    assert len(reminders) == 1
    assert "<@U0123BOB>" in reminders[0]
    assert "waited 15m" in reminders[0]
    assert datetime.fromtimestamp(visitor.sees(ALICE)["now"], UTC) - started >= timedelta(
        minutes=15
    )

    # Two more windows in one jump: both steps go out, each at its own time, none late. Each
    # window counts from when the previous step went out, a little after 10:15 and 10:30.
    visitor.jump("+31m")
    texts = visitor.texts(ALICE, channel["id"])
    stepped = [t for t in texts if "for an acknowledgement" in t]
    assert [t.split("has waited ")[1].split(" ")[0] for t in stepped] == ["15m", "30m", "45m"]
    assert "<!subteam^S0123MANAGERS>" in stepped[2]
    assert not any("late" in t for t in stepped)


def test_jumping_to_friday_evening_hands_the_pager_to_the_weekend_cover(visitor: Visitor) -> None:
    status, _ = visitor.jump("to Friday 18:00")
    assert status == 200
    now = datetime.fromtimestamp(visitor.sees(ALICE)["now"], UTC).astimezone(BERLIN)
    assert now.strftime("%a %H:%M") == "Fri 18:00"
    # Who covers depends on the week the story starts in (see tests.support.off_shift).
    rotation = next(r for r in load_policy(SANDBOX_POLICY).oncall.rotations if BOB in r.members)
    cover = rotations.on_call(rotation, now.astimezone(UTC)).primary
    assert cover is not None
    assert cover != BOB  # the weekday on-call hands over
    [digest] = visitor.sees(cover, "C0123ONCALL")["messages"]
    assert "Weekend handoff for trust-safety" in digest["text"]
    assert f"<@{cover}> has the pager" in digest["text"]
    [dm] = [c for c in visitor.sees(cover)["conversations"] if c["is_im"]]
    [asked] = visitor.sees(cover, dm["id"])["messages"]
    assert "Please confirm you have the pager" in asked["text"]
    assert not [c for c in visitor.sees(BOB)["conversations"] if c["is_im"]]


def test_opening_the_home_tab_shows_what_the_bot_published(visitor: Visitor) -> None:
    visitor.type(BOB, "/incident declare --domain counterfeit Fake power banks")
    assert visitor.sees(BOB)["home"] is None
    status, answer = visitor.post("/sandbox/home", {"as": BOB})
    assert (status, answer) == (200, {"ok": True, "problems": []})
    home = visitor.sees(BOB)["home"]
    assert home is not None
    texts = json.dumps(home["view"]["blocks"])
    assert "Fake power banks" in texts
    assert "On call now" in texts
    assert visitor.sees(CAROL)["home"] is None


def test_a_restricted_incident_is_hidden_from_people_outside_its_channel(
    visitor: Visitor,
) -> None:
    visitor.type(ALICE, "/incident declare --private --domain counterfeit Seller ring in DE")
    private = visitor.channel_named(ALICE, "inc-1")
    assert private is not None
    assert private["is_private"]
    assert visitor.texts(ALICE, private["id"])

    assert visitor.channel_named(FRANK, "inc-1") is None
    peek = visitor.sees(FRANK, private["id"])
    assert peek["channel"] is None
    assert peek["messages"] == []
    announcements = " ".join(visitor.texts(FRANK, "C0123456789"))
    assert "INC-1" in announcements
    assert "Seller ring" not in announcements


def test_bad_input_is_refused_with_a_reason(visitor: Visitor) -> None:
    status, answer = visitor.jump("yesterday")
    assert status == 400
    assert "+15m" in answer["error"]
    status, answer = visitor.post(
        "/sandbox/command", {"as": ALICE, "channel": GENERAL, "text": "/deploy now"}
    )
    assert status == 400
    assert "/deploy is not a valid command" in answer["error"]
    status, answer = visitor.post("/sandbox/click", {"as": ALICE, "channel": GENERAL})
    assert status == 400
    assert "ts is required" in answer["error"]


def _accepts(host: str, port: int) -> bool:
    try:
        socket.create_connection((host, port), timeout=2).close()
    except OSError:
        return False
    return True


def test_both_servers_bind_loopback_only(visitor: Visitor) -> None:
    standin = visitor.sandbox.standin
    assert visitor.sandbox.url.startswith("http://127.0.0.1:")
    assert standin.request_url is not None
    assert standin.request_url.startswith("http://127.0.0.1:")
    for url in (standin.base_url, standin.request_url):
        port = int(url.split(":")[2].split("/")[0])
        assert _accepts("127.0.0.1", port)
        # On Linux all of 127/8 reaches the loopback device; only a wildcard bind answers here.
        assert not _accepts("127.0.0.2", port)


def test_the_command_prints_where_it_runs_and_serves_the_page(tmp_path: Path) -> None:
    environment = {**os.environ, "LOG_LEVEL": "WARNING"}
    environment.pop("FIREBREAK_CONFIG", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "sandbox"],
        cwd=tmp_path,
        env={**environment, "PYTHONPATH": str(README.parent)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        banner = process.stdout.readline()
        assert "(bound to 127.0.0.1 only; not reachable from other machines)" in banner, banner + (
            process.stderr.read() if process.poll() is not None and process.stderr else ""
        )
        url = banner.split()[3]
        assert url.startswith("http://127.0.0.1:")
        with urllib.request.urlopen(url, timeout=10) as page:
            assert b"/sandbox/static/sandbox.js" in page.read()
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=20)
    assert process.returncode == 0


def test_without_a_checkout_the_command_says_how_to_get_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    installed = tmp_path / "site-packages" / "bot" / "__init__.py"
    monkeypatch.setattr(bot, "__file__", str(installed))
    with pytest.raises(CommandFailed, match=r"pip install -e \."):
        checkout_root()


def test_the_sandbox_policy_is_the_readme_example() -> None:
    text = README.read_text(encoding="utf-8")
    section = text.split("## The policy file", 1)[1]
    block = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    assert Policy.model_validate(yaml.safe_load(block)) == load_policy(SANDBOX_POLICY)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("+15m", "Mon 10:15"),
        ("+1h30m", "Mon 11:30"),
        ("+2 days", "Wed 10:00"),
        ("to Friday 18:00", "Fri 18:00"),
        ("fri 18:00", "Fri 18:00"),
        ("09:00", "Tue 09:00"),
        ("2026-11-24 08:00", "Tue 08:00"),
    ],
)
def test_the_clock_widget_reads_steps_and_moments_in_the_viewers_zone(
    typed: str, expected: str
) -> None:
    monday_ten = datetime(2026, 11, 23, 10, 0, tzinfo=BERLIN)
    assert target(typed, monday_ten, BERLIN).astimezone(BERLIN).strftime("%a %H:%M") == expected


@pytest.mark.parametrize("typed", ["", "+0m", "+3 fortnights", "25:00", "2026-11-01 10:00"])
def test_the_clock_widget_refuses_what_is_not_ahead(typed: str) -> None:
    with pytest.raises(BadJump, match="Write a step"):
        target(typed, datetime(2026, 11, 23, 9, 0, tzinfo=UTC), BERLIN)
