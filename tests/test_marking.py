"""indexer.marking and WhooshSearch.marked_paragraphs: the story page marks what snippets mark."""

import re

import pytest

from indexer.ingest import reindex
from indexer.marking import mark_paragraphs, merge_spans
from indexer.search import SearchRequest
from indexer.searching import WhooshSearch

MARK_RE = re.compile(r"<mark>(.*?)</mark>")


@pytest.mark.parametrize(
    "spans, merged",
    [
        ([(0, 7), (0, 5)], [(0, 7)]),  # INDUS-X and its part INDUS: one mark
        ([(8, 10), (0, 3)], [(0, 3), (8, 10)]),
        ([(0, 3), (3, 5)], [(0, 3), (3, 5)]),  # touching words stay two marks
        ([(2, 2)], []),
    ],
)
def test_merge_spans(spans, merged):
    assert merge_spans(spans) == merged


@pytest.mark.parametrize(
    "body, spans, paragraphs",
    [
        ("a <b> & c", [(6, 7)], ["a &lt;b&gt; <mark>&amp;</mark> c"]),
        (
            "one\ntwo\n\n  three  four ",
            [(4, 7), (11, 16)],
            ["one <mark>two</mark>", "<mark>three</mark> four"],
        ),
        ("<script>", [], ["&lt;script&gt;"]),
        ("\n\n", [], []),
    ],
)
def test_mark_paragraphs_escapes_around_the_spans(body, spans, paragraphs):
    assert mark_paragraphs(body, spans) == paragraphs


@pytest.fixture(scope="module")
def marking(tmp_path_factory):
    base = tmp_path_factory.mktemp("marking")
    (base / "corpus").mkdir()
    stories = {
        "summits": "Title: Summits\n\nSummit & summits.\n",
        "entity": "Title: Entities\n\na <b>amp</b> &amp; x\n",
        "elect": "Title: Votes\n\nelected, electoral\n\nThe INDUS-X summit met.\n",
    }
    for name, text in stories.items():
        (base / "corpus" / f"{name}.txt").write_text(text)
    reindex(base / "corpus", base / "index")
    backend = WhooshSearch(base / "index")
    yield backend
    backend.close()


@pytest.mark.parametrize(
    "story_id, q, paragraphs",
    [
        ("summits", "summit", ["<mark>Summit</mark> &amp; <mark>summits</mark>."]),
        ("entity", "amp", ["a &lt;b&gt;<mark>amp</mark>&lt;/b&gt; &amp;<mark>amp</mark>; x"]),
        ("elect", "elect*", ["<mark>elected</mark>, <mark>electoral</mark>", "The INDUS-X summit met."]),
        ("elect", "INDUS-X", ["elected, electoral", "The <mark>INDUS-X</mark> summit met."]),
        ("elect", "indus", ["elected, electoral", "The <mark>INDUS</mark>-X summit met."]),
        # in a phrase a compound is its parts, in the snippets too
        (
            "elect",
            '"INDUS-X summit"',
            ["elected, electoral", "The <mark>INDUS</mark>-X <mark>summit</mark> met."],
        ),
        ("elect", "title:summit", ["elected, electoral", "The INDUS-X summit met."]),  # not the body
        ("elect", "", ["elected, electoral", "The INDUS-X summit met."]),
    ],
)
def test_marked_paragraphs_use_the_index_analysis(marking, story_id, q, paragraphs):
    assert marking.marked_paragraphs(story_id, q) == paragraphs


def test_marked_paragraphs_agree_with_the_snippet(marking):
    [hit] = [h for h in marking.search(SearchRequest("INDUS-X summit")).hits if h.id == "elect"]
    page = " ".join(marking.marked_paragraphs(hit.id, "INDUS-X summit"))
    assert MARK_RE.findall(hit.snippet) == MARK_RE.findall(page) == ["INDUS-X", "summit"]


def test_marked_paragraphs_of_no_story(marking):
    assert marking.marked_paragraphs("nothing-here", "summit") is None
    assert marking.marked_paragraphs("_lexicon-1", "summit") is None
