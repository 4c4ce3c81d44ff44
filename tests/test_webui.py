"""The web UI through Flask's test client, over a real index of the test corpus."""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner
from conftest import GENERATED, HOSTILE_STORIES, RELATED_STORIES, SEED_ID
from flask import request, url_for

from indexer.cli import cli
from indexer.ingest import reindex
from indexer.search import MAX_PAGE, MAX_QUERY_CHARS
from webui import create_app
from webui.params import SearchParams
from webui.views import search_url

TOTAL_STORIES = 1 + GENERATED + len(RELATED_STORIES) + len(HOSTILE_STORIES)


def soup_of(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def hit_ids(soup: BeautifulSoup) -> list[str]:
    return [a["href"].split("?")[0].rsplit("/", 1)[-1] for a in soup.select(".hit-title a")]


def hit_dates(soup: BeautifulSoup) -> list[dt.date]:
    return [dt.date.fromisoformat(t["datetime"]) for t in soup.select(".hit time")]


# --- pages ------------------------------------------------------------------------------


def test_home_has_search_box_and_index_line(client):
    response = client.get("/")
    assert response.status_code == 200
    soup = soup_of(response)
    box = soup.find("input", id="q")
    assert box.has_attr("autofocus") and box["name"] == "q"
    assert soup.find("label", attrs={"for": "q"}).get_text(strip=True)
    form = box.find_parent("form")
    assert form["method"] == "get" and form["action"] == "/search"
    line = soup.select_one(".index-line").get_text(" ", strip=True)
    assert f"{TOTAL_STORIES} stories indexed" in line
    assert "5 Jan 2023" in line  # the first generated story
    agencies = soup.select(".index-line")[1].get_text(" ", strip=True)
    assert "PTI" in agencies and "Reuters" in agencies


def test_page_landmarks_and_skip_link(client):
    soup = soup_of(client.get("/search?q=government"))
    for landmark in ("header", "main", "nav", "footer"):
        assert soup.find(landmark) is not None, landmark
    skip = soup.find("a", class_="skip-link")
    assert skip["href"] == "#main" and soup.find("main")["id"] == "main"
    assert soup.find(attrs={"role": "search"}) is not None


def test_search_shows_total_time_and_marked_results(client):
    soup = soup_of(client.get("/search?q=government"))
    summary = soup.select_one(".results-summary").get_text(" ", strip=True)
    assert "stories match" in summary and "ms" in summary
    hits = soup.select(".hit")
    assert len(hits) == 10
    for hit in hits:
        link = hit.select_one(".hit-title a")
        assert link["href"].startswith("/story/") and link["href"].endswith("?q=government")
        assert hit.select_one(".meta time")
        assert hit.select_one(".hit-snippet mark")
    assert soup.find("input", id="q")["value"] == "government"


def test_pagination_has_stable_urls(client):
    first = soup_of(client.get("/search?q=government"))
    next_link = first.select_one(".pagination a[rel=next]")
    assert next_link["href"] == "/search?q=government&page=2"
    second = soup_of(client.get(next_link["href"]))
    assert set(hit_ids(first)).isdisjoint(hit_ids(second))
    assert second.select_one(".pagination a[aria-current=page]").get_text(strip=True).endswith("2")
    assert second.select_one(".pagination a[rel=prev]")["href"] == "/search?q=government"
    assert second.select_one("ol.hits")["start"] == "11"


def test_page_past_the_last_is_an_empty_page_not_an_error(client):
    response = client.get(f"/search?q=government&page={MAX_PAGE}")
    assert response.status_code == 200
    assert "No results on page" in soup_of(response).get_text()


@pytest.mark.parametrize("sort", ["newest", "oldest"])
def test_sort_by_date(client, sort):
    soup = soup_of(client.get(f"/search?q=government&sort={sort}"))
    dates = hit_dates(soup)
    assert len(dates) == 10
    assert dates == sorted(dates, reverse=sort == "newest")
    current = soup.select_one(".sort a[aria-current]")
    assert current.get_text(strip=True).lower() == sort
    # the next page keeps the sort
    assert f"sort={sort}" in soup.select_one(".pagination a[rel=next]")["href"]


def test_facet_links_add_filters_and_keep_the_others(client):
    soup = soup_of(client.get("/search?q=government&sort=newest"))
    agency_links = {a.select_one(".facet-value").get_text(): a for a in soup.select("#facet-agency + ul a")}
    assert {"PTI", "Reuters", "AP", "AFP", "IANS"} <= set(agency_links)
    pti = agency_links["PTI"]
    assert pti["href"] == "/search?q=government&sort=newest&agency=PTI"
    count = int(pti.select_one(".facet-count").contents[0])

    filtered = soup_of(client.get(pti["href"]))
    assert int(filtered.select_one(".results-summary").get_text().split()[0]) == count
    year_link = filtered.select("#facet-year + ul a")[0]
    assert "agency=PTI" in year_link["href"] and "sort=newest" in year_link["href"]

    both = soup_of(client.get(year_link["href"]))
    year = both.select_one("#facet-year + ul a .facet-value").get_text()
    assert {d.year for d in hit_dates(both)} == {int(year)}
    chips = {c.get_text(" ", strip=True): c["href"] for c in both.select(".active-filters .chip")}
    assert any(label.startswith("Agency: PTI") for label in chips)
    remove_agency = next(href for label, href in chips.items() if label.startswith("Agency"))
    assert "agency=" not in remove_agency and f"year={year}" in remove_agency


def test_filters_are_combinable(client):
    filters = "agency=PTI&agency=Reuters&year=2023&place=Mumbai&place=London"
    response = client.get("/search?q=government&" + filters)
    soup = soup_of(response)
    for hit in soup.select(".hit"):
        meta = hit.select_one(".meta").get_text(" ", strip=True)
        assert ("PTI" in meta or "Reuters" in meta) and ("Mumbai" in meta or "London" in meta)
        assert "2023" in meta


def test_date_range_filter(client):
    soup = soup_of(client.get("/search?q=government&from=2023-03-01&to=2023-12-31"))
    dates = hit_dates(soup)
    assert dates and all(dt.date(2023, 3, 1) <= d <= dt.date(2023, 12, 31) for d in dates)
    form = soup.select_one("form.date-range")
    assert form["method"] == "get"
    assert form.find("input", id="from")["value"] == "2023-03-01"
    assert form.find("input", attrs={"name": "q", "type": "hidden"})["value"] == "government"
    # empty date fields, as a form without JavaScript sends them, are ignored
    assert client.get("/search?q=government&from=&to=").status_code == 200


def test_did_you_mean_links_to_the_corrected_query(client):
    soup = soup_of(client.get("/search?q=monsoom&agency=PTI"))
    link = soup.select_one(".did-you-mean a")
    assert link.get_text() == "monsoon"
    assert link["href"] == "/search?q=monsoon&agency=PTI"
    assert soup_of(client.get(link["href"])).select(".hit")


def test_notice_when_query_is_read_as_words(client):
    soup = soup_of(client.get("/search?q=foo:monsoon"))
    assert "Unknown field" in soup.select_one(".notice").get_text()


def test_empty_state_with_tips(client):
    for url in ("/search", "/search?q=", "/search?q=zzyzxnothing"):
        response = client.get(url)
        assert response.status_code == 200
        assert soup_of(response).select(".empty-state li"), url


def test_syntax_page(client):
    soup = soup_of(client.get("/syntax"))
    text = soup.get_text(" ")
    for example in (
        '"defence innovation"',
        "AND",
        "OR",
        "NOT",
        "title:",
        "agency:",
        "place:",
        "date:2024-02",
        "date:[2024-01-01 TO 2024-03-31]",
        "elect*",
    ):
        assert example in text, example
    # every example links to a search that works
    for link in soup.select(".syntax-list a"):
        assert client.get(link["href"]).status_code == 200


# --- the story page --------------------------------------------------------------------


def test_story_page(client):
    soup = soup_of(client.get(f"/story/{SEED_ID}?q=defence innovation"))
    assert "India and the US" in soup.find("h1").get_text()
    meta = soup.select_one(".story .meta").get_text(" ", strip=True)
    assert "19 Feb 2024" in meta and "New Delhi" in meta and "PTI" in meta
    paragraphs = soup.select(".story-body p")
    assert len(paragraphs) > 5
    assert "Advertisment" not in soup.select_one(".story-body").get_text()
    marked = {m.get_text().lower() for m in soup.select(".story-body mark")}
    assert {"defence", "innovation"} <= marked
    related = soup.select(".related li a")
    assert 1 <= len(related) <= 5
    assert soup.select_one(".back a")["href"].startswith("/search?q=defence")


def test_story_without_query_has_no_marks(client):
    soup = soup_of(client.get("/story/story-00"))
    assert not soup.select(".story-body mark")
    assert soup.select_one(".source a")["href"] == "https://news.example.com/2023-01-05"


@pytest.mark.parametrize(
    "path",
    [
        "/story/no-such-story",
        "/story/..",
        "/story/...",
        "/story/..%2F..%2Fetc%2Fpasswd",
        "/story/../../etc/passwd",
        "/story/a.txt",
        "/story/%00",
        "/story/" + "a" * 300,
        "/story/story-00%0A",
        "/no-such-page",
    ],
)
def test_unknown_story_or_page_is_404(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert "Not found" in soup_of(response).find("h1").get_text()
    api = client.get("/api" + path if path.startswith("/story") else "/api/nothing")
    assert api.status_code == 404 and "error" in api.get_json()


# --- bad input -------------------------------------------------------------------------

HOSTILE_QUERIES = [
    '"unbalanced',
    'unbalanced"',
    "(open",
    "close)",
    "((a)",
    "[x TO",
    "{a TO",
    "AND",
    "OR",
    "NOT",
    "AND OR NOT",
    "a AND",
    "NOT NOT",
    "foo:bar",
    "title:",
    "agency:",
    'place:"',
    ":",
    "date:[x TO",
    "date:[2024-01-01 TO",
    "date:[2024-03-31 TO 2024-01-01]",
    "date:notadate",
    "date:2024-13",
    "year:abc",
    "id:../../etc/passwd",
    "*",
    "?",
    "**",
    "*:*",
    "body:*",
    "date:*",
    "a*b?c",
    "word~",
    "word~~2",
    "word^2",
    "^",
    "~",
    '""',
    "()",
    "[]",
    "{}",
    "\\",
    "/",
    "-",
    "+",
    "!",
    "&",
    "#",
    "%",
    "%00",
    "%%",
    "\x00",
    "nul\x00byte",
    "x" * MAX_QUERY_CHARS,
    "monsoon " * 120,
    "डेटा खोज",
    "日本語",
    "émeute à Paris",
    "🎉 emoji",
    "\u202eright-to-left",
    "' OR 1=1 --",
    "1; DROP TABLE stories; --",
    "<script>alert(1)</script>",
    "title:(a OR",
    '"a" "b',
    "a\tb\nc",
]


@pytest.mark.parametrize("q", HOSTILE_QUERIES)
def test_hostile_queries_never_fail(client, q):
    for sort in ("relevance", "newest"):
        response = client.get("/search", query_string={"q": q, "sort": sort})
        assert response.status_code == 200, q
        api = client.get("/api/search", query_string={"q": q, "sort": sort})
        assert api.status_code in (200, 400), q
        assert isinstance(api.get_json(), dict)


@pytest.mark.parametrize(
    "query_string",
    [
        {"q": "x" * (MAX_QUERY_CHARS + 1)},
        {"q": "government", "page": "0"},
        {"q": "government", "page": "-1"},
        {"q": "government", "page": str(MAX_PAGE + 1)},
        {"q": "government", "page": "99999999999999999999"},
        {"q": "government", "page": "abc"},
        {"q": "government", "page": "1.5"},
        {"q": "government", "sort": "bogus"},
        {"q": "government", "from": "2024-13-01"},
        {"q": "government", "from": "yesterday"},
        {"q": "government", "from": "2024-03-01", "to": "2024-01-01"},
        {"q": "government", "year": "20x4"},
        {"q": "government", "agency": "x" * 500},
    ],
)
def test_bad_parameters_are_400_with_a_message(client, query_string):
    response = client.get("/search", query_string=query_string)
    assert response.status_code == 400
    soup = soup_of(response)
    assert soup.select_one(".error-message").get_text(strip=True)
    api = client.get("/api/search", query_string=query_string)
    assert api.status_code == 400 and api.get_json()["error"]


def test_story_query_too_long_is_400(client):
    assert client.get("/story/story-00", query_string={"q": "x" * (MAX_QUERY_CHARS + 1)}).status_code == 400


def test_api_needs_a_query(client):
    response = client.get("/api/search")
    assert response.status_code == 400 and "q" in response.get_json()["error"]
    assert client.get("/api/search?q=government&pagelen=0").status_code == 400


def test_method_not_allowed(client):
    response = client.post("/search")
    assert response.status_code == 405 and "GET" in response.headers["Allow"]
    assert client.post("/api/search").get_json()["error"]


# --- escaping ----------------------------------------------------------------------------


def assert_no_injected_markup(soup: BeautifulSoup) -> None:
    assert [s.get("src") for s in soup.find_all("script")] == ["/static/wire.js"]
    # the timeline's chart is the one svg of ours (its parts are checked by the loop below)
    ours = soup.select("section.timeline > svg.timeline-chart")
    assert [t for t in soup.find_all(["img", "svg", "b", "iframe"]) if t not in ours] == []
    for tag in soup.find_all(True):
        assert not any(attr.startswith("on") for attr in tag.attrs), tag
        assert "style" not in tag.attrs, tag  # CSP forbids inline styles too
    for link in soup.find_all("a", href=True):
        assert not link["href"].lower().startswith("javascript:"), link


def test_hostile_stories_are_escaped_in_results(client):
    response = client.get("/search?q=hostile")
    soup = soup_of(response)
    assert len(soup.select(".hit")) == 2
    assert_no_injected_markup(soup)
    titles = [a.get_text() for a in soup.select(".hit-title a")]
    assert any("<script>alert(1)</script>" in t for t in titles)
    for snippet in soup.select(".hit-snippet"):
        assert {tag.name for tag in snippet.find_all(True)} <= {"mark"}
    assert "<img src=x onerror=alert(1)>" in soup.get_text()
    # the facet value "<b>Springfield</b>" is text, also in the link that adds it
    assert "<b>Springfield</b>" in soup.select_one("#facet-place + ul").get_text()


def test_hostile_story_page_is_escaped_and_has_no_script_link(client):
    soup = soup_of(client.get("/story/hostile-script?q=hostile"))
    assert_no_injected_markup(soup)
    assert soup.find("h1").get_text() == "<script>alert(1)</script> Hostile headline"
    assert soup.select_one(".source") is None  # javascript: is never a link
    body = soup.select_one(".story-body")
    assert {tag.name for tag in body.find_all(True)} <= {"p", "mark"}
    other = soup_of(client.get("/story/hostile-image"))
    assert_no_injected_markup(other)
    assert other.select_one(".source a")["href"] == 'https://example.com/news?a=1&b="2"'


def test_hostile_query_is_escaped(client):
    q = '"><script>alert(1)</script><img src=x onerror=alert(1)>'
    soup = soup_of(client.get("/search", query_string={"q": q}))
    assert_no_injected_markup(soup)
    assert soup.find("input", id="q")["value"] == q
    story = soup_of(client.get("/story/story-00", query_string={"q": q}))
    assert_no_injected_markup(story)


def test_story_page_marks_what_the_snippet_marks(client):
    # golden case: the page re-parsed the query and guessed stems, marking INDUS
    # inside INDUS-X where the snippet marks INDUS-X whole
    for q, whole in (("INDUS-X", "INDUS-X"), ("INDUS-X summit", "INDUS-X"), ("indus", "INDUS")):
        results = soup_of(client.get("/search", query_string={"q": q}))
        [snippet] = [
            hit.select_one(".hit-snippet")
            for hit in results.select(".hit")
            if hit.select_one(".hit-title a")["href"].startswith(f"/story/{SEED_ID}")
        ]
        story = soup_of(client.get(f"/story/{SEED_ID}", query_string={"q": q}))
        on_page = [m.get_text() for m in story.select(".story-body mark")]
        assert {m.get_text() for m in snippet.select("mark")} <= set(on_page), q
        assert whole in on_page and {"INDUS", "INDUS-X"} - {whole} - set(on_page), q


def test_story_page_marks_stems_and_prefixes_as_the_index_does(client):
    story = soup_of(client.get("/story/defence-expo", query_string={"q": "partner* start-ups"}))
    marked = {m.get_text() for m in story.select(".story-body mark")}
    assert {"partnership", "partnerships", "start-ups"} <= marked
    assert not any(m.get_text().lower() == "start" for m in story.select(".story-body mark"))


# --- headers and errors ------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/search?q=government",
        "/story/story-00",
        "/api/search?q=x",
        "/static/style.css",
        "/static/wire.js",
        "/nope",
        "/search?page=0",
        "/api/story/nope",
    ],
)
def test_security_headers(client, path):
    with client.get(path) as response:
        headers = response.headers
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] in ("same-origin", "strict-origin-when-cross-origin")
    assert headers["X-Frame-Options"] == "DENY"


def test_no_inline_script_and_plain_get_forms(client):
    for path in ("/", "/search?q=government", "/story/story-00?q=rain", "/syntax"):
        soup = soup_of(client.get(path))
        for script in soup.find_all("script"):
            assert script.get("src") and not script.string
        for form in soup.find_all("form"):
            assert form["method"] == "get"
        assert not soup.find_all(style=True)


def test_missing_index_is_503_until_one_is_built(tmp_path, corpus_dir):
    index = tmp_path / "index"
    app = create_app({"TESTING": True, "INDEX": str(index)})
    client = app.test_client()
    for path in ("/", "/search?q=government", "/story/story-00", "/syntax"):
        response = client.get(path)
        assert response.status_code == 503, path
        assert "wire reindex" in response.get_data(as_text=True)
        assert response.headers["X-Frame-Options"] == "DENY"
    api = client.get("/api/search?q=government")
    assert api.status_code == 503 and "wire reindex" in api.get_json()["error"]
    assert not index.exists() or not any(index.iterdir())  # the web process wrote nothing

    reindex(corpus_dir, index)
    assert client.get("/").status_code == 200
    assert client.get("/search?q=government").status_code == 200


class BrokenBackend:
    """A backend whose every answer fails: the app must hide it behind a 500 page."""

    def __init__(self, index_dir: str):
        self.index_dir = index_dir

    def search(self, request):
        raise RuntimeError("secret internal detail")

    def stats(self):
        raise RuntimeError("secret internal detail")


def test_server_errors_are_logged_and_not_shown(tmp_path, caplog):
    app = create_app({"INDEX": str(tmp_path), "BACKEND": BrokenBackend, "PROPAGATE_EXCEPTIONS": False})
    client = app.test_client()
    with caplog.at_level(logging.ERROR):
        response = client.get("/search?q=x")
    assert response.status_code == 500
    text = response.get_data(as_text=True)
    assert "secret internal detail" not in text and "Traceback" not in text
    assert soup_of(response).find("h1").get_text() == "Something went wrong"
    assert response.headers["Content-Security-Policy"]
    assert any("secret internal detail" in r.getMessage() or r.exc_info for r in caplog.records)
    api = client.get("/api/search?q=x")
    assert api.status_code == 500 and "secret" not in api.get_json()["error"]


def test_backend_is_configurable_by_import_string(index_dir):
    app = create_app({"TESTING": True, "INDEX": str(index_dir), "BACKEND": "indexer.searching:WhooshSearch"})
    assert app.test_client().get("/search?q=monsoon").status_code == 200


def test_settings_from_environment(monkeypatch, index_dir):
    monkeypatch.setenv("WIRE_INDEX", str(index_dir))
    monkeypatch.setenv("WIRE_PAGELEN", "5")
    app = create_app({"TESTING": True})
    assert app.config["INDEX"] == str(index_dir) and app.config["PAGELEN"] == 5
    assert len(soup_of(app.test_client().get("/search?q=government")).select(".hit")) == 5


def test_backend_is_opened_once(app, client):
    client.get("/search?q=monsoon")
    backend = app.extensions["wire.backend"].backend
    client.get("/search?q=election")
    assert app.extensions["wire.backend"].backend is backend


# --- JSON API --------------------------------------------------------------------------------


@pytest.mark.parametrize("q", ["government", "defence innovation", '"monsoon rainfall"', "agency:PTI rain"])
def test_api_search_matches_cli_json(client, index_dir, q):
    result = CliRunner().invoke(cli, ["search", "--json", "--index", str(index_dir), q])
    assert result.exit_code == 0, result.output
    expected = json.loads(result.output)
    data = client.get("/api/search", query_string={"q": q}).get_json()
    assert {key: data[key] for key in expected} == expected
    assert set(data) == {
        "query",
        "total",
        "copies",
        "results",
        "facets",
        "page",
        "pages",
        "pagelen",
        "sort",
        "suggestion",
        "notice",
        "took_ms",
        "facet_sizes",
    }


def test_api_search_paging_facets_and_filters(client):
    data = client.get("/api/search?q=government&page=2&pagelen=5&sort=oldest&agency=PTI").get_json()
    assert data["page"] == 2 and data["pagelen"] == 5 and data["sort"] == "oldest"
    assert data["pages"] == -(-data["total"] // 5)
    assert all(hit["agency"] == "PTI" for hit in data["results"])
    # each facet counts without its own filter: other agencies stay choosable
    agency_counts = {f["value"]: f["count"] for f in data["facets"]["agency"]}
    assert agency_counts["PTI"] == data["total"] and len(agency_counts) > 1
    assert set(data["facets"]) == {"agency", "place", "year"}
    assert isinstance(data["took_ms"], float)
    first = data["results"][0]
    assert set(first) == {
        "id",
        "path",
        "title",
        "date",
        "agency",
        "place",
        "url",
        "byline",
        "score",
        "snippet",
    } | {*("cluster", "copies", "outlets", "agency_inferred")}


def test_api_spelling_suggestion(client):
    assert client.get("/api/search?q=monsoom").get_json()["suggestion"] == "monsoon"


def test_api_story(client):
    data = client.get(f"/api/story/{SEED_ID}").get_json()
    assert data["id"] == SEED_ID and data["date"] == "2024-02-19" and data["agency"] == "PTI"
    assert "defence innovation" in data["body"]
    response = client.get("/api/story/..")
    assert response.status_code == 404 and response.is_json


# --- a rebuilt index -----------------------------------------------------------------------


def test_rebuilt_index_is_picked_up_without_restart(make_index):
    corpus, index = make_index()
    client = create_app({"TESTING": True, "INDEX": str(index)}).test_client()
    assert "No stories match" in client.get("/search?q=zeppelin").get_data(as_text=True)
    (corpus / "zeppelin-1.txt").write_text(
        "Title: Zeppelin lands in Hamburg\nDate: 2024-05-05\nAgency: dpa\n\n"
        "A zeppelin landed in Hamburg on Sunday after a trip over the North Sea.\n",
        encoding="utf-8",
    )
    # index.py names generations by the second: a rebuild within the same second
    # as the first build collides with it (reported), so let the clock move on.
    time.sleep(1.1)
    reindex(corpus, index)
    soup = soup_of(client.get("/search?q=zeppelin"))
    assert hit_ids(soup) == ["zeppelin-1"]
    assert client.get("/story/zeppelin-1").status_code == 200
    assert f"{TOTAL_STORIES + 1} stories" in soup_of(client.get("/")).select_one(".index-line").get_text()


def test_rendered_pages_point_at_existing_static_files(client):
    soup = soup_of(client.get("/"))
    for ref in [link["href"] for link in soup.find_all("link")] + [s["src"] for s in soup.find_all("script")]:
        with client.get(ref) as response:
            assert response.status_code == 200, ref


def test_runner_fixture_works(runner):
    assert runner.invoke(args=["--help"]).exit_code == 0


def test_corpus_fixture_is_as_described(corpus_dir: Path):
    assert len(list(corpus_dir.glob("*.txt"))) == TOTAL_STORIES


@pytest.mark.parametrize(
    "args",
    [
        {"q": "monsoon"},
        {"q": 'a "phrase" & más / 50% + #tag = x?', "sort": "newest", "page": "3"},
        {"q": "rain", "agency": ["PTI", "Reuters"], "place": ["New Delhi", "São Paulo"], "year": ["2024"]},
        {"q": "rain", "from": "2024-01-01", "to": "2024-03-31", "collapse": "false"},
        {"q": ""},
    ],
)
@pytest.mark.parametrize("endpoint", ["pages.search", "api.search"])
def test_search_urls_are_url_fors(app, args, endpoint):
    with app.test_request_context("/search", query_string=args):
        params = SearchParams.from_args(request.args)
        for p in (params, params.replace(page=2), params.replace(sort="oldest")):
            assert search_url(p, endpoint) == url_for(endpoint, **p.args())
