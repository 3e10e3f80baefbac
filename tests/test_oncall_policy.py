"""The on-call policy: durations, weekly times, rotations, and one clear message per mistake."""

from __future__ import annotations

from datetime import date, time, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from workflows.durations import Duration, format_duration, parse_duration
from workflows.oncall_policy import (
    OnCallPolicy,
    Rotation,
    Weekday,
    WeekendCoverage,
    WeeklyTime,
)
from workflows.policy import describe_validation_error
from workflows.policy_types import Strict as _Strict


class _File(_Strict):
    """Stands in for the policy file's top level, so errors carry the ``oncall.`` prefix."""

    oncall: OnCallPolicy = OnCallPolicy()


def _problems(raw: dict[str, Any]) -> str:
    """What an operator would read for this ``oncall:`` section."""
    with pytest.raises(ValidationError) as raised:
        _File.model_validate({"oncall": raw})
    return describe_validation_error(Path("policy.yml"), raised.value)


def _rotation(**changes: Any) -> dict[str, Any]:
    return {"name": "sre", "time_zone": "Europe/Berlin", "members": ["UANNA", "UBEN"], **changes}


# Durations ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5m", timedelta(minutes=5)),
        ("2h", timedelta(hours=2)),
        ("1d", timedelta(days=1)),
        ("1w", timedelta(weeks=1)),
        ("90m", timedelta(minutes=90)),
        ("1h30m", timedelta(hours=1, minutes=30)),
        ("1w2d", timedelta(days=9)),
        ("2d12h", timedelta(hours=60)),
        (" 15m ", timedelta(minutes=15)),
    ],
)
def test_durations_are_read_in_the_compact_form(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("", "is not a duration"),
        ("5", "is not a duration"),
        ("m", "is not a duration"),
        ("1.5h", "is not a duration"),
        ("-5m", "is not a duration"),
        ("30m1h", "largest unit first"),
        ("1h1h", "is not a duration"),
        ("5s", "w, d, h, m"),
        ("1 h", "is not a duration"),
        ("0m", "must be longer than zero"),
        ("0w0d", "must be longer than zero"),
        ("99999999999w", "too long"),
    ],
)
def test_bad_durations_are_explained(text: str, complaint: str) -> None:
    with pytest.raises(ValueError, match=complaint):
        parse_duration(text)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (timedelta(minutes=90), "1h30m"),
        (timedelta(weeks=1), "1w"),
        (timedelta(days=8), "1w1d"),
        (timedelta(days=1, minutes=5), "1d5m"),
        (timedelta(minutes=5), "5m"),
    ],
)
def test_durations_are_written_back_compactly(value: timedelta, text: str) -> None:
    assert format_duration(value) == text
    assert parse_duration(text) == value


class _Step(_Strict):
    """How another model (the escalation policy) would use ``Duration``."""

    after: Duration


def test_a_duration_field_reads_strings_and_timedeltas_and_writes_strings() -> None:
    assert _Step.model_validate({"after": "1h30m"}).after == timedelta(minutes=90)
    assert _Step(after=timedelta(minutes=5)).model_dump(mode="json") == {"after": "5m"}
    assert _Step.model_validate_json('{"after": "90m"}').model_dump_json() == '{"after":"1h30m"}'


@pytest.mark.parametrize(
    ("value", "complaint"),
    [
        (5, "expected a duration with a unit"),
        (2.5, "expected a duration with a unit"),
        ("soon", "'soon' is not a duration"),
        (timedelta(seconds=30), "positive whole number of minutes"),
        (timedelta(minutes=-5), "positive whole number of minutes"),
    ],
)
def test_a_duration_field_refuses_anything_else(value: object, complaint: str) -> None:
    with pytest.raises(ValidationError, match=complaint):
        _Step.model_validate({"after": value})


# Weekly times ------------------------------------------------------------------


def test_weekly_times_read_hh_mm() -> None:
    friday = WeeklyTime.model_validate({"day": "friday", "time": "18:30"})

    assert friday.day is Weekday.friday
    assert friday.time == time(18, 30)
    assert friday.model_dump(mode="json") == {"day": "friday", "time": "18:30"}
    assert str(friday) == "friday 18:30"
    assert WeeklyTime(day=Weekday.monday, time=time(0, 0)).minute_of_week == 0
    assert friday.minute_of_week == 4 * 24 * 60 + 18 * 60 + 30


@pytest.mark.parametrize(
    ("value", "complaint"),
    [
        ("24:00", "'24:00' is not a 24-hour time 'HH:MM'"),
        ("9:00", "is not a 24-hour time"),
        ("09:60", "is not a 24-hour time"),
        ("09:00:00", "is not a 24-hour time"),
        ("6pm", "is not a 24-hour time"),
        (1080, "write the time in quotes, such as '18:00'"),
        (time(9, 0, 30), "whole minute"),
    ],
)
def test_bad_times_are_explained(value: object, complaint: str) -> None:
    with pytest.raises(ValidationError, match=complaint):
        WeeklyTime.model_validate({"day": "monday", "time": value})


def test_unquoted_yaml_times_get_a_hint_to_quote_them() -> None:
    raw = yaml.safe_load(
        "rotations:\n  - {name: sre, time_zone: UTC, members: [UANNA],\n"
        "     handoff: {day: monday, time: 18:00}}\n"
    )

    assert (
        "oncall.rotations.0.handoff.time: write the time in quotes, such as '18:00': "
        "YAML reads an unquoted 18:00 as the number 1080"
    ) in _problems(raw)


def test_weekdays_are_named_in_lower_case() -> None:
    assert "handoff.day: Input should be 'monday'" in _problems(
        {"rotations": [_rotation(handoff={"day": "Mon", "time": "09:00"})]}
    )


# Defaults -----------------------------------------------------------------------


def test_a_rotation_needs_only_a_name_a_zone_and_members() -> None:
    rotation = Rotation.model_validate(_rotation())

    assert rotation.handoff == WeeklyTime(day=Weekday.monday, time=time(9, 0))
    assert rotation.shift == timedelta(weeks=1)
    assert rotation.shift_days == 7
    assert rotation.weekend == WeekendCoverage(
        starts=WeeklyTime(day=Weekday.friday, time=time(18, 0)),
        ends=WeeklyTime(day=Weekday.monday, time=time(9, 0)),
        members=(),
    )
    assert rotation.weekend.length == timedelta(hours=63)
    assert rotation.starts_on == date(2026, 1, 5)
    assert rotation.channel is None
    assert rotation.escalate_to is None
    assert rotation.zone.key == "Europe/Berlin"


def test_no_rotations_by_default() -> None:
    policy = OnCallPolicy()

    assert policy.rotations == ()
    assert policy.default_rotation is None
    assert policy.domain_rotations == {}
    assert policy.rotation_for_domain("fraud_scam") is None


def test_a_full_section_loads_from_yaml_and_dumps_back_the_same() -> None:
    raw = yaml.safe_load(
        """
rotations:
  - name: trust-safety
    time_zone: Europe/Berlin
    members: [UANNA, ben@example.com, W0CARL]
    handoff: {day: wednesday, time: "10:00"}
    shift: 2w
    weekend:
      starts: {day: saturday, time: "00:00"}
      ends: {day: monday, time: "07:30"}
      members: [UDORA]
    starts_on: 2026-02-04
    channel: C0ONCALL
    escalate_to: S0MANAGERS
  - name: sre
    time_zone: America/New_York
    members: [UERIN]
    shift: 1d
    weekend: null
default_rotation: sre
domain_rotations: {platform_outage: sre, fraud_scam: trust-safety}
"""
    )

    policy = OnCallPolicy.model_validate(raw)
    dumped = policy.model_dump(mode="json")

    assert OnCallPolicy.model_validate(dumped) == policy
    assert OnCallPolicy.model_validate(yaml.safe_load(yaml.safe_dump(dumped))) == policy
    assert dumped["rotations"][0]["shift"] == "2w"
    assert dumped["rotations"][0]["weekend"]["ends"] == {"day": "monday", "time": "07:30"}
    assert policy.rotation("trust-safety").weekend is not None
    assert policy.rotation("sre").weekend is None
    assert policy.rotation_for_domain("fraud_scam") == policy.rotation("trust-safety")
    assert policy.rotation_for_domain("counterfeit") == policy.rotation("sre")


def test_the_default_rotation_is_the_first() -> None:
    policy = OnCallPolicy.model_validate(
        {"rotations": [_rotation(name="first"), _rotation(name="second")]}
    )

    assert policy.default_rotation == "first"
    assert policy.rotation_for_domain("anything").name == "first"  # type: ignore[union-attr]


def test_an_unknown_rotation_name_is_a_key_error() -> None:
    with pytest.raises(KeyError, match="no rotation named 'nope'"):
        OnCallPolicy().rotation("nope")


def test_members_and_escalation_take_user_ids_emails_and_groups() -> None:
    rotation = Rotation.model_validate(
        _rotation(members=["UANNA", "W0BEN", "carl@example.com"], escalate_to="S0LEADS")
    )
    assert rotation.members == ("UANNA", "W0BEN", "carl@example.com")
    assert Rotation.model_validate(_rotation(escalate_to="UBOSS")).escalate_to == "UBOSS"
    assert Rotation.model_validate(_rotation(escalate_to="boss@x.org")).escalate_to == "boss@x.org"


def test_a_six_day_weekend_is_the_longest_allowed() -> None:
    weekend = WeekendCoverage.model_validate(
        {"starts": {"day": "monday", "time": "09:00"}, "ends": {"day": "sunday", "time": "09:00"}}
    )
    assert weekend.length == timedelta(days=6)


# Every rule, with the message an operator reads -----------------------------------


@pytest.mark.parametrize(
    ("raw", "complaint"),
    [
        (
            {"rotations": [_rotation(time_zone="Europe/Berln")]},
            "oncall.rotations.0.time_zone: unknown time zone 'Europe/Berln'",
        ),
        (
            {"rotations": [_rotation(time_zone="../../etc/passwd")]},
            "oncall.rotations.0.time_zone: unknown time zone '../../etc/passwd'",
        ),
        (
            {"rotations": [_rotation(members=["UANNA", "UBEN", "UANNA"])]},
            "oncall.rotations.0.members: members must be unique; repeated: UANNA",
        ),
        (
            {"rotations": [_rotation(members=["a@x.org", "A@x.org"])]},
            "oncall.rotations.0.members: members must be unique; repeated: A@x.org",
        ),
        (
            {"rotations": [_rotation(members=[])]},
            "oncall.rotations.0.members: a rotation needs 1 to 100 members; got 0",
        ),
        (
            {"rotations": [_rotation(members=[f"U{n:03}" for n in range(101)])]},
            "oncall.rotations.0.members: a rotation needs 1 to 100 members; got 101",
        ),
        (
            {"rotations": [_rotation(members=["anna"])]},
            "oncall.rotations.0.members.0: 'anna' is neither a Slack user id (U… or W…) "
            "nor an email address",
        ),
        (
            {"rotations": [_rotation(members=["U1"])]},
            "'U1' is neither a Slack user id",
        ),
        (
            {"rotations": [_rotation(shift="36h")]},
            "oncall.rotations.0.shift: a shift is a whole number of days, such as '1d' or "
            "'1w'; got '1d12h'",
        ),
        (
            {"rotations": [_rotation(shift="5w")]},
            "oncall.rotations.0.shift: a shift lasts from 1d to 4w; got '5w'",
        ),
        (
            {"rotations": [_rotation(shift="12h")]},
            "oncall.rotations.0.shift: a shift is a whole number of days",
        ),
        (
            {"rotations": [_rotation(shift=7)]},
            "oncall.rotations.0.shift: expected a duration with a unit",
        ),
        (
            {
                "rotations": [
                    _rotation(
                        weekend={
                            "starts": {"day": "friday", "time": "18:00"},
                            "ends": {"day": "friday", "time": "18:00"},
                        }
                    )
                ]
            },
            "oncall.rotations.0.weekend: the weekend starts and ends at the same time "
            "(friday 18:00)",
        ),
        (
            {
                "rotations": [
                    _rotation(
                        weekend={
                            "starts": {"day": "friday", "time": "18:00"},
                            "ends": {"day": "friday", "time": "09:00"},
                        }
                    )
                ]
            },
            "oncall.rotations.0.weekend: the weekend from friday 18:00 to friday 09:00 is "
            "longer than 6 days",
        ),
        (
            {"rotations": [_rotation(weekend={"members": ["UDORA", "UDORA"]})]},
            "oncall.rotations.0.weekend.members: weekend members must be unique; repeated: UDORA",
        ),
        (
            {"rotations": [_rotation(escalate_to="the boss")]},
            "oncall.rotations.0.escalate_to: 'the boss' is not a Slack user id (U… or W…), "
            "user group id (S…) or email address",
        ),
        (
            {"rotations": [_rotation(channel="#oncall")]},
            "oncall.rotations.0.channel: String should match pattern",
        ),
        (
            {"rotations": [_rotation(name="SRE Team")]},
            "oncall.rotations.0.name: String should match pattern",
        ),
        (
            {"rotations": [_rotation(colour="red")]},
            "oncall.rotations.0.colour: Extra inputs are not permitted",
        ),
        (
            {"rotations": [_rotation(), _rotation(name="b"), _rotation()]},
            "oncall.rotations: rotation names must be unique; repeated: sre",
        ),
        (
            {"rotations": [_rotation()], "default_rotation": "ops"},
            "oncall.default_rotation: default_rotation 'ops' is not a listed rotation",
        ),
        (
            {"default_rotation": "ops"},
            "oncall.default_rotation: default_rotation 'ops' is not a listed rotation",
        ),
        (
            {"rotations": [_rotation()], "domain_rotations": {"fraud_scam": "ops", "other": "sre"}},
            "oncall.domain_rotations: these domains name no listed rotation: fraud_scam -> ops",
        ),
        (
            {"rotations": [_rotation()], "domain_rotations": {"Fraud Scam": "sre"}},
            "oncall.domain_rotations.Fraud Scam.[key]: String should match pattern",
        ),
    ],
)
def test_every_rule_has_a_clear_message(raw: dict[str, Any], complaint: str) -> None:
    assert complaint in _problems(raw)


def test_each_bad_field_is_reported_once_and_by_its_own_path() -> None:
    message = _problems(
        {
            "rotations": [
                _rotation(time_zone="Mars/Olympus", members=["UANNA", "UANNA"]),
                _rotation(name="ops", shift="1h"),
            ]
        }
    )

    assert "has 3 problem(s)" in message
    assert "oncall.rotations.0.time_zone: unknown time zone 'Mars/Olympus'" in message
    assert "oncall.rotations.0.members: members must be unique" in message
    assert "oncall.rotations.1.shift: a shift is a whole number of days" in message
    assert "Value error" not in message


def test_models_are_frozen() -> None:
    rotation = Rotation.model_validate(_rotation())
    with pytest.raises(ValidationError, match="frozen"):
        rotation.members = ("UBEN",)  # type: ignore[misc]
