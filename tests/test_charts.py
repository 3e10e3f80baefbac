"""The trend chart: a real PNG of the promised size, labelled axes and legend, deterministic."""

from __future__ import annotations

import struct
import subprocess
import sys
import zlib
from datetime import date, timedelta

import numpy as np
from matplotlib.axes import Axes
from matplotlib.container import BarContainer

from workflows.charts import (
    HEIGHT_PX,
    PALETTE,
    REST_COLOUR,
    WIDTH_PX,
    render_trend_chart,
    trend_figure,
)
from workflows.trends import TrendSeries, WeeklyTrend

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
HOUR = 3600.0


def _trend(series: tuple[TrendSeries, ...], weeks: int = 4, by: str = "severity") -> WeeklyTrend:
    mondays = tuple(date(2026, 11, 16) - timedelta(weeks=weeks - 1 - i) for i in range(weeks))
    assert all(len(s.counts) == weeks for s in series)
    medians: list[float | None] = [None] * weeks
    p90s: list[float | None] = [None] * weeks
    resolved = [0] * weeks
    if any(s.total for s in series):
        medians[-2:] = [2 * HOUR, 3 * HOUR]
        p90s[-2:] = [10 * HOUR, 4 * HOUR]
        resolved[-2:] = [3, 2]
    return WeeklyTrend(
        by="domain" if by == "domain" else "severity",
        weeks=mondays,
        series=series,
        resolved=tuple(resolved),
        median_resolve_seconds=tuple(medians),
        p90_resolve_seconds=tuple(p90s),
    )


SEVERITIES = _trend(
    (
        TrendSeries("sev1", "SEV1", (0, 0, 1, 1)),
        TrendSeries("sev2", "SEV2", (0, 0, 0, 2)),
        TrendSeries("sev3", "SEV3", (0, 0, 2, 0)),
        TrendSeries("sev4", "SEV4", (0, 0, 0, 0)),
    )
)


def _chunks(png: bytes) -> list[tuple[bytes, bytes]]:
    chunks, at = [], len(PNG_SIGNATURE)
    while at < len(png):
        (length,) = struct.unpack(">I", png[at : at + 4])
        kind, data = png[at + 4 : at + 8], png[at + 8 : at + 8 + length]
        (crc,) = struct.unpack(">I", png[at + 8 + length : at + 12 + length])
        assert crc == zlib.crc32(kind + data), f"bad CRC in {kind!r}"
        chunks.append((kind, data))
        at += 12 + length
    return chunks


def _axes(trend: WeeklyTrend) -> tuple[Axes, Axes]:
    counts, hours = trend_figure(trend, "A title").axes
    return counts, hours


def test_the_chart_is_a_png_of_sensible_size() -> None:
    png = render_trend_chart(SEVERITIES, "Incidents per week by severity, last 4 weeks")

    assert png.startswith(PNG_SIGNATURE)
    chunks = _chunks(png)
    kind, header = chunks[0]
    assert kind == b"IHDR"
    assert struct.unpack(">II", header[:8]) == (WIDTH_PX, HEIGHT_PX) == (1200, 800)
    assert chunks[-1][0] == b"IEND"
    assert 10_000 < len(png) < 1_000_000


def test_the_png_is_the_same_every_time_and_names_no_software() -> None:
    first = render_trend_chart(SEVERITIES, "Trend")

    assert render_trend_chart(SEVERITIES, "Trend") == first
    kinds = {kind for kind, _ in _chunks(first)}
    assert not kinds & {b"tEXt", b"iTXt", b"zTXt", b"tIME"}


def test_axes_are_labelled_and_the_legend_follows_the_policy() -> None:
    figure = trend_figure(SEVERITIES, "Incidents per week by severity, last 4 weeks")
    counts, hours = figure.axes

    assert figure.get_suptitle() == "Incidents per week by severity, last 4 weeks"
    assert counts.get_ylabel() == "Incidents declared"
    assert hours.get_ylabel() == "Hours to resolve"
    assert hours.get_xlabel() == "Week starting"
    counts_legend, hours_legend = counts.get_legend(), hours.get_legend()
    assert counts_legend is not None
    assert hours_legend is not None
    # SEV4 had no incidents: not stacked, not in the legend.
    assert [t.get_text() for t in counts_legend.get_texts()] == ["SEV1", "SEV2", "SEV3"]
    assert counts_legend.get_title().get_text() == "Severity"
    assert [t.get_text() for t in hours_legend.get_texts()] == ["Median", "90th percentile"]
    assert [t.get_text() for t in hours.get_xticklabels()] == [
        "26 Oct\n2026",
        "2 Nov",
        "9 Nov",
        "16 Nov",
    ]


def test_bars_stack_by_week_and_lines_are_hours_with_gaps() -> None:
    counts, hours = _axes(SEVERITIES)

    stacks = _stacks(counts)
    heights = [[bar.get_height() for bar in stack.patches] for stack in stacks]
    assert heights == [[0, 0, 1, 1], [0, 0, 0, 2], [0, 0, 2, 0]]
    sev3_bottoms = [bar.get_y() for bar in stacks[2].patches]
    assert sev3_bottoms == [0, 0, 1, 3]  # on top of SEV1 and SEV2
    median, p90 = hours.get_lines()
    assert [str(y) for y in np.asarray(median.get_ydata(), dtype=float)] == [
        "nan",
        "nan",
        "2.0",
        "3.0",
    ]
    assert p90.get_linestyle() == "--"
    assert [str(y) for y in np.asarray(p90.get_ydata(), dtype=float)] == [
        "nan",
        "nan",
        "10.0",
        "4.0",
    ]


def test_colours_keep_the_policys_order_and_many_keys_are_grouped() -> None:
    counts, _ = _axes(SEVERITIES)
    assert [c.patches[0].get_facecolor() for c in _stacks(counts)] == [
        _rgba(PALETTE[0]),
        _rgba(PALETTE[1]),
        _rgba(PALETTE[2]),
    ]

    domains = tuple(
        TrendSeries(f"d{i}", f"Domain {i}", (i, 0, 0, 1)) for i in range(len(PALETTE) + 3)
    )
    many, _ = _axes(_trend(domains, by="domain"))
    legend = many.get_legend()
    assert legend is not None
    texts = [t.get_text() for t in legend.get_texts()]
    # Ten domains have incidents: the six biggest keep their colour, four go into grey.
    assert texts == [f"Domain {i}" for i in range(4, 10)] + ["4 more"]
    rest = _stacks(many)[-1]
    assert rest.patches[0].get_facecolor() == _rgba(REST_COLOUR)
    assert [bar.get_height() for bar in rest.patches] == [0 + 1 + 2 + 3, 0, 0, 4]


def test_an_empty_trend_still_renders_and_says_so() -> None:
    series = tuple(TrendSeries(f"sev{i}", f"SEV{i}", (0,) * 12) for i in range(1, 5))
    empty = _trend(series, weeks=12)

    png = render_trend_chart(empty, "Nothing happened")
    counts, hours = _axes(empty)

    assert png.startswith(PNG_SIGNATURE)
    assert 10_000 < len(png) < 1_000_000
    assert counts.get_legend() is None
    assert "No incidents declared in these weeks" in [t.get_text() for t in counts.texts]
    assert hours.get_legend() is None
    assert [t.get_text() for t in hours.texts] == ["None of these incidents is resolved yet"]
    assert counts.get_ylabel() == "Incidents declared"
    assert hours.get_xlabel() == "Week starting"


def test_two_years_of_weeks_get_at_most_thirteen_labels_ending_this_week() -> None:
    series = (TrendSeries("sev1", "SEV1", (1,) * 104),)
    _, hours = _axes(_trend(series, weeks=104))

    labels = [t.get_text() for t in hours.get_xticklabels()]
    assert len(labels) <= 13
    assert labels[-1] == "16 Nov"
    # Every eighth week, counted back from this one; the year where it turns.
    assert [label for label in labels if "\n" in label] == ["13 Jan\n2025", "9 Feb\n2026"]


def _stacks(axes: Axes) -> list[BarContainer]:
    stacks = [c for c in axes.containers if isinstance(c, BarContainer)]
    assert len(stacks) == len(axes.containers)
    return stacks


def _rgba(colour: str) -> tuple[float, float, float, float]:
    value = int(colour[1:], 16)
    return ((value >> 16) / 255, ((value >> 8) & 0xFF) / 255, (value & 0xFF) / 255, 1.0)


def test_the_app_and_the_cli_start_without_matplotlib() -> None:
    """matplotlib and numpy (half a second, 50 MB) load with the first chart, not before."""
    probe = (
        "import sys, bot.cli, bot.scheduler; "
        "print(sorted({'matplotlib', 'numpy'} & set(sys.modules)))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    assert loaded.strip() == "[]"
