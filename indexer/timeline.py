"""Matches over time: per-day counts into day, week, month or year buckets.

Pure and engine-neutral: a backend counts its matches per day (Whoosh from the
date column, OpenSearch with a date_histogram) and `build_timeline` does the rest,
so every engine chooses buckets and fills gaps the same way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from .search import Timeline, TimelineBucket

# Finest first: the finest unit that fits the span in MAX_BARS bars wins.
UNITS = ("day", "week", "month", "year")
# About the most bars that stay a few pixels wide at phone width.
MAX_BARS = 60
# Eighths of a block, for text bars finer than one character.
BLOCKS = " ▏▎▍▌▋▊▉█"
TEXT_BAR_WIDTH = 40


def bucket_start(day: dt.date, unit: str) -> dt.date:
    """The first day of the bucket holding `day` (weeks start on Monday)."""
    if unit == "day":
        return day
    if unit == "week":
        return day - dt.timedelta(days=day.weekday())
    if unit == "month":
        return day.replace(day=1)
    if unit == "year":
        return day.replace(month=1, day=1)
    raise ValueError(f"unknown timeline unit {unit!r}; one of {', '.join(UNITS)}")


def next_start(start: dt.date, unit: str) -> dt.date | None:
    """The first day of the bucket after the one starting at `start` (None past year 9999)."""
    try:
        if unit == "day":
            return start + dt.timedelta(days=1)
        if unit == "week":
            return start + dt.timedelta(days=7)
        if unit == "month":
            return dt.date(start.year + start.month // 12, start.month % 12 + 1, 1)
        if unit == "year":
            return dt.date(start.year + 1, 1, 1)
    except (OverflowError, ValueError):
        return None
    raise ValueError(f"unknown timeline unit {unit!r}; one of {', '.join(UNITS)}")


def count_buckets(first: dt.date, last: dt.date, unit: str) -> int:
    """How many buckets of `unit` the days from `first` to `last` touch."""
    a, b = bucket_start(first, unit), bucket_start(last, unit)
    if unit == "day":
        return (b - a).days + 1
    if unit == "week":
        return (b - a).days // 7 + 1
    if unit == "month":
        return (b.year - a.year) * 12 + b.month - a.month + 1
    return b.year - a.year + 1


def choose_unit(first: dt.date, last: dt.date, max_bars: int = MAX_BARS) -> str:
    """The finest unit that shows the span in at most `max_bars` bars (else years)."""
    for unit in UNITS:
        if count_buckets(first, last, unit) <= max_bars:
            return unit
    return UNITS[-1]


def build_timeline(days: Mapping[dt.date, int], undated: int = 0, unit: str | None = None) -> Timeline:
    """Buckets from the first to the last dated match, empty ones included."""
    dated = {d: n for d, n in days.items() if n > 0}
    if not dated:
        return Timeline(unit or UNITS[0], [], undated)
    first, last = min(dated), max(dated)
    unit = unit or choose_unit(first, last)
    counts: dict[dt.date, int] = {}
    for day, n in dated.items():
        key = bucket_start(day, unit)
        counts[key] = counts.get(key, 0) + n
    buckets = []
    start: dt.date | None = bucket_start(first, unit)
    while start is not None and start <= last:
        after = next_start(start, unit)
        end = after - dt.timedelta(days=1) if after else dt.date.max
        buckets.append(TimelineBucket(start, end, counts.get(start, 0)))
        start = after
    return Timeline(unit, buckets, undated)


def bucket_label(bucket: TimelineBucket, unit: str) -> str:
    """Short ISO-style label: 1987-03-02, week of 1987-03-02, 1987-03, 1987."""
    if unit == "week":
        return f"week of {bucket.start.isoformat()}"
    if unit == "month":
        return f"{bucket.start:%Y-%m}"
    if unit == "year":
        return str(bucket.start.year)
    return bucket.start.isoformat()


def text_bar(count: int, peak: int, width: int = TEXT_BAR_WIDTH) -> str:
    """A bar of block characters, eighths included; any match shows at least a sliver."""
    if count <= 0 or peak <= 0:
        return ""
    eighths = max(1, round(count / peak * width * 8))
    return BLOCKS[-1] * (eighths // 8) + (BLOCKS[eighths % 8] if eighths % 8 else "")


def render_text_chart(timeline: Timeline, width: int = TEXT_BAR_WIDTH) -> list[str]:
    """The timeline as terminal lines: a heading, then one bar per bucket."""
    stories = "1 story" if timeline.total == 1 else f"{timeline.total:,} stories"
    if not timeline.buckets:
        undated = f" ({timeline.undated:,} undated)" if timeline.undated else ""
        return [f"{stories}, none dated{undated}" if timeline.total else "no stories match"]
    first, last = timeline.buckets[0].start, timeline.buckets[-1].end
    heading = f"{stories} per {timeline.unit}, {first.isoformat()} to {last.isoformat()}"
    if timeline.undated:
        heading += f"; {timeline.undated:,} undated, not shown"
    labels = [bucket_label(b, timeline.unit) for b in timeline.buckets]
    label_width = max(map(len, labels))
    count_width = len(f"{timeline.peak:,}")
    lines = [heading]
    for label, bucket in zip(labels, timeline.buckets, strict=True):
        bar = text_bar(bucket.count, timeline.peak, width)
        lines.append(f"{label:<{label_width}}  {bucket.count:>{count_width},}  {bar}".rstrip())
    return lines
