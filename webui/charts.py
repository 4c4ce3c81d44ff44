"""The timeline as an SVG bar chart: geometry and labels, drawn by _timeline.html.

The chart is drawn in a fixed coordinate box and stretched to the page width
(preserveAspectRatio="none"), so bars need no script and no inline style; text
lives in HTML around it, where it does not stretch.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from indexer.search import Timeline, TimelineBucket

VIEW_WIDTH = 600
VIEW_HEIGHT = 100
# Fraction of each slot left empty between bars.
BAR_GAP = 0.2
# Few bars are not drawn a page wide: each gets at most 1/MIN_SLOTS of the width.
MIN_SLOTS = 12
# Any story shows: a bar is at least this tall (in view units).
MIN_BAR_HEIGHT = 2.0
UNIT_HEADINGS = {"day": "Day", "week": "Week of", "month": "Month", "year": "Year"}


@dataclass(frozen=True)
class Bar:
    """One bucket's rectangle, its full-height click area and its label."""

    bucket: TimelineBucket
    label: str
    x: float
    width: float
    slot_x: float
    slot_width: float
    height: float

    @property
    def y(self) -> float:
        return VIEW_HEIGHT - self.height

    @property
    def count(self) -> int:
        return self.bucket.count


def day_label(day: dt.date) -> str:
    """19 Feb 2024."""
    return f"{day.day} {day:%b %Y}"


def bucket_label(bucket: TimelineBucket, unit: str) -> str:
    """How a bucket reads: 19 Feb 2024, week of 19 Feb 2024, Feb 2024, 2024."""
    if unit == "week":
        return f"week of {day_label(bucket.start)}"
    if unit == "month":
        return f"{bucket.start:%b %Y}"
    if unit == "year":
        return str(bucket.start.year)
    return day_label(bucket.start)


def timeline_bars(timeline: Timeline) -> list[Bar]:
    """Bars left to right, heights scaled to the busiest bucket."""
    n = len(timeline.buckets)
    if not n:
        return []
    slot = VIEW_WIDTH / max(n, MIN_SLOTS)
    left = (VIEW_WIDTH - slot * n) / 2
    peak = timeline.peak or 1
    bars = []
    for i, bucket in enumerate(timeline.buckets):
        height = bucket.count / peak * VIEW_HEIGHT
        if bucket.count:
            height = max(height, MIN_BAR_HEIGHT)
        x = left + i * slot
        bars.append(
            Bar(
                bucket=bucket,
                label=bucket_label(bucket, timeline.unit),
                x=round(x + slot * BAR_GAP / 2, 2),
                width=round(slot * (1 - BAR_GAP), 2),
                slot_x=round(x, 2),
                slot_width=round(slot, 2),
                height=round(height, 2),
            )
        )
    return bars
