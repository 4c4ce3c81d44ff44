"""Saved searches as feeds: /search.atom checked with feedparser and against RFC 4287's
required elements; /opensearch.xml; permalinks that survive a reindex."""

from __future__ import annotations

import datetime as dt
import shutil
import xml.etree.ElementTree as ET
from urllib.parse import parse_qs, urlsplit

import feedparser
import pytest
from bs4 import BeautifulSoup
from conftest import write_research_corpus

from indexer.feeds import ATOM_NS, EPOCH, Feed, FeedEntry, build_atom, date_time, feed_updated, xml_text
from indexer.ingest import reindex
from webui import create_app
from webui.backend import close_backend

A = "{" + ATOM_NS + "}"
RFC3339_Z = "%Y-%m-%dT%H:%M:%SZ"


def soup_of(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def assert_rfc4287(xml: bytes) -> ET.Element:
    """The elements RFC 4287 requires (section 4.1.1 and 4.1.2), each exactly once."""
    root = ET.fromstring(xml)
    assert root.tag == A + "feed"
    for name in ("id", "title", "updated"):
        assert len(root.findall(A + name)) == 1, name
    dt.datetime.strptime(root.findtext(A + "updated"), RFC3339_Z)
    feed_author = root.find(A + "author")
    assert [link.get("rel") for link in root.findall(A + "link")].count("self") == 1
    for entry in root.findall(A + "entry"):
        for name in ("id", "title", "updated"):
            assert len(entry.findall(A + name)) == 1, name
        dt.datetime.strptime(entry.findtext(A + "updated"), RFC3339_Z)
        # an entry needs an author unless the feed has one, and content or an alternate link
        assert feed_author is not None or entry.find(A + "author") is not None
        assert entry.find(A + "content") is not None or any(
            link.get("rel") == "alternate" for link in entry.findall(A + "link")
        )
    return root


def test_feed_is_valid_atom_newest_first(research_client):
    response = research_client.get("/search.atom?q=government")
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    root = assert_rfc4287(response.data)
    parsed = feedparser.parse(response.data)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    assert parsed.feed.title == "Wire search: “government”"
    entries = parsed.entries
    assert len(entries) == 20  # FEED_ENTRIES, newest first
    updated = [e.updated_parsed for e in entries]
    assert updated == sorted(updated, reverse=True)
    newest = research_client.get("/api/search?q=government&sort=newest&pagelen=20").get_json()["results"]
    assert [e.link.rsplit("/", 1)[-1] for e in entries] == [h["id"] for h in newest]
    first = entries[0]
    assert first.id == "http://localhost/story/" + newest[0]["id"]
    assert first.updated.startswith(newest[0]["date"])
    # the snippet as HTML (feedparser's sanitizer drops <mark>, leaving the words)
    summary = root.find(f"{A}entry/{A}summary")
    assert summary.get("type") == "html" and "<mark>government</mark>" in summary.text
    assert "government" in first.summary and "<" not in first.summary
    assert root.findtext(A + "updated") == entries[0].updated  # the feed is as new as its newest entry


def test_feed_entry_has_source_link_and_agency(research_client):
    parsed = feedparser.parse(research_client.get("/search.atom?q=INDUS-X").data)
    [entry] = [e for e in parsed.entries if e.id.endswith("/story/000_622617eaaf54721c")]
    assert entry.author == "PTI"
    rels = {link.rel: link.href for link in entry.links}
    assert rels["alternate"] == "http://localhost/story/000_622617eaaf54721c"
    hostile = feedparser.parse(research_client.get("/search.atom?q=hostile").data)
    for e in hostile.entries:  # javascript: is never a link, in feeds either
        assert all(not link.href.startswith("javascript:") for link in e.links)
    assert any(link.rel == "via" for e in hostile.entries for link in e.links)


def test_feed_keeps_filters_and_ignores_sort_and_page(research_client):
    response = research_client.get("/search.atom?q=government&agency=PTI&sort=oldest&page=3")
    parsed = feedparser.parse(response.data)
    assert parsed.bozo == 0 and parsed.entries
    assert {e.author for e in parsed.entries} == {"PTI"}
    self_link = [link.href for link in parsed.feed.links if link.rel == "self"][0]
    assert parse_qs(urlsplit(self_link).query) == {"q": ["government"], "agency": ["PTI"]}
    assert parsed.feed.id == self_link
    updated = [e.updated_parsed for e in parsed.entries]
    assert updated == sorted(updated, reverse=True)


def test_feed_of_everything_and_of_nothing(research_client):
    everything = feedparser.parse(research_client.get("/search.atom").data)
    assert everything.bozo == 0 and everything.feed.title == "Wire search: all stories"
    assert len(everything.entries) == 20
    nothing = research_client.get("/search.atom?q=zzznothing")
    assert_rfc4287(nothing.data)
    parsed = feedparser.parse(nothing.data)
    assert parsed.bozo == 0 and parsed.entries == []
    assert parsed.feed.updated == EPOCH.strftime(RFC3339_Z)


def test_feed_bad_input_is_400(research_client):
    response = research_client.get("/search.atom?q=x&from=2024-99-01")
    assert response.status_code == 400


def test_results_page_links_the_feed(research_client):
    soup = soup_of(research_client.get("/search?q=government&agency=PTI&page=2"))
    link = soup.find("link", rel="alternate", type="application/atom+xml")
    assert link["href"] == "/search.atom?q=government&agency=PTI"
    assert soup.select_one("a.feed-link")["href"] == link["href"]
    assert research_client.get(link["href"]).status_code == 200
    assert (
        soup.find("link", rel="canonical")["href"] == "http://localhost/search?q=government&agency=PTI&page=2"
    )
    # no feed link without a search
    assert soup_of(research_client.get("/search")).find("link", rel="alternate") is None


def test_opensearch_description(research_client):
    home = soup_of(research_client.get("/"))
    link = home.find("link", rel="search")
    assert link["type"] == "application/opensearchdescription+xml"
    response = research_client.get(link["href"])
    assert response.mimetype == "application/opensearchdescription+xml"
    root = ET.fromstring(response.data)
    ns = "{http://a9.com/-/spec/opensearch/1.1/}"
    assert root.tag == ns + "OpenSearchDescription"
    assert len(root.findtext(ns + "ShortName")) <= 16 and root.findtext(ns + "Description")
    templates = {u.get("type"): u.get("template") for u in root.findall(ns + "Url")}
    assert templates["text/html"] == "http://localhost/search?q={searchTerms}"
    assert templates["application/atom+xml"] == "http://localhost/search.atom?q={searchTerms}"
    html_url = templates["text/html"].replace("{searchTerms}", "monsoon")
    assert research_client.get(html_url).status_code == 200


# --- the library --------------------------------------------------------------------------------


def test_build_atom_drops_characters_xml_cannot_hold():
    entry = FeedEntry("tag:x,2024:1", "bell\x07 and\x00 nul", "http://x/1", date_time(dt.date(2024, 2, 19)))
    xml = build_atom(Feed("tag:x,2024:feed", "t\x1b", "http://x/f", "http://x/s", [entry]))
    parsed = feedparser.parse(xml)
    assert parsed.bozo == 0
    assert parsed.entries[0].title == "bell and nul" and parsed.feed.title == "t"
    assert xml_text("ok\ufffe\U0001f600") == "ok\U0001f600"


def test_undated_entries_take_the_feed_time():
    dated = FeedEntry("tag:x,2024:1", "a", "http://x/1", date_time(dt.date(2024, 2, 19)))
    undated = FeedEntry("tag:x,2024:2", "b", "http://x/2", None)
    assert feed_updated([dated, undated]) == dt.datetime(2024, 2, 19, tzinfo=dt.UTC)
    root = assert_rfc4287(build_atom(Feed("tag:x,2024:f", "t", "http://x/f", "http://x/s", [dated, undated])))
    assert [e.findtext(A + "updated") for e in root.findall(A + "entry")] == ["2024-02-19T00:00:00Z"] * 2
    assert root.find(A + "entry/" + A + "title").text == "a"
    nameless = FeedEntry("i", "", "l", None)
    untitled = build_atom(Feed("tag:x,2024:f", "t", "http://x/f", "http://x/s", [nameless]))
    assert ET.fromstring(untitled).findtext(f"{A}entry/{A}title") == "Untitled story"


# --- permalinks ----------------------------------------------------------------------------------


def test_search_permalink_is_complete_and_stable(research_client):
    url = "/search?q=government&sort=newest&agency=PTI&year=2023&from=2023-01-01&to=2023-12-31&page=2"
    soup = soup_of(research_client.get(url))
    permalink = soup.select_one(".result-tools a.permalink-link")["href"]
    assert permalink == url
    button = soup.select_one(".result-tools button.copy-link")
    assert button["data-copy-url"] == url and button.has_attr("hidden")  # shown by wire.js
    # the same search written in another order has the same permalink
    shuffled = "/search?page=2&to=2023-12-31&agency=PTI&from=2023-01-01&year=2023&sort=newest&q=government"
    assert soup_of(research_client.get(shuffled)).select_one("a.permalink-link")["href"] == url


def test_story_permalink_survives_reindexing(tmp_path):
    corpus = write_research_corpus(tmp_path / "corpus")
    index = tmp_path / "index"
    reindex(corpus, index)
    app = create_app({"TESTING": True, "INDEX": str(index)})
    client = app.test_client()
    try:
        page = soup_of(client.get("/story/delhi-caps-1"))
        permalink = page.select_one(".story-tools a.permalink-link")["href"]
        assert permalink == "/story/delhi-caps-1"
        title = page.find("h1").get_text()
        # a full rebuild from a corpus that gained and lost stories keeps every other story's address
        (corpus / "undated-ferry.txt").unlink()
        shutil.copy(corpus / "delhi-caps-2.txt", corpus / "zz-new-story.txt")
        reindex(corpus, index)
        assert soup_of(client.get(permalink)).find("h1").get_text() == title
        assert client.get("/story/undated-ferry").status_code == 404
    finally:
        close_backend(app)


@pytest.mark.parametrize("name", ["agency", "place", "year"])
def test_facet_pages_exist_for_each_facet(research_client, name):
    assert research_client.get(f"/search/facet/{name}?q=government").status_code == 200
