"""Timeline, export, feed and permalinks in a real Chromium against a real `wire serve`.

Same set-up as test_browser.py (Debian's Chromium, no browser download), over
the research corpus (undated stories, places in several forms).
"""

from __future__ import annotations

import csv
import io
import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import feedparser
import pytest
from test_browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    DESKTOP,
    open_page,
    require_browser,
    running_server,
)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(research_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    require_browser()
    with running_server(research_index, tmp_path_factory.mktemp("serve-research") / "serve.log") as (base, _):
        yield base


@pytest.fixture(scope="module")
def browser(server: str):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def desktop(browser, server):
    context, page, watch = open_page(browser, server)
    yield page
    context.close()
    assert watch.problems == []


def get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.load(response)


def all_results(server: str, query: str) -> list[dict]:
    """Every hit of a search through the JSON API, page by page."""
    results, page = [], 1
    while True:
        data = get_json(f"{server}/api/search?{query}&pagelen=100&page={page}")
        results += data["results"]
        if page >= data["pages"]:
            return results
        page += 1


def test_timeline_renders_and_a_bar_click_filters(desktop, server):
    page = desktop
    page.goto("/search?q=government")
    chart = page.locator("section.timeline svg.timeline-chart")
    box = chart.bounding_box()
    assert box["width"] > 600 and box["height"] > 50  # stretched to the column
    timeline = get_json(f"{server}/api/timeline?q=government")
    bars = page.locator("svg.timeline-chart a.timeline-link")
    assert bars.count() == sum(1 for b in timeline["buckets"] if b["count"])
    heights = bars.locator("rect.timeline-bar").evaluate_all(
        "rects => rects.map(r => r.getBoundingClientRect().height)"
    )
    assert min(heights) > 0 and max(heights) == pytest.approx(box["height"], abs=1)
    assert "2 undated, not in the chart" in page.locator(".timeline-summary").inner_text()

    busiest = max(range(bars.count()), key=lambda i: heights[i])
    bar = bars.nth(busiest)
    start, end = bar.get_attribute("data-start"), bar.get_attribute("data-end")
    bar.click()
    page.wait_for_url(f"**/search?q=government&from={start}&to={end}")
    dates = page.locator(".hit time").evaluate_all("els => els.map(e => e.dateTime)")
    expected = [b for b in timeline["buckets"] if b["start"] == start][0]["count"]
    assert len(dates) == expected and all(start <= d <= end for d in dates)
    assert page.locator(".active-filters .chip", has_text=f"From: {start}").count() == 1
    assert page.locator("section.timeline h2").inner_text().lower() == "stories per day"


def test_timeline_table_is_the_text_alternative(desktop):
    page = desktop
    page.goto("/search?q=government")
    assert page.locator("svg.timeline-chart").get_attribute("aria-hidden") == "true"
    table = page.locator("details.timeline-table table")
    assert not table.is_visible()
    page.locator("details.timeline-table summary").click()
    assert table.is_visible()
    page.locator("details.timeline-table tbody a").first.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/search?q=government&from=*&to=*")
    assert page.locator(".hit").count() >= 1


def test_csv_download_parses_back_to_the_api_rows(desktop, server, tmp_path):
    page = desktop
    page.goto("/search?q=government&sort=newest&agency=PTI")
    with page.expect_download() as info:
        page.get_by_role("button", name="CSV").click()
    download = info.value
    assert download.suggested_filename == "wire-government.csv"
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM spreadsheets need for UTF-8
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    api = all_results(server, "q=government&sort=newest&agency=PTI")
    assert len(rows) == len(api) > 1
    for row, hit in zip(rows, api, strict=True):
        assert row["id"] == hit["id"]
        assert (row["date"], row["agency"], row["place"], row["url"]) == (
            hit["date"] or "",
            hit["agency"],
            hit["place"],
            hit["url"],
        )
        assert row["title"] == hit["title"]  # no PTI headline here starts like a formula


def test_jsonl_download_with_story_text(desktop, server, tmp_path):
    page = desktop
    page.goto("/search?q=harbour+OR+monsoon")
    page.get_by_label("with the story text").check()
    with page.expect_download() as info:
        page.get_by_role("button", name="JSON Lines").click()
    target = tmp_path / "out.jsonl"
    info.value.save_as(target)
    rows = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == [h["id"] for h in all_results(server, "q=harbour+OR+monsoon")]
    assert all(r["body"] for r in rows)


def test_atom_feed_found_from_the_page_parses_newest_first(desktop, server):
    page = desktop
    page.goto("/search?q=government&page=2")
    href = page.locator("link[rel=alternate][type='application/atom+xml']").get_attribute("href")
    response = page.request.get(href)
    assert response.ok and response.headers["content-type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.body())
    assert feed.bozo == 0 and feed.version == "atom10"
    newest = get_json(f"{server}/api/search?q=government&sort=newest&pagelen=20")["results"]
    assert [e.id.rsplit("/", 1)[-1] for e in feed.entries] == [h["id"] for h in newest]
    updated = [e.updated_parsed for e in feed.entries]
    assert updated == sorted(updated, reverse=True)
    page.goto(feed.entries[0].link)  # an entry's link is the story's page
    assert page.locator("h1").inner_text() == feed.entries[0].title


def test_copy_link_copies_the_complete_search_url(browser, server):
    from playwright.sync_api import expect

    context, page, watch = open_page(browser, server)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server)
    url = "/search?q=government&sort=oldest&year=2024&page=2"
    page.goto(url)
    button = page.locator(".result-tools button.copy-link")
    assert button.is_visible()
    button.click()
    # the copy is asynchronous: wait for its status line before reading the clipboard
    expect(page.locator(".result-tools .copy-status")).to_have_text("Link copied.")
    assert page.evaluate("navigator.clipboard.readText()") == server + url
    page.goto(server + url)  # the copied link opens the same page of the same results
    assert page.locator(".pagination [aria-current=page]").inner_text().strip().endswith("2")
    page.goto("/story/delhi-caps-1")
    page.locator(".story-tools button.copy-link").click()
    expect(page.locator(".story-tools .copy-status")).to_have_text("Link copied.")
    assert page.evaluate("navigator.clipboard.readText()") == server + "/story/delhi-caps-1"
    context.close()
    assert watch.problems == []


def test_without_javascript_links_stay_and_bars_still_filter(browser, server):
    context, page, watch = open_page(browser, server, viewport=DESKTOP, javascript=False)
    page.goto("/search?q=government")
    assert page.locator(".result-tools button.copy-link").is_hidden()
    assert page.locator(".result-tools a.permalink-link").get_attribute("href") == "/search?q=government"
    bar = page.locator("svg.timeline-chart a.timeline-link").first
    start = bar.get_attribute("data-start")
    bar.click()
    page.wait_for_url(f"**/search?q=government&from={start}&to=*")
    assert parse_qs(urlsplit(page.url).query)["from"] == [start]
    page.goto("/search?q=government")
    page.locator("a.facet-more").click()
    page.wait_for_url("**/search/facet/place?q=government")
    page.locator(".facet-all a", has_text="New Delhi").click()
    page.wait_for_url("**/search?q=government&place=New+Delhi")
    metas = set(page.locator(".hit .meta-place").all_inner_texts())
    assert metas == {"New Delhi", "NEW DELHI", "New-Delhi."}
    context.close()
    assert watch.problems == []
