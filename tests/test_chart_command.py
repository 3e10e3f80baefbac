"""`/incident chart` through the real app and the Slack stand-in, and `firebreak chart`."""

from __future__ import annotations

import struct
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from commands.chart_command import parse_chart
from commands.parsing import UsageError
from storage.database import create_database_engine, create_session_factory
from tests.support.cli import Run
from tests.support.harness import ALICE, BROADCAST_CHANNEL, GENERAL, Harness
from tests.support.history import MONDAY, add_incident
from workflows.policy import Policy

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SECRET_TITLE = "Leaked seller ledger"


def _png_size(png: bytes) -> tuple[int, int]:
    assert png.startswith(PNG_SIGNATURE)
    assert png[12:16] == b"IHDR"
    width, height = struct.unpack(">II", png[16:24])
    return width, height


def _history(harness: Harness) -> None:
    with harness.sessions.begin() as session:
        add_incident(
            session, declared_at=MONDAY, severity="sev1", resolved_at=MONDAY + timedelta(hours=3)
        )
        add_incident(session, declared_at=MONDAY - timedelta(weeks=2), severity="sev3", market="FR")
        add_incident(
            session,
            declared_at=MONDAY + timedelta(days=1),
            title=SECRET_TITLE,
            restricted=True,
            domain="data_privacy",
        )


def test_chart_uploads_a_png_where_it_was_typed(harness: Harness) -> None:
    _history(harness)

    response = harness.command("chart 8 severity", channel=BROADCAST_CHANNEL)

    assert response.status == 200
    assert harness.standin.ephemerals(ALICE)[0].text == ":bar_chart: Drawing the chart…"
    [announced] = harness.standin.calls_to("files.getUploadURLExternal")
    assert announced.args["filename"] == "incidents-by-severity-8w-to-2026-11-16.png"
    [message] = [m for m in harness.standin.messages(BROADCAST_CHANNEL) if m.files]
    assert message.source == "files.completeUploadExternal"
    assert "3 incidents" in message.text
    assert f"<@{ALICE}>" in message.text
    # All three counted, the restricted one too (it is in the chart, unnamed).
    assert message.text == (
        ":bar_chart: Incidents per week by severity, last 8 weeks: 3 incidents, weeks starting "
        f"Monday UTC, for <@{ALICE}>. Restricted incidents are counted; none is named."
    )
    [shared] = message.files
    assert shared["title"] == "Incidents per week by severity, last 8 weeks"
    png = harness.standin.uploaded(shared["id"])
    assert png is not None
    assert _png_size(png) == (1200, 800)
    assert 10_000 < len(png) < 1_000_000
    # The restricted incident is counted, never named.
    for seen in harness.standin.messages(BROADCAST_CHANNEL):
        assert SECRET_TITLE not in seen.text
    assert len(harness.standin.ephemerals(ALICE)) == 1


def test_filters_and_the_split_appear_in_the_title(harness: Harness) -> None:
    _history(harness)

    harness.command("chart domain 12w counterfeit fr", channel=BROADCAST_CHANNEL)

    [message] = [m for m in harness.standin.messages(BROADCAST_CHANNEL) if m.files]
    assert message.files[0]["title"] == (
        "Incidents per week by domain, last 12 weeks · Counterfeit · market FR"
    )
    assert "1 incident," in message.text
    # Only the French counterfeit incident, a fortnight ago; not the two of this week.
    assert message.text.startswith(
        ":bar_chart: Incidents per week by domain, last 12 weeks · Counterfeit · market FR: "
        "1 incident, weeks starting Monday UTC"
    )


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("chart 200", "A chart covers 2 to 104 weeks, not 200."),
        ("chart 1w", "A chart covers 2 to 104 weeks, not 1."),
        ("chart knitting-circles", "I don't understand `knitting-circles` here"),
        ("chart fraud", "I don't understand `fraud` here"),  # no incident has market FRAUD
        ("chart sev1", "it can't be narrowed to `sev1`"),
        ("chart 4 8", "Give the number of weeks only once."),
    ],
)
def test_bad_input_gets_the_usage_and_draws_nothing(
    harness: Harness, text: str, problem: str
) -> None:
    harness.command(text, channel=BROADCAST_CHANNEL)

    [answer] = harness.standin.ephemerals(ALICE)
    assert problem in answer.text
    assert "`/incident chart [weeks] [severity|domain] [domain] [market]`" in answer.text
    assert harness.standin.calls_to("files.getUploadURLExternal") == []


def test_a_channel_the_bot_is_not_in_gets_told_privately(harness: Harness) -> None:
    harness.command("chart", channel=GENERAL)

    drawing, refused = harness.standin.ephemerals(ALICE)
    assert drawing.text == ":bar_chart: Drawing the chart…"
    assert refused.text.startswith(":warning: I can't post the chart in this channel")
    assert "/invite @Firebreak" in refused.text
    assert not any(m.files for m in harness.standin.messages(GENERAL))


def _any_market(code: str) -> bool:
    return True


def test_parsing_takes_words_in_any_order() -> None:
    policy = Policy.model_validate({"digest": {"weeks_in_chart": 26}})

    default = parse_chart("", policy, _any_market)
    assert (default.weeks, default.by, default.scope.domain) == (26, "severity", None)
    request = parse_chart("us-ca Fraud_Scam 52weeks domains regulator", policy, _any_market)
    assert (request.weeks, request.by) == (52, "domain")
    scope = request.scope
    assert (scope.domain, scope.market, scope.source) == ("fraud_scam", "US-CA", "regulator")
    with pytest.raises(UsageError, match="Give a domain only once"):
        parse_chart("counterfeit other", policy, _any_market)
    with pytest.raises(UsageError, match="I don't understand `fr`"):
        parse_chart("fr", policy, lambda code: code == "DE")


def test_firebreak_chart_writes_the_png(database_url: str, tmp_path: Path, run_cli: Run) -> None:
    # The command line charts the weeks up to the real now, so the history is relative to it.
    now = datetime.now(UTC)
    engine = create_database_engine(database_url)
    with create_session_factory(engine).begin() as session:
        add_incident(session, declared_at=now - timedelta(days=8), severity="sev2", market="DE")
        add_incident(session, declared_at=now - timedelta(days=1), market="DE", restricted=True)
        add_incident(session, declared_at=now - timedelta(days=2), market="FR")
        add_incident(session, declared_at=now - timedelta(weeks=7), market="DE")  # too old
    engine.dispose()
    out = tmp_path / "trend.png"

    code, printed, err = run_cli(
        "chart", "--weeks", "6", "--by", "domain", "--market", "de", "--out", str(out)
    )

    assert (code, err) == (0, "")
    png = out.read_bytes()
    assert _png_size(png) == (1200, 800)
    assert str(out) in printed
    assert "Incidents per week by domain, last 6 weeks · market DE" in printed
    # Both German incidents of the last six weeks, the restricted one too; not the French
    # one, nor the one from seven weeks ago.
    assert printed.endswith(" (2 incidents)\n")


@pytest.mark.parametrize(
    ("arguments", "problem"),
    [
        (["--weeks", "105"], "2 to 104 weeks"),
        (["--domain", "knitting"], "Unknown domain `knitting`"),
        (["--source", "pigeon"], "Unknown source `pigeon`"),
    ],
)
def test_firebreak_chart_refuses_bad_options(
    arguments: list[str], problem: str, tmp_path: Path, cli_on: Callable[[str], Run]
) -> None:
    run = cli_on(f"sqlite:///{tmp_path / 'unused.db'}")
    out = tmp_path / "trend.png"

    code, printed, err = run("chart", *arguments, "--out", str(out))

    assert (code, printed) == (2, "")
    assert problem in err
    assert not out.exists()
