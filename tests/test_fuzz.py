"""Property-based fuzzing of the readers of untrusted input (issue 11).

Inputs are built from the pieces real input is made of (header lines, datelines,
sign-offs, tags, charsets, JSON values, query syntax) mixed with arbitrary text, so
the examples reach deep into each reader. Promises: no exception but the
documented one (BadStoryError, SearchError) escapes, and each input is handled
within its deadline. Deterministic by default (CI reruns the same examples);
HYPOTHESIS_PROFILE=explore draws new ones, ten times as many.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indexer.corpus import story_file_text
from indexer.extract import extract_html
from indexer.imports import ImportProblem, ImportRecord, read_json_lines
from indexer.index import open_index
from indexer.queries import make_parser, parse_query
from indexer.search import SearchError, SearchRequest, SearchResults
from indexer.searching import WhooshSearch
from indexer.story import BadStoryError, Story
from indexer.wire import parse_header, parse_story

settings.register_profile(
    "ci", max_examples=200, derandomize=True, database=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "explore", max_examples=2000, database=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("ci")

# --- story text --------------------------------------------------------------------------------

STORY_PIECES = st.sampled_from(
    [
        "Title: ",
        "Headline: ",
        "Date: ",
        "Date: 2024-02-19",
        "Date: 31/02/2024",
        "Date: 99999-99-99",
        "Agency: PTI",
        "Agency: ",
        "Place: New Delhi",
        "Url: https://example.com/2024/02/19/story.html",
        "Raw: ../../../elsewhere/page.html.gz",
        "Slug: PTI MPB",
        "Source: ",
        " date 2024-02-19",
        "New Delhi, Feb 19 (PTI) ",
        "NEW YORK, March 3 - ",
        "LONDON (Reuters) - ",
        "Mumbai, Feb 30 (IANS) ",
        "Advertisment",
        "Advertisement",
        "PTI MPB KVK KVK",
        "Reuter",
        "By Sajjad Hussain",
        "\n",
        "\n\n",
        "\r",
        "\r\n",
        "\ufeff",
        "\u2028",
        "\x0c",
        "\x00",
        "\ud800",
        "  ",
        ":",
        "(",
        ")",
    ]
)


def texts(pieces: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.lists(st.one_of(pieces, st.text(max_size=30)), max_size=40).map("".join)


@settings(deadline=2000)
@given(text=texts(STORY_PIECES), path=st.sampled_from([None, "2024/02/19/a.txt", "x.txt", "", "../..//.txt"]))
def test_parse_story_only_raises_bad_story(text: str, path: str | None) -> None:
    try:
        story = parse_story(text, path=path)
    except BadStoryError as e:
        assert str(e)
        return
    assert isinstance(story, Story) and story.id and story.body.strip()
    assert story.date is None or isinstance(story.date, dt.date)


# --- HTML ------------------------------------------------------------------------------------

TAGS = [
    "html",
    "head",
    "body",
    "article",
    "main",
    "div",
    "p",
    "h1",
    "span",
    "a",
    "script",
    "style",
    "time",
    "li",
]
ATTRS = st.sampled_from(
    [
        "",
        ' class="article-body"',
        ' id="content"',
        ' datetime="2024-02-19T10:00:00Z"',
        ' datetime="garbage"',
        ' type="application/ld+json"',
        ' href="javascript:alert(1)"',
        ' property="og:title" content="A headline"',
        ' name="article:published_time" content="2024-13-45"',
        ' charset="utf-8"',
        ' charset="x-unknown-charset"',
        ' http-equiv="Content-Type" content="text/html; charset=shift_jis"',
    ]
)
HTML_PIECES = st.one_of(
    st.builds(lambda t, a: f"<{t}{a}>", st.sampled_from(TAGS + ["meta", "br", "img"]), ATTRS),
    st.builds(lambda t: f"</{t}>", st.sampled_from(TAGS)),
    st.sampled_from(
        [
            "<!doctype html>",
            "<!-- a comment",
            "-->",
            "<![CDATA[",
            "]]>",
            "&amp;",
            "&#0;",
            "&#xD800;",
            "&#99999999;",
            "&nbsp;",
            '{"@type": "NewsArticle", "headline": "H", "datePublished": "2024-02-19"}',
            "New Delhi, Feb 19 (PTI) The ministry said on Monday that talks would go on. ",
            "Advertisment",
            "\r",
            "\x00",
            "\ufeff",
        ]
    ),
    st.text(max_size=40),
)
ENCODINGS = st.sampled_from(["utf-8", "latin-1", "utf-16", "cp1252", "shift_jis", None])


SENTENCES = st.sampled_from(
    [
        "New Delhi, Feb 19 (PTI) India and the US will explore ways to bolster their strategic "
        "cooperation at a two-day summit beginning on Tuesday, officials said.",
        "The ministry said in a statement that the talks would cover trade, defence and technology, "
        "and that both sides hoped to sign several agreements.",
        "LONDON (Reuters) - Oil prices rose on Monday as traders bet that producers would keep output "
        "tight through the summer months.",
        "Shares closed higher for a third session as banking stocks gained, with foreign investors "
        "buying again after weeks of selling.",
        "Advertisment",
        "Also read: the ten best phones of the year",
    ]
)


@st.composite
def pages(draw: st.DrawFn) -> bytes | str:
    """A page: mostly an article skeleton with news sentences, noise pieces anywhere."""
    noise = st.lists(HTML_PIECES, max_size=4).map("".join)
    head = draw(noise)
    paras = draw(st.lists(st.tuples(SENTENCES, noise), max_size=8))
    body = "".join(f"<p>{sentence} {extra}</p>" for sentence, extra in paras) + draw(noise)
    if draw(st.booleans()):
        html = f"<html><head>{head}</head><body><article>{body}</article></body></html>"
    else:
        html = head + body
    encoding = draw(ENCODINGS)
    if encoding is None:
        return html
    data = html.encode(encoding, errors="replace")
    if draw(st.booleans()):  # a stray byte or a cut multi-byte sequence
        data = data[: draw(st.integers(0, len(data)))] + draw(st.binary(max_size=4))
    return data


@settings(deadline=5000, max_examples=150)
@given(
    html=st.one_of(pages(), st.binary(max_size=200)),
    url=st.sampled_from(
        [None, "https://example.com/2024/02/19/x.html", "javascript:alert(1)", "http://[::1"]
    ),
)
def test_extract_html_only_raises_bad_story(html: bytes | str, url: str | None) -> None:
    try:
        story = extract_html(html, url=url)
    except BadStoryError as e:
        assert str(e)
        return
    assert isinstance(story, Story) and story.body.strip()


# --- JSON Lines --------------------------------------------------------------------------------

JSON_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=30), STORY_PIECES
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
)
KEYS = st.sampled_from(
    ["title", "body", "text", "content", "url", "date", "published", "id", "agency", "place"]
)
RECORDS = st.dictionaries(KEYS, st.one_of(JSON_VALUES, texts(STORY_PIECES)), max_size=6).map(json.dumps)
RAW_LINES = st.sampled_from(
    [
        r'{"title": "Lone \ud800", "body": "Body \ud800 text"}',
        r'{"body": "\udfff\ud800 reversed", "id": "\ud800"}',
        '{"body": "Raw: ../../../elsewhere/page.html.gz\\n\\ntext"}',
        '{"body": 5}',
        '{"body": "x", "date": "9999-99-99"}',
        "[1, 2]",
        '"a string"',
        "{",
        "NaN",
        "",
        "   ",
        "\x00",
    ]
)
LINES = st.lists(st.one_of(RECORDS, RAW_LINES, st.text(max_size=40)), max_size=8)
SAFE_ID_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")


@settings(deadline=2000)
@given(lines=LINES)
def test_read_json_lines_never_raises(lines: list[str]) -> None:
    for item in read_json_lines(lines, where="fuzz.jsonl"):
        assert isinstance(item, ImportRecord | ImportProblem)
        if isinstance(item, ImportProblem):
            assert item.reason
            continue
        assert SAFE_ID_RE.fullmatch(item.id), item.id
        text = story_file_text(item.fields, item.body)
        try:
            parse_story(text, path=f"undated/{item.id[:2]}/{item.id}.txt")
        except BadStoryError:
            pass


@settings(deadline=2000)
@given(lines=LINES)
def test_an_imported_body_never_becomes_a_header(lines: list[str]) -> None:
    """The corpus file of a record reads back with the record's own fields only, so
    a body line such as `Raw: ../../x` can never name a file to read."""
    for item in read_json_lines(lines, where="fuzz.jsonl"):
        if isinstance(item, ImportRecord):
            fields, _ = parse_header(story_file_text(item.fields, item.body))
            assert set(fields) <= set(item.fields), (fields, item.fields)


# --- queries ---------------------------------------------------------------------------------

QUERY_PIECES = st.sampled_from(
    [
        "oil",
        "government",
        "monsoon",
        "INDUS-X",
        "defen*",
        "a*",
        "*",
        "?",
        '"',
        '"defence innovation"',
        "(",
        ")",
        "[",
        "]",
        "{",
        "}",
        " TO ",
        " AND ",
        " OR ",
        " NOT ",
        " ANDNOT ",
        "title:",
        "body:",
        "date:",
        "agency:",
        "place:",
        "year:",
        "unknown:",
        "date:[* TO *]",
        "date:[a TO b]",
        "date:2024-02",
        "date:>2024",
        "date:<=",
        "^2",
        "~",
        "~2",
        "\\",
        "/",
        "Mergers/Acquisitions",
        "-",
        "+",
        "!",
        " ",
        "\x00",
        "\ud800",
    ]
)
QUERIES = st.lists(st.one_of(QUERY_PIECES, st.text(max_size=15)), min_size=1, max_size=12).map("".join)


@settings(deadline=3000)
@given(q=QUERIES)
def test_parse_query_never_raises(index_dir: Path, q: str) -> None:
    ix = open_index(index_dir)
    try:
        parsed, notice = parse_query(make_parser(ix.schema), q)
    finally:
        ix.close()
    assert parsed is not None and (notice is None or notice)


@settings(deadline=3000)
@given(q=QUERIES, sort=st.sampled_from(["relevance", "newest", "oldest"]), page=st.integers(1, 3))
def test_search_only_raises_search_error(index_dir: Path, q: str, sort: str, page: int) -> None:
    backend = WhooshSearch(index_dir)
    try:
        results = backend.search(SearchRequest(q, page=page, sort=sort, facets=True, spelling=True))
    except SearchError as e:
        assert str(e)
        return
    finally:
        backend.close()
    assert isinstance(results, SearchResults) and results.total >= len(results.hits)
