"""Property tests of the parsers and names: any text gives an answer or the documented error.

Whatever a user types, a parser either understands it or raises its own usage error
(which the app turns into a private explanation); nothing else escapes. Where a parser
has a writer (durations, ISO times), reading what was written gives the value back.
Channel names are always ones Slack accepts.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import example, given, settings
from hypothesis import strategies as st

from commands import oncall_parsing, parsing
from commands.slack_text import readable, unescape
from commands.text import escape, quoted
from commands.when import BadTime, parse_when
from tests.support.harness import default_policy
from tests.support.policies import with_rotation
from workflows.durations import format_duration, parse_duration
from workflows.naming import MAX_CHANNEL_NAME, incident_channel_name

POLICY = default_policy()
ONCALL_POLICY = with_rotation()
NOW = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
EARLIEST = datetime(1900, 1, 2, tzinfo=UTC).replace(tzinfo=None)  # hypothesis wants naive bounds
LATEST = datetime(9999, 12, 30, tzinfo=UTC).replace(tzinfo=None)
ZONES = st.sampled_from(
    [ZoneInfo(z) for z in ("UTC", "Europe/Berlin", "Pacific/Kiritimati", "Pacific/Pago_Pago")]
)
SLACK_CHANNEL_NAME = re.compile(r"[a-z0-9_-]{1,80}")

# Words people (and attackers) type: flags, times, lengths, mentions, markup, big numbers.
WORDS = st.sampled_from(
    [
        "declare", "note", "deadline", "status", "timeline", "help", "--sev", "--severity=1",
        "--domain", "--source", "--ref", "--market", "--due", "--private", "--", "-", "=",
        "sev1", "SEV2", "0", "-1", "99999999999999999999", "now", "in", "+3d", "+0m",
        "+999999999d", "+99999999999w", "2026-12-01", "17:00", "24:00", "23:59:59",
        "2026-12-01T17:00", "2026-12-01T17:00Z", "2026-12-01T17:00+25:00", "0001-01-01",
        "0001-01-01T00:00+14:00", "9999-12-31T23:59-12:00", "9999-12-31 23:59",
        "2026-02-30", "override", "cancel", "schedule", "#12", "<@U0BOB|bob>", "<@U0BOB>",
        "<!channel>", "<#C0GENERAL|general>", "<https://evil.example|login>", "&lt;", "&amp;",
        "`", "*", "_", "~", ">", "<", "|", "\u202e", "\u0000", "\uff11\uff17:\uff10\uff10",
        "\u0662\u0660\u0662\u0666-\u0661\u0662-\u0660\u0661",
        "trust-safety", "x" * 300,
    ]
)  # fmt: skip
COMMAND_TEXT = st.lists(st.one_of(WORDS, st.text(max_size=12)), max_size=8).map(" ".join)
FAST = settings(max_examples=300, deadline=None)


@FAST
@given(text=COMMAND_TEXT)
@example(text="declare --due +999999999d title")
@example(text="deadline 0001-01-01T00:00+14:00")
def test_incident_command_text_is_understood_or_refused_with_usage(text: str) -> None:
    try:
        parsed = parsing.parse_incident_command(text, POLICY)
    except parsing.UsageError as error:
        assert str(error)  # noqa: PT017 - any input, so no pytest.raises
        return
    if isinstance(parsed, parsing.Declare):
        assert 0 < len(parsed.title) <= 150
        assert parsed.severity in {s.key for s in POLICY.severities}
        assert parsed.domain in {d.key for d in POLICY.domains}


@FAST
@given(text=st.one_of(COMMAND_TEXT, WORDS), zone=ZONES)
@example(text="+999999999d", zone=ZoneInfo("UTC"))
@example(text="0001-01-01T00:00+14:00", zone=ZoneInfo("UTC"))
@example(text="0001-01-01 00:00", zone=ZoneInfo("Pacific/Kiritimati"))
@example(text="9999-12-31 23:59", zone=ZoneInfo("Pacific/Pago_Pago"))
def test_a_typed_moment_is_an_aware_utc_time_or_a_bad_time(text: str, zone: ZoneInfo) -> None:
    try:
        moment = parse_when(text, zone, NOW)
    except BadTime as error:
        assert str(error)  # noqa: PT017 - any input, so no pytest.raises
        return
    assert moment.utcoffset() == timedelta(0)


@FAST
@given(
    instant=st.datetimes(min_value=EARLIEST, max_value=LATEST),
    written_in=ZONES,
    zone=ZONES,
)
def test_a_written_moment_reads_back_as_the_same_instant(
    instant: datetime, written_in: ZoneInfo, zone: ZoneInfo
) -> None:
    moment = instant.replace(microsecond=0, tzinfo=UTC)
    assert parse_when(moment.astimezone(written_in).isoformat(), zone, NOW) == moment


@FAST
@given(
    text=st.one_of(WORDS, st.text(max_size=20), st.from_regex(r"\d{1,25}[wdhm]", fullmatch=True))
)
def test_a_duration_is_positive_or_a_value_error(text: str) -> None:
    try:
        span = parse_duration(text)
    except ValueError as error:
        assert str(error)  # noqa: PT017 - any input, so no pytest.raises
        return
    assert span > timedelta(0)


@FAST
@given(minutes=st.integers(min_value=1, max_value=timedelta.max // timedelta(minutes=1)))
def test_a_formatted_duration_reads_back(minutes: int) -> None:
    span = timedelta(minutes=minutes)
    assert parse_duration(format_duration(span)) == span


@FAST
@given(text=COMMAND_TEXT, zone=ZONES)
@example(text="override <@U0BOB|bob> 9999-12-31 23:59 +1d", zone=ZoneInfo("UTC"))
@example(text="override <@U0BOB|bob> 0001-01-01 00:00 +1h", zone=ZoneInfo("Pacific/Kiritimati"))
@example(text="override <@U0BOB|bob> now +99999999999w", zone=ZoneInfo("UTC"))
def test_oncall_text_is_understood_or_refused_with_usage(text: str, zone: ZoneInfo) -> None:
    try:
        parsed = oncall_parsing.parse_oncall_command(text, ONCALL_POLICY)
        if isinstance(parsed, oncall_parsing.SetOverride):
            starts, ends = oncall_parsing.resolve_window(parsed.starts, parsed.ends, zone, NOW)
            assert starts.utcoffset() == ends.utcoffset() == timedelta(0)
    except oncall_parsing.OnCallUsageError as error:
        assert str(error)  # noqa: PT017 - any input, so no pytest.raises


@FAST
@given(
    prefix=st.from_regex(r"[a-z0-9][a-z0-9_-]{0,19}", fullmatch=True),
    number=st.integers(min_value=1, max_value=10**9),
    title=st.text(max_size=400),
    attempt=st.integers(min_value=1, max_value=1000),
)
@example(prefix="inc", number=1, title="ǅ ﬁ İ ß ㎒ ⅷ", attempt=1)
@example(prefix="a" * 20, number=10**9, title="-" * 100, attempt=1000)
def test_channel_names_are_always_valid_for_slack(
    prefix: str, number: int, title: str, attempt: int
) -> None:
    name = incident_channel_name(prefix, number, title, attempt)
    assert SLACK_CHANNEL_NAME.fullmatch(name), name
    assert len(name) <= MAX_CHANNEL_NAME
    assert name.startswith(f"{prefix}-{number}")


@FAST
@given(text=st.text())
def test_escaped_text_never_carries_markup_and_reads_back(text: str) -> None:
    escaped = escape(text)
    assert "<" not in escaped
    assert ">" not in escaped
    assert unescape(escaped) == text
    assert readable(escaped) == text
    safe = quoted(text)
    assert "<" not in safe
    assert ">" not in safe
    assert "`" not in safe
