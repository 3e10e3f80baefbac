"""Who is on call when: hand-worked examples (UTC instants written out), DST, overrides, properties.

The main example is a Europe/Berlin rotation of Anna, Ben and Carl handing off weekly
on Monday 09:00, with Dora and Eve covering weekends from Friday 18:00 to Monday 09:00.
Berlin is UTC+1 in winter and UTC+2 from 2026-03-29 to 2026-10-25.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workflows.oncall_policy import Rotation, Weekday, WeekendCoverage, WeeklyTime
from workflows.rotations import (
    Override,
    Shift,
    next_change,
    on_call,
    shifts_between,
    weekend_windows,
)

BERLIN = ZoneInfo("Europe/Berlin")
TEAM = ("UANNA", "UBEN", "UCARL")
WEEKENDERS = ("UDORA", "UEVE")


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def rotation(**changes: Any) -> Rotation:
    fields: dict[str, Any] = {
        "name": "sre",
        "time_zone": "Europe/Berlin",
        "members": TEAM,
        "weekend": {"members": WEEKENDERS},
        **changes,
    }
    return Rotation.model_validate(fields)


def people(shift: Shift) -> tuple[str, str | None, str, bool]:
    return (shift.primary, shift.backup, shift.coverage, shift.overridden)


def spans(shifts: list[Shift]) -> list[tuple[str, str | None, datetime, datetime]]:
    return [(s.primary, s.backup, s.starts_at, s.ends_at) for s in shifts]


# The main example ----------------------------------------------------------------


def test_wednesday_noon_is_the_first_weekday_shift() -> None:
    shift = on_call(rotation(), datetime(2026, 1, 7, 12, 0, tzinfo=BERLIN))

    assert shift == Shift(
        rotation="sre",
        primary="UANNA",
        backup="UBEN",
        starts_at=utc(2026, 1, 5, 8),  # Monday 09:00 CET
        ends_at=utc(2026, 1, 9, 17),  # Friday 18:00 CET: the weekend takes over
        coverage="weekday",
        overridden=False,
    )


def test_saturday_night_is_the_weekend_pool() -> None:
    shift = on_call(rotation(), datetime(2026, 1, 10, 3, 0, tzinfo=BERLIN))

    assert people(shift) == ("UDORA", "UEVE", "weekend", False)
    assert (shift.starts_at, shift.ends_at) == (utc(2026, 1, 9, 17), utc(2026, 1, 12, 8))


def test_monday_the_weekend_hands_back_at_nine() -> None:
    before = on_call(rotation(), utc(2026, 1, 12, 7, 59))  # 08:59 CET
    at = on_call(rotation(), utc(2026, 1, 12, 8, 0))  # 09:00 CET

    assert people(before) == ("UDORA", "UEVE", "weekend", False)
    assert people(at) == ("UBEN", "UCARL", "weekday", False)
    assert (at.starts_at, at.ends_at) == (utc(2026, 1, 12, 8), utc(2026, 1, 16, 17))


def test_the_weekend_pool_takes_turns_by_week() -> None:
    primaries = [on_call(rotation(), utc(2026, 1, day, 12)).primary for day in (10, 17, 24, 31)]
    assert primaries == ["UDORA", "UEVE", "UDORA", "UEVE"]


def test_before_starts_on_the_turns_count_backwards() -> None:
    thursday = on_call(rotation(), utc(2026, 1, 1, 12))
    saturday = on_call(rotation(), utc(2026, 1, 3, 12))

    assert (thursday.primary, thursday.backup) == ("UCARL", "UANNA")  # shift -1
    assert (thursday.starts_at, thursday.ends_at) == (utc(2025, 12, 29, 8), utc(2026, 1, 2, 17))
    assert (saturday.primary, saturday.backup) == ("UEVE", "UDORA")  # weekend -1
    assert on_call(rotation(), utc(2025, 12, 24, 12)).primary == "UBEN"  # shift -2


def test_starts_on_midweek_begins_at_the_next_handoff() -> None:
    late = rotation(starts_on=date(2026, 1, 7), weekend=None)

    assert on_call(late, utc(2026, 1, 12, 8)).primary == "UANNA"
    assert on_call(late, utc(2026, 1, 12, 7, 59)).primary == "UCARL"


def test_a_daily_rotation_counts_days_and_weekends_separately() -> None:
    daily = rotation(shift="1d", weekend={})  # weekend pool: the members, by week

    week = shifts_between(daily, utc(2026, 1, 5, 8), utc(2026, 1, 13, 8))

    assert spans(week) == [
        ("UANNA", "UBEN", utc(2026, 1, 5, 8), utc(2026, 1, 6, 8)),  # Mon, shift 0
        ("UBEN", "UCARL", utc(2026, 1, 6, 8), utc(2026, 1, 7, 8)),
        ("UCARL", "UANNA", utc(2026, 1, 7, 8), utc(2026, 1, 8, 8)),
        ("UANNA", "UBEN", utc(2026, 1, 8, 8), utc(2026, 1, 9, 8)),
        ("UBEN", "UCARL", utc(2026, 1, 9, 8), utc(2026, 1, 9, 17)),  # Fri, cut at 18:00
        ("UANNA", "UBEN", utc(2026, 1, 9, 17), utc(2026, 1, 12, 8)),  # weekend 0
        ("UBEN", "UCARL", utc(2026, 1, 12, 8), utc(2026, 1, 13, 8)),  # Mon, shift 7
    ]
    assert [s.coverage for s in week].count("weekend") == 1
    assert on_call(daily, utc(2026, 1, 17, 12)).primary == "UBEN"  # weekend 1


def test_a_weekday_shift_resumes_after_the_weekend() -> None:
    fortnightly = rotation(shift="2w", handoff={"day": "wednesday", "time": "12:00"})

    pieces = shifts_between(fortnightly, utc(2026, 1, 7, 11), utc(2026, 1, 21, 11))

    assert spans(pieces) == [
        ("UANNA", "UBEN", utc(2026, 1, 7, 11), utc(2026, 1, 9, 17)),
        ("UDORA", "UEVE", utc(2026, 1, 9, 17), utc(2026, 1, 12, 8)),
        ("UANNA", "UBEN", utc(2026, 1, 12, 8), utc(2026, 1, 16, 17)),
        ("UEVE", "UDORA", utc(2026, 1, 16, 17), utc(2026, 1, 19, 8)),
        ("UANNA", "UBEN", utc(2026, 1, 19, 8), utc(2026, 1, 21, 11)),
    ]


def test_one_member_has_no_backup_and_still_hands_off_weekly() -> None:
    alone = rotation(members=["UANNA"], weekend=None)

    weeks = shifts_between(alone, utc(2026, 1, 5, 8), utc(2026, 1, 26, 8))

    assert spans(weeks) == [
        ("UANNA", None, utc(2026, 1, 5, 8), utc(2026, 1, 12, 8)),
        ("UANNA", None, utc(2026, 1, 12, 8), utc(2026, 1, 19, 8)),
        ("UANNA", None, utc(2026, 1, 19, 8), utc(2026, 1, 26, 8)),
    ]
    assert next_change(alone, utc(2026, 1, 7)).starts_at == utc(2026, 1, 12, 8)
    assert people(on_call(rotation(members=["UANNA"]), utc(2026, 1, 10))) == (
        "UDORA",
        "UEVE",
        "weekend",
        False,
    )


def test_next_change_is_the_following_shift() -> None:
    following = next_change(rotation(), utc(2026, 1, 7, 11))

    assert people(following) == ("UDORA", "UEVE", "weekend", False)
    assert following.starts_at == utc(2026, 1, 9, 17)
    assert next_change(rotation(), utc(2026, 1, 9, 17)).starts_at == utc(2026, 1, 12, 8)


def test_weekend_windows_are_the_handoff_and_handback_instants() -> None:
    assert weekend_windows(rotation(), utc(2026, 1, 1), utc(2026, 1, 20)) == [
        (utc(2026, 1, 2, 17), utc(2026, 1, 5, 8)),
        (utc(2026, 1, 9, 17), utc(2026, 1, 12, 8)),
        (utc(2026, 1, 16, 17), utc(2026, 1, 19, 8)),
    ]
    # A window that spans the start, or hands back exactly at it, is listed unclipped.
    assert weekend_windows(rotation(), utc(2026, 1, 10), utc(2026, 1, 11)) == [
        (utc(2026, 1, 9, 17), utc(2026, 1, 12, 8))
    ]
    assert weekend_windows(rotation(), utc(2026, 1, 12, 8), utc(2026, 1, 16, 17)) == [
        (utc(2026, 1, 9, 17), utc(2026, 1, 12, 8))
    ]
    assert weekend_windows(rotation(weekend=None), utc(2026, 1, 1), utc(2026, 2, 1)) == []


def test_times_are_returned_in_utc_whatever_zone_they_were_asked_in() -> None:
    shift = on_call(rotation(), datetime(2026, 1, 7, 12, tzinfo=ZoneInfo("Asia/Tokyo")))
    assert shift.starts_at.tzinfo is UTC
    assert shift.starts_at == utc(2026, 1, 5, 8)


# Daylight saving --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "monday", "starts_at", "ends_at", "hours", "primary"),
    [
        # Berlin springs forward on Sunday 2026-03-29: 09:00 CET -> 09:00 CEST.
        ("Europe/Berlin", 23, utc(2026, 3, 23, 8), utc(2026, 3, 30, 7), 167, "UCARL"),
        # Berlin falls back on Sunday 2026-10-25: 09:00 CEST -> 09:00 CET.
        ("Europe/Berlin", 19, utc(2026, 10, 19, 7), utc(2026, 10, 26, 8), 169, "UCARL"),
        # New York springs forward on Sunday 2026-03-08: 09:00 EST -> 09:00 EDT.
        ("America/New_York", 2, utc(2026, 3, 2, 14), utc(2026, 3, 9, 13), 167, "UCARL"),
        # New York falls back on Sunday 2026-11-01: 09:00 EDT -> 09:00 EST.
        ("America/New_York", 26, utc(2026, 10, 26, 13), utc(2026, 11, 2, 14), 169, "UANNA"),
    ],
)
def test_the_handoff_stays_at_local_nine_across_a_dst_change(
    zone: str, monday: int, starts_at: datetime, ends_at: datetime, hours: int, primary: str
) -> None:
    weekly = rotation(time_zone=zone, weekend=None)

    shift = on_call(weekly, starts_at + timedelta(days=3))

    assert (shift.primary, shift.starts_at, shift.ends_at) == (primary, starts_at, ends_at)
    assert shift.ends_at - shift.starts_at == timedelta(hours=hours)
    local = ZoneInfo(zone)
    assert shift.starts_at.astimezone(local).time() == time(9, 0)
    assert shift.ends_at.astimezone(local).time() == time(9, 0)
    assert shift.starts_at.astimezone(local).day == monday


@pytest.mark.parametrize(
    ("zone", "start", "window", "hours"),
    [
        ("Europe/Berlin", utc(2026, 3, 26), (utc(2026, 3, 27, 17), utc(2026, 3, 30, 7)), 62),
        ("Europe/Berlin", utc(2026, 10, 22), (utc(2026, 10, 23, 16), utc(2026, 10, 26, 8)), 64),
        ("America/New_York", utc(2026, 3, 5), (utc(2026, 3, 6, 23), utc(2026, 3, 9, 13)), 62),
        ("America/New_York", utc(2026, 10, 29), (utc(2026, 10, 30, 22), utc(2026, 11, 2, 14)), 64),
    ],
)
def test_weekend_windows_keep_local_times_across_a_dst_change(
    zone: str, start: datetime, window: tuple[datetime, datetime], hours: int
) -> None:
    assert weekend_windows(rotation(time_zone=zone), start, start + timedelta(days=3)) == [window]
    assert window[1] - window[0] == timedelta(hours=hours)
    assert people(on_call(rotation(time_zone=zone), window[1] - timedelta(minutes=1)))[2] == (
        "weekend"
    )


def test_a_handoff_in_the_spring_gap_happens_when_the_gap_ends() -> None:
    nightly = rotation(shift="1d", weekend=None, handoff={"day": "monday", "time": "02:30"})

    pieces = shifts_between(nightly, utc(2026, 3, 28, 12), utc(2026, 3, 30, 12))

    # 02:30 on 2026-03-29 does not exist in Berlin; the clock jumps 02:00 -> 03:00 CEST.
    assert [s.starts_at for s in pieces[1:]] == [utc(2026, 3, 29, 1), utc(2026, 3, 30, 0, 30)]


def test_a_handoff_in_the_autumn_overlap_happens_the_first_time() -> None:
    nightly = rotation(shift="1d", weekend=None, handoff={"day": "monday", "time": "02:30"})

    pieces = shifts_between(nightly, utc(2026, 10, 24, 12), utc(2026, 10, 26, 12))

    # 02:30 on 2026-10-25 happens twice in Berlin; the first is 02:30 CEST (00:30 UTC).
    assert [s.starts_at for s in pieces[1:]] == [utc(2026, 10, 25, 0, 30), utc(2026, 10, 26, 1, 30)]
    assert pieces[1].ends_at - pieces[1].starts_at == timedelta(hours=25)


# Overrides -----------------------------------------------------------------------------


def cover(user: str, starts_at: datetime, ends_at: datetime, rotation: str = "sre") -> Override:
    return Override(rotation=rotation, user=user, starts_at=starts_at, ends_at=ends_at)


def test_a_cover_inside_a_shift() -> None:
    zoe = cover("UZOE", utc(2026, 1, 7, 9), utc(2026, 1, 7, 13))

    during = on_call(rotation(), utc(2026, 1, 7, 11), [zoe])
    week = shifts_between(rotation(), utc(2026, 1, 5, 8), utc(2026, 1, 9, 17), [zoe])

    assert during == Shift(
        "sre", "UZOE", "UBEN", utc(2026, 1, 7, 9), utc(2026, 1, 7, 13), "weekday", True
    )
    assert spans(week) == [
        ("UANNA", "UBEN", utc(2026, 1, 5, 8), utc(2026, 1, 7, 9)),
        ("UZOE", "UBEN", utc(2026, 1, 7, 9), utc(2026, 1, 7, 13)),
        ("UANNA", "UBEN", utc(2026, 1, 7, 13), utc(2026, 1, 9, 17)),
    ]
    assert [s.overridden for s in week] == [False, True, False]
    assert next_change(rotation(), utc(2026, 1, 6), [zoe]).primary == "UZOE"


def test_the_backup_covering_swaps_with_the_primary() -> None:
    ben = cover("UBEN", utc(2026, 1, 7, 9), utc(2026, 1, 7, 13))

    assert people(on_call(rotation(), utc(2026, 1, 7, 11), [ben])) == (
        "UBEN",
        "UANNA",
        "weekday",
        True,
    )


def test_the_later_starting_override_wins_where_they_overlap() -> None:
    zoe = cover("UZOE", utc(2026, 1, 7, 9), utc(2026, 1, 7, 15))
    yan = cover("UYAN", utc(2026, 1, 7, 11), utc(2026, 1, 7, 13))

    for listed in ([zoe, yan], [yan, zoe]):
        day = shifts_between(rotation(), utc(2026, 1, 7), utc(2026, 1, 8), listed)
        assert spans(day) == [
            ("UANNA", "UBEN", utc(2026, 1, 7), utc(2026, 1, 7, 9)),
            ("UZOE", "UBEN", utc(2026, 1, 7, 9), utc(2026, 1, 7, 11)),
            ("UYAN", "UBEN", utc(2026, 1, 7, 11), utc(2026, 1, 7, 13)),
            ("UZOE", "UBEN", utc(2026, 1, 7, 13), utc(2026, 1, 7, 15)),
            ("UANNA", "UBEN", utc(2026, 1, 7, 15), utc(2026, 1, 8)),
        ]


def test_overrides_starting_together_go_to_the_one_listed_last() -> None:
    zoe = cover("UZOE", utc(2026, 1, 7, 9), utc(2026, 1, 7, 15))
    yan = cover("UYAN", utc(2026, 1, 7, 9), utc(2026, 1, 7, 12))

    assert on_call(rotation(), utc(2026, 1, 7, 10), [zoe, yan]).primary == "UYAN"
    assert on_call(rotation(), utc(2026, 1, 7, 10), [yan, zoe]).primary == "UZOE"


def test_back_to_back_covers_by_the_same_person_are_one_shift() -> None:
    first = cover("UZOE", utc(2026, 1, 7, 9), utc(2026, 1, 7, 11))
    second = cover("UZOE", utc(2026, 1, 7, 11), utc(2026, 1, 7, 13))

    shift = on_call(rotation(), utc(2026, 1, 7, 12), [first, second])

    assert (shift.primary, shift.starts_at, shift.ends_at) == (
        "UZOE",
        utc(2026, 1, 7, 9),
        utc(2026, 1, 7, 13),
    )


def test_an_override_across_the_weekend_boundary() -> None:
    zoe = cover("UZOE", utc(2026, 1, 9, 16), utc(2026, 1, 10, 8))

    pieces = shifts_between(rotation(), utc(2026, 1, 9, 12), utc(2026, 1, 12, 12), [zoe])

    assert [(*people(s), s.starts_at, s.ends_at) for s in pieces] == [
        ("UANNA", "UBEN", "weekday", False, utc(2026, 1, 9, 12), utc(2026, 1, 9, 16)),
        ("UZOE", "UBEN", "weekday", True, utc(2026, 1, 9, 16), utc(2026, 1, 9, 17)),
        ("UZOE", "UEVE", "weekend", True, utc(2026, 1, 9, 17), utc(2026, 1, 10, 8)),
        ("UDORA", "UEVE", "weekend", False, utc(2026, 1, 10, 8), utc(2026, 1, 12, 8)),
        ("UBEN", "UCARL", "weekday", False, utc(2026, 1, 12, 8), utc(2026, 1, 12, 12)),
    ]


def test_taking_over_early_merges_into_ones_own_shift() -> None:
    pair = rotation(members=["UANNA", "UBEN"], weekend=None)
    ben_early = cover("UBEN", utc(2026, 1, 11, 12), utc(2026, 1, 13, 12))

    shift = on_call(pair, utc(2026, 1, 12, 10), [ben_early])

    # Sunday noon to the Monday handoff Ben covers Anna; after it the turn is his anyway.
    assert people(shift) == ("UBEN", "UANNA", "weekday", True)
    assert (shift.starts_at, shift.ends_at) == (utc(2026, 1, 11, 12), utc(2026, 1, 13, 12))
    assert spans(shifts_between(pair, utc(2026, 1, 11), utc(2026, 1, 14), [ben_early])) == [
        ("UANNA", "UBEN", utc(2026, 1, 11), utc(2026, 1, 11, 12)),
        ("UBEN", "UANNA", utc(2026, 1, 11, 12), utc(2026, 1, 13, 12)),
        ("UBEN", "UANNA", utc(2026, 1, 13, 12), utc(2026, 1, 14)),
    ]


def test_overrides_for_another_rotation_are_ignored() -> None:
    elsewhere = cover("UZOE", utc(2026, 1, 7), utc(2026, 1, 8), rotation="legal")

    assert on_call(rotation(), utc(2026, 1, 7, 12), [elsewhere]) == on_call(
        rotation(), utc(2026, 1, 7, 12)
    )


# Refusals -------------------------------------------------------------------------------


def test_naive_times_are_refused() -> None:
    naive = datetime(2026, 1, 7, 12)  # noqa: DTZ001 - the point of the test
    with pytest.raises(ValueError, match="must be timezone-aware"):
        on_call(rotation(), naive)
    with pytest.raises(ValueError, match="must be timezone-aware"):
        shifts_between(rotation(), naive, utc(2026, 1, 8))
    with pytest.raises(ValueError, match="must be timezone-aware"):
        next_change(rotation(), naive)
    with pytest.raises(ValueError, match="must be timezone-aware"):
        weekend_windows(rotation(), utc(2026, 1, 1), naive)
    with pytest.raises(ValueError, match="must be timezone-aware"):
        cover("UZOE", naive, utc(2026, 1, 8))


def test_an_override_must_end_after_it_starts() -> None:
    with pytest.raises(ValueError, match="must end after it starts"):
        cover("UZOE", utc(2026, 1, 8), utc(2026, 1, 8))


def test_ranges_must_not_run_backwards() -> None:
    assert shifts_between(rotation(), utc(2026, 1, 8), utc(2026, 1, 8)) == []
    with pytest.raises(ValueError, match="is before start"):
        shifts_between(rotation(), utc(2026, 1, 8), utc(2026, 1, 7))
    with pytest.raises(ValueError, match="is before start"):
        weekend_windows(rotation(), utc(2026, 1, 8), utc(2026, 1, 7))


def test_overrides_are_kept_in_utc() -> None:
    zoe = cover(
        "UZOE", datetime(2026, 1, 7, 10, tzinfo=BERLIN), datetime(2026, 1, 7, 14, tzinfo=BERLIN)
    )
    assert (zoe.starts_at, zoe.ends_at) == (utc(2026, 1, 7, 9), utc(2026, 1, 7, 13))
    assert zoe.starts_at.tzinfo is UTC


# Properties -------------------------------------------------------------------------------

ZONES = (
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "Australia/Lord_Howe",  # a 30-minute DST shift
    "America/Santiago",  # changes at midnight
    "Asia/Kolkata",
)
EPOCH = datetime(2025, 9, 1, tzinfo=UTC)
USERS = ("UANNA", "UBEN", "UCARL", "UDORA", "UEVE", "UZOE")


@st.composite
def weekly_times(draw: st.DrawFn) -> WeeklyTime:
    return WeeklyTime(
        day=draw(st.sampled_from(list(Weekday))),
        time=time(draw(st.integers(0, 23)), draw(st.sampled_from([0, 15, 30, 59]))),
    )


@st.composite
def weekends(draw: st.DrawFn) -> WeekendCoverage | None:
    if draw(st.booleans()):
        return None
    starts = draw(weekly_times())
    length = draw(st.integers(1, 6 * 24 * 60))
    minute = (starts.minute_of_week + length) % (7 * 24 * 60)
    ends = WeeklyTime(
        day=list(Weekday)[minute // (24 * 60)],
        time=time(minute % (24 * 60) // 60, minute % 60),
    )
    pool = draw(st.lists(st.sampled_from(USERS), max_size=3, unique=True))
    return WeekendCoverage(starts=starts, ends=ends, members=tuple(pool))


@st.composite
def rotations(draw: st.DrawFn) -> Rotation:
    return Rotation(
        name="sre",
        time_zone=draw(st.sampled_from(ZONES)),
        members=tuple(draw(st.lists(st.sampled_from(USERS), min_size=1, max_size=4, unique=True))),
        handoff=draw(weekly_times()),
        shift=timedelta(days=draw(st.integers(1, 28))),
        weekend=draw(weekends()),
        starts_on=date(2026, 1, 1) + timedelta(days=draw(st.integers(-200, 200))),
    )


def instants(span_days: int = 400) -> st.SearchStrategy[datetime]:
    minutes = st.integers(0, span_days * 24 * 60)
    return minutes.map(lambda minute: EPOCH + timedelta(minutes=minute))


@st.composite
def override_lists(draw: st.DrawFn, start: datetime) -> list[Override]:
    found = []
    for _ in range(draw(st.integers(0, 5))):
        begins = start + timedelta(minutes=draw(st.integers(-3000, 40 * 24 * 60)))
        length = timedelta(minutes=draw(st.integers(1, 10 * 24 * 60)))
        found.append(
            Override(
                rotation=draw(st.sampled_from(["sre", "sre", "legal"])),
                user=draw(st.sampled_from(USERS)),
                starts_at=begins,
                ends_at=begins + length,
            )
        )
    return found


def check_partition(
    rot: Rotation, start: datetime, end: datetime, overrides: list[Override]
) -> list[Shift]:
    """The shared properties of ``shifts_between``, with or without overrides."""
    shifts = shifts_between(rot, start, end, overrides)

    assert shifts, "a non-empty range always has coverage"
    assert shifts[0].starts_at == start
    assert shifts[-1].ends_at == end
    for shift in shifts:
        assert shift.starts_at < shift.ends_at
        assert shift.starts_at.tzinfo is UTC
        assert shift.ends_at.tzinfo is UTC
        pool = rot.weekend.members if rot.weekend and shift.coverage == "weekend" else ()
        assert shift.overridden or shift.primary in (pool or rot.members)
        for moment in (shift.starts_at, shift.ends_at - timedelta(microseconds=1)):
            whole = on_call(rot, moment, overrides)
            assert people(whole) == people(shift)
            assert whole.starts_at <= moment < whole.ends_at
            clipped = (max(whole.starts_at, start), min(whole.ends_at, end))
            assert clipped == (shift.starts_at, shift.ends_at)
    for earlier, later in pairwise(shifts):
        assert earlier.ends_at == later.starts_at
        # Same people next to each other only at a plain handoff to oneself.
        if people(earlier) == people(later):
            assert not earlier.overridden
    return shifts


FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(rot=rotations(), start=instants(), days=st.integers(0, 45), extra=st.integers(1, 1440))
def test_shifts_partition_any_range(rot: Rotation, start: datetime, days: int, extra: int) -> None:
    end = start + timedelta(days=days, minutes=extra)

    shifts = check_partition(rot, start, end, [])

    assert not any(s.overridden for s in shifts)
    if rot.weekend is None:
        zone = ZoneInfo(rot.time_zone)
        for shift in shifts[1:]:  # each starts at a handoff at the local handoff time,
            local = shift.starts_at.astimezone(zone)  # or just after a DST gap that hid it
            wanted = datetime.combine(local.date(), rot.handoff.time, tzinfo=zone)
            assert local.time() == rot.handoff.time or not exists(wanted)


def exists(local: datetime) -> bool:
    back = local.astimezone(UTC).astimezone(local.tzinfo)
    return back.replace(tzinfo=None) == local.replace(tzinfo=None)


@FAST
@given(rot=rotations(), start=instants(), data=st.data())
def test_shifts_partition_any_range_with_overrides(
    rot: Rotation, start: datetime, data: st.DataObject
) -> None:
    overrides = data.draw(override_lists(start))
    end = start + timedelta(days=data.draw(st.integers(0, 30)), minutes=1)

    shifts = check_partition(rot, start, end, overrides)

    for shift in shifts:  # overrides win, the later-starting (then later-listed) first
        moment = shift.starts_at
        active = [
            (o.starts_at, i, o.user)
            for i, o in enumerate(overrides)
            if o.rotation == "sre" and o.starts_at <= moment < o.ends_at
        ]
        plain = on_call(rot, moment)
        if active:
            user = max(active)[2]
            backup = plain.primary if user == plain.backup else plain.backup
            assert people(shift) == (user, backup, plain.coverage, True)
        else:
            assert people(shift) == people(plain)


@FAST
@given(rot=rotations(), at=instants(), data=st.data())
def test_next_change_starts_where_the_current_shift_ends(
    rot: Rotation, at: datetime, data: st.DataObject
) -> None:
    overrides = data.draw(override_lists(at - timedelta(days=5)))

    current = on_call(rot, at, overrides)
    following = next_change(rot, at, overrides)

    assert current.starts_at <= at < current.ends_at
    assert following.starts_at == current.ends_at
    assert following == on_call(rot, current.ends_at, overrides)


@FAST
@given(rot=rotations(), start=instants(), days=st.integers(1, 40))
def test_weekend_windows_are_where_weekend_coverage_is(
    rot: Rotation, start: datetime, days: int
) -> None:
    end = start + timedelta(days=days)

    windows = weekend_windows(rot, start, end)

    if rot.weekend is None:
        assert windows == []
        return
    assert len(windows) >= days // 7
    for handoff, handback in windows:
        assert handoff < handback
        assert handoff < end
        assert handback >= start
        assert on_call(rot, handoff).coverage == "weekend"
        assert on_call(rot, handoff) == on_call(rot, handback - timedelta(microseconds=1))
        assert on_call(rot, handback).coverage == "weekday"
        assert on_call(rot, handoff - timedelta(microseconds=1)).coverage == "weekday"
    for earlier, later in pairwise(windows):
        assert earlier[1] < later[0]
