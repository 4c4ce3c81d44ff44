"""HTML page in, Story out: headline, date, URL, encodings, junk, bad input, benchmark."""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
from pathlib import Path

import htmldate.extractors
import pytest

from bench.extract import load_aeb, score_texts, shared_data_dir
from indexer import dateguess, htmlmeta
from indexer.encoding import decode_html, read_page_bytes
from indexer.extract import extract_html, page_id
from indexer.limits import MAX_PAGE_BYTES
from indexer.story import BadStoryError

FIXTURES = Path(__file__).parent / "fixtures" / "html"

LEAD = "TOKYO, March 3 (Reuters) - A strong earthquake struck off the coast of northern Japan on Tuesday."
PARAGRAPHS = [
    "There were no immediate reports of damage or injuries, the broadcaster said, and no tsunami warning.",
    "The quake had a preliminary magnitude of 6.1 and struck at a depth of about 40 km, the agency said.",
    "Trains in the region were halted briefly for safety checks and resumed service within the hour.",
]


def page(
    head: str = "", before: str = "", after: str = "", *, h1: str = "Quake hits coast", lead: str = LEAD
) -> str:
    """A small news page: `head` in <head>, extra HTML around the article's paragraphs."""
    paragraphs = "\n".join(f"<p>{p}</p>" for p in [lead, *PARAGRAPHS])
    heading = f"<h1>{h1}</h1>" if h1 else ""
    return (
        f"<!DOCTYPE html><html><head>{head}</head><body>"
        '<nav><a href="/">Home</a> <a href="/world">World</a> <a href="/sport">Sport</a></nav>'
        f"<article>{heading}{before}{paragraphs}{after}</article>"
        "<footer>Copyright Daily Planet. All rights reserved.</footer></body></html>"
    )


def jsonld(data: str) -> str:
    return f'<script type="application/ld+json">{data}</script>'


def meta(key: str, value: str, attr: str = "name") -> str:
    return f'<meta {attr}="{key}" content="{value}">'


# --- headline --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("html", "title"),
    [
        # JSON-LD headline beats og:title and <h1>
        (
            page(
                jsonld('{"@type": "NewsArticle", "headline": "From JSON-LD"}')
                + meta("og:title", "From og", "property")
            ),
            "From JSON-LD",
        ),
        # JSON-LD in @graph, in a list, with a list of types
        (
            page(jsonld('{"@graph": [{"@type": "WebPage"}, {"@type": "Article", "headline": "In graph"}]}')),
            "In graph",
        ),
        (
            page(
                jsonld(
                    '[{"@type": "Organization"}, {"@type": ["ReportageNewsArticle"], "headline": "In list"}]'
                )
            ),
            "In list",
        ),
        # og:title, with the site name removed when it carries it
        (page(meta("og:title", "From og", "property")), "From og"),
        (
            page(
                meta("og:title", "Quake hits coast | Daily Planet", "property")
                + meta("og:site_name", "Daily Planet", "property")
            ),
            "Quake hits coast",
        ),
        # <h1> when there is no meta
        (page("<title>Ignored | Daily Planet</title>"), "Quake hits coast"),
        # <title> without the site name: by og:site_name, by host, by longest part
        (
            page(
                "<title>Dollar falls - Daily Planet</title>"
                + meta("og:site_name", "Daily Planet", "property"),
                h1="",
            ),
            "Dollar falls",
        ),
        (
            page(
                '<title>Reuters.com :: Dollar falls</title><link rel="canonical" href="https://www.reuters.com/x">',
                h1="",
            ),
            "Dollar falls",
        ),
        (page("<title>DP – Dollar falls against the yen</title>", h1=""), "Dollar falls against the yen"),
        # a dash inside the headline stays when the site part is known
        (
            page(
                "<title>Dollar - yen trade slows | Daily Planet</title>"
                + meta("og:site_name", "Daily Planet", "property"),
                h1="",
            ),
            "Dollar - yen trade slows",
        ),
        # nothing at all: wire derives it from the lead
        (page(h1=""), "A strong earthquake struck off the coast of northern Japan on Tuesday."),
        # golden case: og:title escaped twice by the CMS ("&amp;#8220;" in the source)
        (
            page(meta("og:title", "Lynn: &amp;#8220;We won this&amp;nbsp;game&amp;#8221;", "property")),
            "Lynn: \u201cWe won this game\u201d",
        ),
    ],
)
def test_headline(html: str, title: str) -> None:
    assert extract_html(html).title == title


@pytest.mark.parametrize(
    ("title", "sites", "h1", "expected"),
    [
        ("Quake hits coast | Daily Planet", ["Daily Planet"], "", "Quake hits coast"),
        ("Daily Planet | Quake hits coast", ["Daily Planet"], "", "Quake hits coast"),
        ("Quake hits coast - World - Daily Planet", ["Daily Planet"], "", "Quake hits coast - World"),
        ("Quake hits coast - World - The Planet", [], "Quake hits coast", "Quake hits coast"),
        ("Quake hits coast — BBC News", ["bbc.co.uk", "bbc"], "", "Quake hits coast"),
        ("Quake hits coast", ["Daily Planet"], "", "Quake hits coast"),
        # an <h1> that is only the site's logo does not become the headline
        ("Quake hits coast | Daily Planet", ["Daily Planet"], "Daily Planet", "Quake hits coast"),
    ],
)
def test_strip_site_name(title: str, sites: list[str], h1: str, expected: str) -> None:
    assert htmlmeta.strip_site_name(title, sites, h1) == expected


# --- date ------------------------------------------------------------------------------

FEB19 = dt.date(2024, 2, 19)


@pytest.mark.parametrize(
    ("html", "url", "date"),
    [
        (page(jsonld('{"@type": "NewsArticle", "datePublished": "2024-02-19T08:00:00+05:30"}')), None, FEB19),
        (page(jsonld('{"@graph": [{"@type": "NewsArticle", "datePublished": "2024-02-19"}]}')), None, FEB19),
        # hand-written JSON-LD with a trailing comma
        (
            page(jsonld('{"@type": "Article", "keywords": ["a", ], "datePublished": "2024-02-19"}')),
            None,
            FEB19,
        ),
        (page(meta("article:published_time", "2024-02-19T10:00:00Z", "property")), None, FEB19),
        (page(meta("og:article:published_time", "2024-02-19", "property")), None, FEB19),
        (page(meta("pubdate", "2024-02-19")), None, FEB19),
        (page(meta("publishdate", "20240219")), None, FEB19),
        (page(meta("date", "Mon, 19 Feb 2024 09:30:00 GMT")), None, FEB19),
        (page(meta("DC.date.issued", "2024-02-19")), None, FEB19),
        (page(meta("parsely-pub-date", "2024-02-19T04:00:00Z")), None, FEB19),
        (page(meta("sailthru.date", "2024-02-19 04:00:00")), None, FEB19),
        (page(meta("datePublished", "2024-02-19", "itemprop")), None, FEB19),
        (page(before='<span itemprop="datePublished">February 19, 2024</span>'), None, FEB19),
        (page(before='<time datetime="2024-02-19T09:00">Monday</time>'), None, FEB19),
        (page(before='<div class="article-publish-date">Published 19 Feb. 2024</div>'), None, FEB19),
        # the URL: given, canonical, with the month as a name, compact at the end of a slug
        (page(), "https://example.com/world/2024/02/19/quake-hits-coast/", FEB19),
        (page('<link rel="canonical" href="https://example.com/2024-02-19/quake">'), None, FEB19),
        (page(), "https://example.com/2024/feb/19/quake", FEB19),
        (page(), "https://example.com/news/quake-hits-coast-20240219/", FEB19),
        # the URL's calendar day beats a UTC timestamp a day later
        (
            page(meta("article:published_time", "2024-02-20T02:00:00Z", "property")),
            "https://example.com/2024/02/19/q",
            FEB19,
        ),
        # a placeholder date is no date; the dateline's year then gives it
        (
            page(
                meta("pubdate", "0001-01-01T00:00:00Z"),
                lead="WASHINGTON, Feb 19, 2024 (Reuters) - A vote was held today.",
            ),
            None,
            FEB19,
        ),
        # htmldate's guess from the page text, when nothing structured is there
        (page(before="<p class='x'>Posted on 2024-02-19 by staff</p>"), None, FEB19),
        # a dateline without a year gives no date
        (page(), None, None),
    ],
)
def test_date(html: str, url: str | None, date: dt.date | None) -> None:
    assert extract_html(html, url=url).date == date


# Text htmldate's own rules cannot read, so it asks dateparser (each string passes its gate).
DATEPARSER_TEXTS = [
    "19 फ़रवरी 2024",  # Hindi
    "19 февраля 2024 г.",  # Russian
    "19 de febrero de 2024",  # Spanish
    "Feb. 19th, 2024, 9:30 a.m. EST",
    "Mon 19 Feb 24",
    "Updated: 19-Feb.-2024",
    "Avg shrs 13.1 mln vs 13.0 mln",
]


@pytest.mark.parametrize("text", DATEPARSER_TEXTS)
def test_dateparser_locales_as_all(text: str) -> None:
    """Asking only the locales that name a month or day in the text finds what all 205 find."""
    from dateparser import DateDataParser

    every = DateDataParser(settings=dateguess.DATEPARSER_SETTINGS)
    want = every.get_date_data(text)["date_obj"]
    assert dateguess.NamedLocaleParser().get_date_data(text)["date_obj"] == want
    assert dateguess.date_locales(text)[0] == "en"


def test_free_text_date_in_another_script() -> None:
    # htmldate reaches dateparser through our parser (its own would try every locale)
    assert isinstance(htmldate.extractors.get_external_parser(), dateguess.NamedLocaleParser)
    html = page(before="<p class='x'>19 फ़रवरी 2024</p>", lead=PARAGRAPHS[0])
    assert extract_html(html).date == FEB19


@pytest.mark.parametrize(
    ("value", "date"),
    [
        ("2024-02-19T08:00:00+05:30", FEB19),
        ("2024/02/19", FEB19),
        ("20240219", FEB19),
        ("Mon, 19 Feb 2024 09:30:00 +0000", FEB19),
        ("February 19, 2024 9:30 AM", FEB19),
        ("19th Feb 2024", FEB19),
        ("2024-02-30", None),
        ("0001-01-01T00:00:00Z", None),
        ("Feb 19", None),  # no year: no guess from the clock
        ("1574168486", None),
        ("", None),
    ],
)
def test_parse_meta_date(value: str, date: dt.date | None) -> None:
    assert htmlmeta.parse_meta_date(value) == date


# --- URL and source --------------------------------------------------------------------

CANONICAL = '<link rel="canonical" href="https://example.com/canonical">'
OG_URL = meta("og:url", "https://example.com/og", "property")
SITE = meta("og:site_name", "Daily Planet", "property")


@pytest.mark.parametrize(
    ("head", "url", "expected_url", "source"),
    [
        (CANONICAL + OG_URL + SITE, "https://example.com/given", "https://example.com/given", "Daily Planet"),
        (CANONICAL + OG_URL, None, "https://example.com/canonical", "example.com"),
        (OG_URL, None, "https://example.com/og", "example.com"),
        ('<link rel="canonical" href="/relative">' + OG_URL, None, "https://example.com/og", "example.com"),
        ("", "https://www.dailyplanet.example/x", "https://www.dailyplanet.example/x", "dailyplanet.example"),
        ("", None, "", ""),
        ("", "http://[bad", "http://[bad", ""),  # malformed: kept as given, no host
    ],
)
def test_url_and_source(head: str, url: str | None, expected_url: str, source: str) -> None:
    story = extract_html(page(head), url=url)
    assert (story.url, story.source) == (expected_url, source)


def test_page_id_is_sha256_prefix_of_the_bytes() -> None:
    html = page()
    assert page_id(html.encode()) == hashlib.sha256(html.encode()).hexdigest()[:16]
    assert extract_html(html).id == extract_html(html.encode()).id == page_id(html.encode())


# --- encodings -------------------------------------------------------------------------

CAFE = ("Café prices hit record", "The café owners’ association said on Tuesday that prices rose to €4.20")
YEN = ("日銀、金融緩和を維持", "日本銀行は火曜日、金融政策決定会合で大規模な金融緩和策の維持を決めた")
CHINA = ("前两个月工业增长百分之七", "国家统计局星期二公布的数据显示")


@pytest.mark.parametrize(
    ("name", "title", "text"),
    [
        ("cp1252.html", *CAFE),
        ("latin1-label-cp1252-bytes.html", *CAFE),  # browsers read latin-1 as windows-1252
        ("latin1-label-utf8-bytes.html", *CAFE),  # mislabelled: the bytes are UTF-8
        ("utf8-bom.html", *CAFE),
        ("shift_jis.html", *YEN),
        ("undeclared-shift_jis.html", *YEN),  # no declaration: detected
        ("gb2312.html", *CHINA),
    ],
)
def test_encodings(name: str, title: str, text: str) -> None:
    story = extract_html((FIXTURES / name).read_bytes())
    assert story.title == title
    assert text in story.body
    assert "Ã" not in story.body and "\ufffd" not in story.body


@pytest.mark.parametrize(
    ("data", "text"),
    [
        ("<p>€ ’</p>".encode("utf-16-le"), None),  # no BOM: binary (NULs)
        (b"\xff\xfe" + "<p>€ ’</p>".encode("utf-16-le"), "<p>€ ’</p>"),
        (b'<meta charset="utf-8"><p>caf\xe9</p>', "<p>café</p>"),  # declared UTF-8, bytes cp1252
        (b'<meta charset="x-unknown"><p>caf\xc3\xa9</p>', '<meta charset="x-unknown"><p>café</p>'),
    ],
)
def test_decode_html(data: bytes, text: str | None) -> None:
    if text is None:
        with pytest.raises(BadStoryError, match="NUL"):
            extract_html(data)
    else:
        assert text in decode_html(data)


# --- page junk -------------------------------------------------------------------------

JUNK = (
    '<div class="cookie-banner">We use cookies to improve your experience. Accept all cookies</div>'
    '<div class="share"><a href="#">Share on Facebook</a> <a href="#">Tweet</a></div>'
    "<p>Advertisement</p>"
)
WIDGETS = (
    "<p>Comments</p>"
    "<h3>You may also like</h3>"
    "<p>Tell us what you think...</p>"
    "<p>Follow us on Twitter and Facebook for the latest news.</p>"
    "<p>Subscribe to our newsletter</p>"
)


@pytest.mark.parametrize(
    ("html", "gone"),
    [
        (page(before=JUNK), ["cookies", "Share on", "Tweet", "Advertisement"]),
        (page(after=WIDGETS), ["Comments", "You may also like", "Tell us", "Follow us", "Subscribe"]),
        (page(), ["Home", "World", "Sport", "Copyright", "Quake hits coast"]),
    ],
)
def test_junk_removed(html: str, gone: list[str]) -> None:
    story = extract_html(html)
    assert [word for word in gone if word in story.body] == []
    assert story.body.startswith("A strong earthquake")
    assert all(p in story.body for p in PARAGRAPHS)
    assert "\n\n".join(PARAGRAPHS) in story.body  # paragraphs separated by blank lines


def test_sentence_mentioning_advertisement_stays() -> None:
    sentence = (
        "The advertisement, which ran on national television for two weeks, was pulled after complaints."
    )
    assert sentence in extract_html(page(after=f"<p>{sentence}</p>")).body


def test_wire_metadata_is_read_from_the_body() -> None:
    story = extract_html(page(after="<p>The central bank will meet again next month. PTI ABC XYZ</p>"))
    assert (story.place, story.agency, story.slug) == ("Tokyo", "Reuters", "PTI ABC XYZ")
    assert story.body.endswith("next month.")


# --- bad input -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"  \n\t ", "empty"),
        ("", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "PNG"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "PDF"),
        (b"\x00\x01\x02\x03binary\x00junk", "NUL"),
        (gzip.compress(b"<html></html>"), "gzip"),
        (b"Just some plain text, no markup at all.", "no tags"),
        (b"<html><body><nav><a href='/'>Home</a></nav></body></html>", "no article text"),
        (b"<html><head><title>Only a title</title></head></html>", "no article text"),
        (b"<", "no tags"),
        (b"<html>", "no article text"),
        (b"<div>" * 100_000 + b"<p>deep</p>", "nested too deeply"),
        (b"<p>x</p>" + b" " * MAX_PAGE_BYTES, "limit"),
    ],
)
def test_bad_input(data: bytes | str, reason: str) -> None:
    with pytest.raises(BadStoryError, match=reason):
        extract_html(data)


def test_absurd_jsonld_is_ignored() -> None:
    assert extract_html(page(jsonld("[" * 100_000 + "]" * 100_000))).title == "Quake hits coast"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"<html>plain</html>", b"<html>plain</html>"),
        (gzip.compress(b"<html>zipped</html>"), b"<html>zipped</html>"),
    ],
)
def test_read_page_bytes(data: bytes, expected: bytes) -> None:
    assert read_page_bytes(data) == expected


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (gzip.compress(b"\x00" * 2_000_000), "larger than"),  # a small gzip bomb against a 1 MB cap
        (b"\x1f\x8b\x08\x00garbage", "corrupt gzip"),
    ],
)
def test_read_page_bytes_refuses(data: bytes, reason: str) -> None:
    with pytest.raises(BadStoryError, match=reason):
        read_page_bytes(data, limit=1_000_000)


# --- the shared article-extraction benchmark ---------------------------------------------

AEB = shared_data_dir() / "aeb"


@pytest.mark.skipif(
    not AEB.is_dir(), reason=f"shared benchmark data not found at {AEB} (set WIRE_SHARED_DATA)"
)
def test_aeb_benchmark() -> None:
    pages = load_aeb(AEB)
    pairs = [(extract_html(html, url=url).body, true) for _key, html, url, true in pages]
    _p, _r, f1 = score_texts(pairs)
    assert len(pairs) == 181
    assert f1 >= 0.95
