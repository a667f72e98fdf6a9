"""The dashboard's arrivals chart as geometry: stacked bars per time bucket in a fixed SVG box.

The template draws it as inline SVG on the server (no script needed, no inline styles: the
look comes from classes in static/css/app.css), and the dashboard's JSON carries the same
geometry so that static/js/dashboard.js can redraw the bars without knowing any rule.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from flask_babel import to_user_timezone

from eventapp.services.dashboard import Bucket
from eventapp.templating import format_datetime, format_time

WIDTH = 720
HEIGHT = 260
LEFT = 44
RIGHT = 12
TOP = 14
BOTTOM = 34
#: At most this many time labels under the axis.
MAX_LABELS = 8


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    #: "on_site" or "online" (the CSS class chart-bar-<mode>).
    mode: str
    #: Tooltip: the bucket's time span and its figures.
    title: str


@dataclass(frozen=True)
class Tick:
    #: Position along its axis (y for values, x for times).
    at: float
    label: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: list[Bar]
    y_ticks: list[Tick]
    x_ticks: list[Tick]
    #: The plot area's baseline and left edge, for the axes.
    baseline: float
    left: float
    right: float

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def _scale_top(peak: int) -> int:
    """A round upper end for the value axis: 4, 5, 10, 20, 40, 50, 100 … (its half is a whole tick)."""
    step = 1
    while True:
        for multiple in (1, 2, 4, 5):
            if multiple * step >= max(peak, 4):
                return multiple * step
        step *= 10


def time_label(buckets: list[Bucket], minutes: int) -> Callable[[datetime], str]:
    """How the chart names a moment: the time of day, with the date when the chart spans several
    days in Berlin (arrivals recorded days before the event widen it)."""
    if buckets:
        first = to_user_timezone(buckets[0].starts_at).date()
        last = to_user_timezone(buckets[-1].starts_at + timedelta(minutes=minutes) - timedelta(seconds=1)).date()
        if first != last:
            return lambda moment: format_datetime(moment, "short")
    return lambda moment: format_time(moment, "short")


def arrivals_chart(buckets: list[Bucket], minutes: int) -> Chart:
    """Stacked bars (on site below, online above) for each bucket, with value and time ticks."""
    plot_width = WIDTH - LEFT - RIGHT
    plot_height = HEIGHT - TOP - BOTTOM
    baseline = TOP + plot_height
    top = _scale_top(max((bucket.total for bucket in buckets), default=0))
    slot = plot_width / max(len(buckets), 1)
    gap = min(2.0, slot / 5)
    bars: list[Bar] = []
    x_ticks: list[Tick] = []
    label_every = -(-len(buckets) // MAX_LABELS) or 1
    label = time_label(buckets, minutes)
    for index, bucket in enumerate(buckets):
        x = LEFT + index * slot
        ends = bucket.starts_at + timedelta(minutes=minutes)
        span = f"{label(bucket.starts_at)}–{label(ends)}"
        title = _(
            "%(span)s: %(on_site)d arrived on site, %(online)d joined online",
            span=span,
            on_site=bucket.on_site,
            online=bucket.online,
        )
        y = baseline
        for mode, value in (("on_site", bucket.on_site), ("online", bucket.online)):
            if value:
                height = plot_height * value / top
                y -= height
                bars.append(
                    Bar(round(x + gap / 2, 2), round(y, 2), round(slot - gap, 2), round(height, 2), mode, title)
                )
        if index % label_every == 0:
            x_ticks.append(Tick(round(x, 2), label(bucket.starts_at)))
    y_ticks = [Tick(round(baseline - plot_height * value / top, 2), str(value)) for value in (0, top // 2, top)]
    return Chart(WIDTH, HEIGHT, bars, y_ticks, x_ticks, baseline, LEFT, WIDTH - RIGHT)
