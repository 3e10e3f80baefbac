"""From ``/incident declare`` to the card, with Slack taking 100 ms per Web API call.

    python -m bench.declare_path                      # both databases
    python -m bench.declare_path --slack-latency 0.25 --backends sqlite

Real Slack answers a Web API call in about 100 ms, so what a declarer waits for is
mostly the number of calls made one after the other before they see something. The
bot runs as ``python -m bot.cli serve`` against the Slack stand-in, which adds
``--slack-latency`` to every call and records each with the time it arrived. One
declaration, per scenario:

* ``on-call by id``: the rotation lists Slack user ids;
* ``on-call by email``: it lists an email address, looked up with
  ``users.lookupByEmail`` (the first declaration after a start: nothing cached yet).

It prints every Web API call in order with when it arrived, marks the moment the
declarer is in the new channel and the moment the card is there, and counts the
sequential calls before each. The target: at most 4 before the declarer sees the
channel with its card; everything else (page, pin, topic, announcement, the
confirmation through the response_url) after it.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

from bench._support import (
    DECLARER,
    GENERAL,
    SIGNING_SECRET,
    backends,
    bench_policy,
    fresh_database,
    serving,
)
from commands import ids
from commands.surface import INCIDENT_COMMAND
from tests.slack_standin import RecordedCall, SlackStandIn

BOT = ("bot.cli", "serve")
SCENARIOS = {"on-call by id": ("U0BOB",), "on-call by email": ("bob@example.com",)}
TARGET_CALLS = 4


@dataclass(frozen=True)
class Path:
    """One declaration as Slack saw it; times in seconds from the command being sent."""

    ack: float
    in_channel: float  # the declarer is a member of the incident channel
    card: float  # the card is in the channel
    done: float  # the last call of the declaration
    calls: list[tuple[float, RecordedCall]]
    confirmations: list[float]  # response_url posts

    def calls_until(self, found: Callable[[RecordedCall], bool]) -> int:
        """How many calls were made one after the other up to the first ``found`` one
        (provisioning makes them in sequence), counting it."""
        return next((number for number, (_, call) in enumerate(self.calls, 1) if found(call)), 0)

    @property
    def calls_to_channel(self) -> int:
        return self.calls_until(
            lambda call: (
                call.method == "conversations.invite"
                and DECLARER in str(call.args.get("users", ""))
            )
        )

    @property
    def calls_to_card(self) -> int:
        return self.calls_until(
            lambda call: (
                call.method == "chat.postMessage"
                and ids.SEVERITY_SELECT in json.dumps(call.args.get("blocks", ""))
            )
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--slack-latency", type=float, default=0.1, help="seconds per Web API call")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS), help="comma-separated")
    options = parser.parse_args()
    print(
        f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs; "
        f"Slack answers each Web API call in {options.slack_latency * 1000:.0f} ms"
    )
    for backend in backends(options.backends):
        for scenario in (name.strip() for name in options.scenarios.split(",")):
            path = declare_once(backend, SCENARIOS[scenario], options.slack_latency)
            report(f"{backend}, {scenario}", path)
    return 0


def declare_once(backend: str, on_call: tuple[str, ...], latency: float) -> Path:
    policy = bench_policy(on_call=on_call)
    with fresh_database(backend) as database_url, SlackStandIn(SIGNING_SECRET) as standin:
        with serving(BOT, api_url=standin.api_url, database_url=database_url, policy=policy) as bot:
            standin.latency = latency
            before = len(standin.calls)
            standin.request_url = bot.url
            sent, sent_epoch = time.perf_counter(), time.time()
            standin.slash_command(DECLARER, GENERAL, INCIDENT_COMMAND, "declare Fake chargers")
            ack = time.perf_counter() - sent
            channel = _wait(standin, lambda: _incident_channel(standin, before), "the channel")
            standin.wait_for(lambda: DECLARER in standin.channel(channel).members, timeout=30)
            in_channel = time.perf_counter() - sent
            standin.wait_for(lambda: _card(standin, channel), timeout=30, what="the card")
            card = time.perf_counter() - sent
            _settle(standin)
        calls = [(call.at - sent_epoch, call) for call in standin.calls[before:]]
        confirmations = [call.at - sent_epoch for call in standin.response_url_calls]
    last = max([at for at, _ in calls] + confirmations) + latency
    return Path(ack, in_channel, card, last, calls, confirmations)


def _wait(standin: SlackStandIn, find: Callable[[], str | None], what: str) -> str:
    """Wait until ``find`` finds something, and return it."""
    found: list[str] = []

    def look() -> bool:
        value = find()
        if value:
            found.append(value)
        return bool(value)

    standin.wait_for(look, timeout=30, what=what)
    return found[0]


def _incident_channel(standin: SlackStandIn, before: int) -> str | None:
    for call in standin.calls[before:]:
        if call.method == "conversations.create" and call.ok:
            return str(call.response["channel"]["id"])
    return None


def _card(standin: SlackStandIn, channel: str) -> bool:
    return any(
        ids.SEVERITY_SELECT in json.dumps(message.blocks) for message in standin.messages(channel)
    )


def _settle(standin: SlackStandIn, quiet: float = 1.0) -> None:
    """Until the bot has made no call for ``quiet`` seconds: the declaration is over."""
    seen = -1
    while (count := len(standin.calls) + len(standin.response_url_calls)) != seen:
        seen = count
        time.sleep(quiet)


def report(title: str, path: Path) -> None:
    print(f"\n{title}")
    print(f"  {'arrived ms':>10}  call")
    marks = [
        (path.in_channel, "declarer is in the channel"),
        (path.card, "the card is there"),
    ]
    events = [
        (at, f"{call.method}{'' if call.ok else ' (' + str(call.error) + ')'}")
        for at, call in path.calls
    ]
    events += [(at, "response_url (confirmation to the declarer)") for at in path.confirmations]
    events += [(at, f"--- {text} ---") for at, text in marks]
    events.append((path.ack, "--- the command is acknowledged ---"))
    for at, text in sorted(events):
        print(f"  {at * 1000:>10.0f}  {text}")
    before_channel = path.calls_to_channel
    before_card = path.calls_to_card
    after = len(path.calls) - before_card
    verdict = "within" if before_card <= TARGET_CALLS else "ABOVE"
    print(
        f"  sequential Web API calls: {before_channel} before the declarer is in the channel "
        f"({path.in_channel * 1000:.0f} ms), {before_card} before the card "
        f"({path.card * 1000:.0f} ms; {verdict} the target of {TARGET_CALLS}); "
        f"{after} after it, plus {len(path.confirmations)} response_url post(s); "
        f"all done at {path.done * 1000:.0f} ms"
    )


if __name__ == "__main__":
    sys.exit(main())
