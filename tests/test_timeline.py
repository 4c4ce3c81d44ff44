"""The timeline: bucket rules (pure), counts over the whole match set (a real index),
the SVG and table on the results page, /api/timeline and `wire search --timeline`."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from urllib.parse import parse_qs, urlsplit

import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner
from conftest import RESEARCH_STORIES

from indexer.cli import cli
from indexer.search import SearchRequest, Timeline, TimelineBucket
from indexer.searching import WhooshSearch
from indexer.timeline import (
    MAX_BARS,
    bucket_start,
    build_timeline,
    choose_unit,
    count_buckets,
    next_start,
    render_text_chart,
    text_bar,
)
from webui.charts import VIEW_HEIGHT, VIEW_WIDTH, timeline_bars

D = dt.date
UNDATED = sum("Date:" not in text for text in RESEARCH_STORIES.values())


@pytest.fixture
def backend(research_index):
    b = WhooshSearch(research_index)
    yield b
    b.close()


def soup_of(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


# --- bucket rules --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "unit", "start"),
    [
        (D(2024, 2, 19), "day", D(2024, 2, 19)),
        (D(2024, 2, 25), "week", D(2024, 2, 19)),  # a Sunday: its week began on Monday
        (D(2024, 2, 19), "week", D(2024, 2, 19)),
        (D(2024, 1, 2), "week", D(2024, 1, 1)),
        (D(2021, 1, 1), "week", D(2020, 12, 28)),  # weeks cross years
        (D(2024, 2, 29), "month", D(2024, 2, 1)),
        (D(2024, 12, 31), "year", D(2024, 1, 1)),
    ],
)
def test_bucket_start(day, unit, start):
    assert bucket_start(day, unit) == start


@pytest.mark.parametrize(
    ("start", "unit", "after"),
    [
        (D(2024, 2, 28), "day", D(2024, 2, 29)),
        (D(2024, 2, 26), "week", D(2024, 3, 4)),
        (D(2024, 12, 1), "month", D(2025, 1, 1)),
        (D(2024, 1, 1), "year", D(2025, 1, 1)),
        (D(9999, 1, 1), "year", None),  # no bucket after the last representable one
    ],
)
def test_next_start(start, unit, after):
    assert next_start(start, unit) == after


@pytest.mark.parametrize(
    ("first", "last", "unit"),
    [
        (D(2024, 2, 19), D(2024, 2, 19), "day"),
        (D(2024, 1, 1), D(2024, 2, 29), "day"),  # 60 days: 60 bars
        (D(2024, 1, 1), D(2024, 3, 1), "week"),  # 61 days
        (D(1987, 2, 26), D(1987, 10, 20), "week"),  # the span of Reuters-21578
        (D(2023, 1, 5), D(2024, 11, 2), "month"),
        (D(1990, 1, 1), D(2024, 12, 31), "year"),
        (D(1800, 1, 1), D(2024, 12, 31), "year"),  # more than MAX_BARS years: still years
    ],
)
def test_unit_is_the_finest_that_fits(first, last, unit):
    assert choose_unit(first, last) == unit
    assert count_buckets(first, last, unit) <= MAX_BARS or unit == "year"


def test_build_timeline_fills_gaps_and_counts_undated_apart():
    days = {D(2024, 1, 3): 2, D(2024, 1, 5): 1, D(2024, 1, 20): 4, D(2024, 2, 2): 0}
    timeline = build_timeline(days, undated=3)
    assert timeline.unit == "day"
    assert [b.start for b in timeline.buckets] == [D(2024, 1, d) for d in range(3, 21)]
    assert all(b.start == b.end for b in timeline.buckets)
    assert (timeline.buckets[0].count, timeline.buckets[1].count, timeline.buckets[-1].count) == (2, 0, 4)
    assert (timeline.dated, timeline.undated, timeline.total, timeline.peak) == (7, 3, 10, 4)


def test_build_timeline_buckets_cover_their_days():
    days = {D(2024, 1, 1) + dt.timedelta(days=i): 1 for i in range(0, 200, 3)}
    timeline = build_timeline(days)
    assert timeline.unit == "week"
    assert timeline.dated == len(days)
    for bucket, after in zip(timeline.buckets, timeline.buckets[1:], strict=False):
        assert after.start == bucket.end + dt.timedelta(days=1)
    for day in days:
        [holder] = [b for b in timeline.buckets if b.start <= day <= b.end]
        assert holder.count >= 1


def test_build_timeline_without_dated_matches():
    timeline = build_timeline({}, undated=5)
    assert (timeline.buckets, timeline.total) == ([], 5)
    assert render_text_chart(timeline) == ["5 stories, none dated (5 undated)"]
    assert render_text_chart(build_timeline({})) == ["no stories match"]


@pytest.mark.parametrize(
    ("count", "peak", "bar"),
    [(0, 10, ""), (10, 10, "█" * 40), (5, 10, "█" * 20), (1, 1000, "▏"), (3, 8, "█" * 15)],
)
def test_text_bar(count, peak, bar):
    assert text_bar(count, peak) == bar


def test_text_chart_lines():
    timeline = Timeline(
        "month",
        [
            TimelineBucket(D(2024, 1, 1), D(2024, 1, 31), 1200),
            TimelineBucket(D(2024, 2, 1), D(2024, 2, 29), 0),
        ],
        undated=3,
    )
    lines = render_text_chart(timeline)
    assert lines[0] == "1,203 stories per month, 2024-01-01 to 2024-02-29; 3 undated, not shown"
    assert lines[1] == "2024-01  1,200  " + "█" * 40
    assert lines[2] == "2024-02      0"


# --- over a real index ------------------------------------------------------------------------


@pytest.mark.parametrize("q", ["government", "monsoon", "defence innovation", "agency:pti", "zzznothing"])
def test_timeline_counts_the_whole_match_set(backend, q):
    results = backend.search(SearchRequest(q, pagelen=3))
    timeline = backend.timeline(SearchRequest(q, pagelen=3))
    assert timeline.total == results.total  # every page, not the three shown
    dated = [h for h in backend.iter_hits(SearchRequest(q), 1000) if h.date]
    assert timeline.dated == len(dated)
    for hit in dated:
        assert any(b.start <= hit.date <= b.end and b.count for b in timeline.buckets)


def test_timeline_counts_undated_stories_apart(backend):
    timeline = backend.timeline(SearchRequest("government"))
    assert timeline.undated == UNDATED
    assert timeline.unit == "month"
    assert sum(b.count for b in timeline.buckets) == timeline.total - UNDATED


def test_timeline_follows_filters(backend):
    request = SearchRequest("government", agency=("PTI",), date_from=D(2023, 1, 1), date_to=D(2023, 12, 31))
    timeline = backend.timeline(request)
    assert timeline.total == backend.search(request).total
    assert timeline.undated == 0  # a date filter leaves undated stories out
    assert timeline.buckets[0].start >= D(2023, 1, 1) and timeline.buckets[-1].end <= D(2023, 12, 31)


@pytest.mark.parametrize(
    "request_",
    [
        SearchRequest("government"),
        SearchRequest("government", collapse=False, page=2, pagelen=3, sort="newest"),
        SearchRequest("government", agency=("PTI",), date_from=D(2023, 1, 1), date_to=D(2023, 12, 31)),
        SearchRequest('"defence innovation"'),
        SearchRequest("defence AND zzznothing"),  # nothing strictly: the loose reading answers
        SearchRequest("zzznothing"),
    ],
)
def test_a_search_counts_the_timeline_of_its_own_matches(research_index, request_):
    cold = WhooshSearch(research_index, result_cache_size=0)
    try:
        results = cold.search(dataclasses.replace(request_, timeline=True, facets=True))
        assert results.timeline == (cold.timeline(request_) if results.total else None)
        assert cold.search(request_).timeline is None  # only when asked
    finally:
        cold.close()


def test_empty_query_timeline_is_every_story(backend):
    timeline = backend.timeline(SearchRequest(""))
    assert timeline.total == backend.stats().stories


# --- the results page ------------------------------------------------------------------------------


def test_results_page_draws_the_timeline_with_a_table(research_client, backend):
    soup = soup_of(research_client.get("/search?q=government"))
    section = soup.select_one("section.timeline")
    assert section.select_one("h2").get_text() == "Stories per month"
    timeline = backend.timeline(SearchRequest("government"))
    svg = section.select_one("svg.timeline-chart")
    assert svg["viewbox"] == f"0 0 {VIEW_WIDTH} {VIEW_HEIGHT}" and svg["aria-hidden"] == "true"
    links = svg.select("a.timeline-link")
    assert len(links) == sum(1 for b in timeline.buckets if b.count)
    heights = [float(a.select_one("rect.timeline-bar")["height"]) for a in links]
    assert max(heights) == VIEW_HEIGHT and min(heights) > 0
    rows = section.select("details.timeline-table tbody tr")
    assert len(rows) == len(timeline.buckets) + 1  # and the undated row
    assert rows[-1].get_text(" ", strip=True) == f"Undated {UNDATED}"
    assert [int(r.select_one("td").get_text()) for r in rows[:-1]] == [b.count for b in timeline.buckets]
    assert f"{UNDATED} undated, not in the chart" in section.select_one(".timeline-summary").get_text()


def test_a_bar_links_to_its_range_keeping_the_search(research_client):
    soup = soup_of(research_client.get("/search?q=government&agency=PTI&sort=newest"))
    link = soup.select("svg.timeline-chart a.timeline-link")[0]
    args = parse_qs(urlsplit(link["href"]).query)
    assert args["q"] == ["government"] and args["agency"] == ["PTI"] and args["sort"] == ["newest"]
    assert (args["from"], args["to"]) == ([link["data-start"]], [link["data-end"]])
    narrowed = soup_of(research_client.get(link["href"]))
    dates = [t["datetime"] for t in narrowed.select(".hit time")]
    assert dates and all(link["data-start"] <= d <= link["data-end"] for d in dates)
    # within one month the timeline shows days
    assert narrowed.select_one("section.timeline h2").get_text() == "Stories per day"


def test_no_timeline_without_matches(research_client):
    assert soup_of(research_client.get("/search?q=zzznothing")).select_one("section.timeline") is None


def test_timeline_bars_geometry():
    timeline = build_timeline({D(2024, 1, 1): 4, D(2024, 1, 3): 1})
    bars = timeline_bars(timeline)
    assert [b.count for b in bars] == [4, 0, 1]
    assert bars[0].height == VIEW_HEIGHT and bars[1].height == 0 and bars[2].height >= 2
    assert all(0 <= b.slot_x and b.slot_x + b.slot_width <= VIEW_WIDTH + 0.01 for b in bars)
    assert bars[0].x < bars[1].x < bars[2].x


# --- /api/timeline and the CLI -----------------------------------------------------------------------


def test_api_timeline(research_client, backend):
    data = research_client.get("/api/timeline?q=government&agency=PTI").get_json()
    expected = backend.timeline(SearchRequest("government", agency=("PTI",)))
    assert data["query"] == "government"
    assert (data["unit"], data["total"], data["undated"]) == (expected.unit, expected.total, expected.undated)
    assert [b["count"] for b in data["buckets"]] == [b.count for b in expected.buckets]
    first = data["buckets"][0]
    assert first["start"] == expected.buckets[0].start.isoformat()
    assert parse_qs(urlsplit(first["search"]).query)["from"] == [first["start"]]


def test_api_timeline_without_query_counts_every_story(research_client, backend):
    data = research_client.get("/api/timeline").get_json()
    assert data["total"] == backend.stats().stories and data["undated"] == UNDATED
    assert "search" not in data["buckets"][0]


@pytest.mark.parametrize("args", ["q=x&from=2024-13-01", "q=x&from=2024-02-01&to=2024-01-01", "q=x&year=24"])
def test_api_timeline_bad_input_is_400(research_client, args):
    response = research_client.get("/api/timeline?" + args)
    assert response.status_code == 400 and response.get_json()["error"]


def test_cli_timeline_text_chart(research_index, backend):
    result = CliRunner().invoke(cli, ["search", "--timeline", "--index", str(research_index), "government"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    expected = backend.timeline(SearchRequest("government"))
    assert lines[0].startswith(f"{expected.total} stories per month, 2023-01-01 to 2024-11-30")
    assert lines[0].endswith(f"{UNDATED} undated, not shown")
    assert len(lines) == 1 + len(expected.buckets)
    assert lines[1].split()[:2] == ["2023-01", str(expected.buckets[0].count)]


def test_cli_timeline_json(research_index, backend):
    args = ["search", "--timeline", "--json", "--index", str(research_index), "monsoon"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == backend.timeline(SearchRequest("monsoon")).to_dict()
