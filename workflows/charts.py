"""The weekly trend chart as a PNG, for Slack and for the command line.

Drawn with matplotlib's object-oriented API on the Agg canvas: a ``Figure`` per chart and
no pyplot, so no global figure state is shared between the server's threads. The output
is deterministic (no software version or date in the PNG), so the same trend gives the
same bytes.

matplotlib (with numpy) is imported on the first chart, not with this module: it costs
about half a second and 50 MB, which every process importing the app (the bot, each
``firebreak`` command) would otherwise pay to draw a chart a few times a week at most.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from workflows.trends import WeeklyTrend

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

WIDTH_PX, HEIGHT_PX, DPI = 1200, 800, 100

# Okabe and Ito's colours, told apart with every common colour-vision deficiency; the
# first (vermillion) goes to the first key, so SEV1 is the hottest colour.
PALETTE = ("#D55E00", "#E69F00", "#56B4E9", "#009E73", "#0072B2", "#CC79A7", "#F0E442")
REST_COLOUR = "#999999"
MEDIAN_COLOUR, P90_COLOUR = "#0072B2", "#D55E00"
MAX_LABELLED_WEEKS = 13

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

X_LABEL, COUNT_LABEL, HOURS_LABEL = "Week starting", "Incidents declared", "Hours to resolve"


@dataclass(frozen=True)
class _Bars:
    label: str
    counts: tuple[int, ...]
    colour: str


def render_trend_chart(trend: WeeklyTrend, title: str) -> bytes:
    """The chart of :func:`trend_figure` as PNG bytes (1200 by 800 pixels)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # on the first chart: see above

    figure = trend_figure(trend, title)
    FigureCanvasAgg(figure)  # attaches itself to the figure: savefig draws with Agg
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def trend_figure(trend: WeeklyTrend, title: str) -> Figure:
    """Two panels sharing the weeks: declared incidents stacked by key, hours to resolve."""
    from matplotlib.figure import Figure  # on the first chart: see above

    figure = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI, layout="constrained")
    figure.suptitle(title, fontsize=14, fontweight="bold")
    grid = figure.add_gridspec(2, 1, height_ratios=(3, 2))
    counts = figure.add_subplot(grid[0])
    hours = figure.add_subplot(grid[1], sharex=counts)
    positions = list(range(len(trend.weeks)))
    _draw_counts(counts, trend, positions)
    _draw_hours(hours, trend, positions)
    ticks, labels = _week_ticks(trend.weeks)
    hours.set_xticks(ticks, labels)
    hours.set_xlim(-0.6, len(positions) - 0.4)
    counts.tick_params(labelbottom=False)
    hours.set_xlabel(X_LABEL)
    return figure


def _draw_counts(axes: Axes, trend: WeeklyTrend, positions: list[int]) -> None:
    from matplotlib.ticker import MaxNLocator  # on the first chart: see above

    axes.set_title(f"Incidents declared per week, by {trend.by}", loc="left", fontsize=11)
    axes.set_ylabel(COUNT_LABEL)
    bottom = [0] * len(positions)
    for bars in _bars(trend):
        axes.bar(
            positions,
            bars.counts,
            bottom=bottom,
            width=0.8,
            color=bars.colour,
            edgecolor="white",
            linewidth=0.5,
            label=bars.label,
        )
        bottom = [below + count for below, count in zip(bottom, bars.counts, strict=True)]
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_ylim(0, max(*bottom, 1) * 1.1)
    axes.grid(axis="y", color="#dddddd", linewidth=0.8)
    axes.set_axisbelow(True)
    if trend.total:
        axes.legend(
            title=trend.by.capitalize(), loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False
        )
    else:
        _say(axes, "No incidents declared in these weeks")


def _draw_hours(axes: Axes, trend: WeeklyTrend, positions: list[int]) -> None:
    axes.set_title(
        "Time to resolve, incidents declared that week and resolved", loc="left", fontsize=11
    )
    axes.set_ylabel(HOURS_LABEL)
    median = _hours(trend.median_resolve_seconds)
    p90 = _hours(trend.p90_resolve_seconds)
    dot = 6 if len(positions) <= 26 else 3
    # NaN leaves a gap in the line; the markers show weeks with no neighbour.
    axes.plot(
        positions,
        median,
        color=MEDIAN_COLOUR,
        marker="o",
        markersize=dot,
        linewidth=2,
        label="Median",
    )
    axes.plot(
        positions,
        p90,
        color=P90_COLOUR,
        marker="s",
        markersize=dot - 1,
        linewidth=1.5,
        linestyle="--",
        label="90th percentile",
    )
    highest = max((value for value in p90 + median if not math.isnan(value)), default=0.0)
    axes.set_ylim(0, max(highest, 1.0) * 1.1)
    axes.grid(axis="y", color="#dddddd", linewidth=0.8)
    axes.set_axisbelow(True)
    if any(trend.resolved):
        axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)
    else:
        _say(axes, "None of these incidents is resolved yet")


def _bars(trend: WeeklyTrend) -> list[_Bars]:
    """The series to stack, coloured by their place in the policy while the palette lasts;
    beyond it, the biggest keep a colour and the rest are stacked together in grey."""
    drawn = [s for s in trend.series if s.total]
    if len(trend.series) <= len(PALETTE):
        return [_Bars(s.label, s.counts, PALETTE[trend.series.index(s)]) for s in drawn]
    keep = len(PALETTE) if len(drawn) <= len(PALETTE) else len(PALETTE) - 1
    biggest = {s.key for s in sorted(drawn, key=lambda s: -s.total)[:keep]}
    kept = [s for s in drawn if s.key in biggest]
    bars = [_Bars(s.label, s.counts, PALETTE[i]) for i, s in enumerate(kept)]
    rest = [s for s in drawn if s.key not in biggest]
    if rest:
        merged = tuple(sum(week) for week in zip(*(s.counts for s in rest), strict=True))
        bars.append(_Bars(f"{len(rest)} more", merged, REST_COLOUR))
    return bars


def _week_ticks(weeks: tuple[date, ...]) -> tuple[list[int], list[str]]:
    """At most 13 labels, always including the current (last) week; a year where it turns."""
    step = max(1, math.ceil(len(weeks) / MAX_LABELLED_WEEKS))
    ticks = [i for i in range(len(weeks)) if (len(weeks) - 1 - i) % step == 0]
    labels = []
    previous_year: int | None = None
    for i in ticks:
        monday = weeks[i]
        label = f"{monday.day} {_MONTHS[monday.month - 1]}"  # not %b: that follows the locale
        if monday.year != previous_year:
            label += f"\n{monday.year}"
            previous_year = monday.year
        labels.append(label)
    return ticks, labels


def _hours(seconds: tuple[float | None, ...]) -> list[float]:
    return [math.nan if value is None else value / 3600 for value in seconds]


def _say(axes: Axes, text: str) -> None:
    axes.text(0.5, 0.5, text, transform=axes.transAxes, ha="center", va="center", color="#666666")
