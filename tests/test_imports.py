"""indexer.imports: Reuters-21578 SGML and JSON Lines archives, read as the corpus will see them."""

import datetime as dt
import json
import os
import re
from pathlib import Path

import pytest

from indexer.corpus import story_file_text
from indexer.imports import ImportProblem, ImportRecord, read_json_lines, read_reuters_sgml
from indexer.wire import parse_story

PROJECT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("WIRE_SHARED_DATA", PROJECT.parent / "shared" / "data"))
REUTERS = SHARED_DATA / "reuters21578"
CONTROL_CHARS_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
TRAILING_SIGNOFF_RE = re.compile(r"\breuters?\W*$", re.IGNORECASE)

needs_reuters = pytest.mark.skipif(
    not (REUTERS / "reut2-000.sgm").is_file(),
    reason=f"Reuters-21578 not found in {REUTERS} (set WIRE_SHARED_DATA to the shared data folder)",
)


def as_corpus_story(record: ImportRecord):
    """The story `wire import` writes for a record, read back as `wire reindex` reads it."""
    text = story_file_text(record.fields, record.body)
    return parse_story(text, path=f"{record.id}.txt")


@pytest.fixture(scope="module")
def reut2_000():
    return (REUTERS / "reut2-000.sgm").read_bytes().decode("latin-1")


@pytest.fixture(scope="module")
def reuters_records(reut2_000):
    return {r.id: r for r in read_reuters_sgml(reut2_000) if isinstance(r, ImportRecord)}


# --- Reuters-21578 ----------------------------------------------------------------------------


@needs_reuters
def test_reuters_newid_1_bahia_cocoa(reuters_records):
    record = reuters_records["reuters-1"]
    assert record.date == dt.date(1987, 2, 26)
    assert record.fields["title"] == "Bahia Cocoa Review"
    story = as_corpus_story(record)
    assert story.id == "reuters-1"
    assert story.title == "Bahia Cocoa Review"
    assert story.date == dt.date(1987, 2, 26)
    assert story.place == "Salvador"
    assert story.dateline == "SALVADOR, Feb 26 -"
    assert story.agency == "Reuters"  # from the "Reuter" sign-off
    assert story.slug == "Reuter"
    assert story.body.startswith("Showers continued throughout the week in the Bahia cocoa zone")
    assert story.body.endswith("after carnival which ends midday on February 27.")
    assert not CONTROL_CHARS_RE.search(story.body)


@needs_reuters
def test_reuters_file_parses_without_errors(reut2_000):
    items = list(read_reuters_sgml(reut2_000))
    assert len(items) == 1000
    assert [i for i in items if isinstance(i, ImportProblem)] == []
    stories = [as_corpus_story(i) for i in items]
    assert len({s.id for s in stories}) == 1000
    assert all(s.title and s.body and s.date for s in stories)
    assert [s.id for s in stories if CONTROL_CHARS_RE.search(s.title + s.body)] == []


@needs_reuters
def test_reuters_signoff_leaves_no_trailing_reuter(reut2_000):
    stories = [as_corpus_story(i) for i in read_reuters_sgml(reut2_000)]
    left = {s.id: s.body[-30:] for s in stories if TRAILING_SIGNOFF_RE.search(s.body)}
    assert left == {}


@needs_reuters
@pytest.mark.parametrize(
    "newid, tail",
    [
        # lower-case sign-off
        ("72", "the Defense Logistics Agency said."),
        # sign-off with trailing dots
        ("304", "would be made as soon as possible."),
    ],
)
def test_reuters_signoff_variants_name_the_agency(reuters_records, newid, tail):
    story = as_corpus_story(reuters_records[f"reuters-{newid}"])
    assert story.body.endswith(tail)
    assert story.agency == "Reuters"


@needs_reuters
def test_reuters_brief_yields_headline_story(reuters_records):
    # NEWID 30 is a brief: <TEXT TYPE="BRIEF"> with a title and "Blah blah blah."
    story = as_corpus_story(reuters_records["reuters-30"])
    assert story.title == "Assets Of Money Market Mutual Funds Rose 720.4 Mln Dlrs In Latest Week"
    assert story.date == dt.date(1987, 2, 26)
    assert "MONEY MARKET MUTUAL FUNDS" in story.body.upper()
    assert "Blah blah blah" not in story.body
    assert "*" not in story.body


@needs_reuters
def test_reuters_unprocessed_table_keeps_its_headline(reuters_records):
    # NEWIDs 102 and 103 are <TEXT TYPE="UNPROC"> tables without <TITLE>: the headline is
    # the first line; the page parser alone took each table's caption line as the title
    titles = {n: as_corpus_story(reuters_records[f"reuters-{n}"]).title for n in (102, 103)}
    assert titles == {
        102: "Federal Reserve Weekly Report 3 - Feb 26",
        103: "Federal Reserve Weekly Report 4 - Feb 26",
    }
    story = as_corpus_story(reuters_records["reuters-102"])
    assert "Govts bought outright" in story.body


def test_reuters_unprocessed_headline_is_the_first_line():
    def record(text: str) -> ImportRecord:
        sgml = f'<REUTERS NEWID="9"><DATE>7-APR-1987</DATE><TEXT TYPE="UNPROC">&#2;\n{text}</TEXT></REUTERS>'
        (item,) = read_reuters_sgml(sgml)
        assert isinstance(item, ImportRecord)
        return item

    table = record("NYMEX PALLADIUM CLSG 7-APR\n    OPEN    HIGH   LOW\n JUN7  13050  13125  13000\n&#3;")
    assert table.fields["title"] == "Nymex Palladium Clsg 7-Apr"
    assert "PALLADIUM" not in table.body and "OPEN" in table.body
    assert as_corpus_story(table).title == "Nymex Palladium Clsg 7-Apr"
    # a brief whose headline wraps onto a second line is all headline: nothing is split off
    brief = record("USX, 75,000 AT 49-5/8, UP 3/8, CROSSED\nBY FIRST BOSTON\n&#3;")
    assert brief.fields["title"] == ""
    assert brief.body == "USX, 75,000 AT 49-5/8, UP 3/8, CROSSED BY FIRST BOSTON"


def test_reuters_sgml_minimal():
    sgml = (
        '<REUTERS TOPICS="YES" NEWID="7">\n<DATE>26-FEB-1987 15:01:01.79</DATE>\n'
        "<TEXT>&#2;\n<TITLE>COCOA &lt;CCO> PRICES RISE</TITLE>\n"
        "<DATELINE>    LONDON, Feb 26 - </DATELINE><BODY>Cocoa prices rose\n"
        "on Thursday, dealers said.\n    Trade was thin.\n Reuter\n&#3;</BODY></TEXT>\n</REUTERS>\n"
        '<REUTERS NEWID="8"><DATE>26-FEB-1987</DATE><TEXT></TEXT></REUTERS>\n'
        "<REUTERS><TEXT><BODY>no id</BODY></TEXT></REUTERS>"
    )
    record, empty, no_id = list(read_reuters_sgml(sgml))
    assert record == ImportRecord(
        "reuters-7",
        dt.date(1987, 2, 26),
        {"title": "Cocoa <Cco> Prices Rise", "source": "Reuters-21578", "date": "1987-02-26"},
        "LONDON, Feb 26 - Cocoa prices rose on Thursday, dealers said.\n\nTrade was thin.\n\nReuter",
    )
    assert empty == ImportProblem("NEWID 8", "no title and no text")
    assert no_id == ImportProblem("<REUTERS>", "no NEWID attribute")


# --- JSON Lines ------------------------------------------------------------------------------------


def test_json_lines_good_record():
    line = json.dumps(
        {
            "id": "pti/2024/abc 1",
            "title": "India, US  to hold\nsummit",
            "date": "2024-02-19T10:00:00+05:30",
            "url": "https://example.com/a",
            "body": "New Delhi, Feb 19 (PTI) India and the US will talk. PTI ABC",
        }
    )
    [record] = read_json_lines([line], where="feed.jsonl")
    assert record == ImportRecord(
        "pti-2024-abc-1",
        dt.date(2024, 2, 19),
        {
            "title": "India, US to hold summit",
            "url": "https://example.com/a",
            "date": "2024-02-19",
        },
        "New Delhi, Feb 19 (PTI) India and the US will talk. PTI ABC",
    )


def test_json_lines_text_key_and_content_id():
    lines = [json.dumps({"text": "Some story text.", "published": "2024-03-07"})] * 2
    first, second = read_json_lines(lines)
    assert first.body == "Some story text."
    assert first.date == dt.date(2024, 3, 7)
    assert re.fullmatch(r"[0-9a-f]{16}", first.id)
    assert first.id == second.id  # same content, same id: imports stay idempotent


@pytest.mark.parametrize(
    "line, reason",
    [
        ('{"title": "x", "body": "unterminated', "not JSON (Unterminated string"),
        ("not json at all", "not JSON (Expecting value)"),
        ('["a", "list"]', "not a JSON object"),
        ('{"title": "No body"}', "no body or text"),
        ('{"title": "Blank body", "body": "   "}', "no body or text"),
        ('{"title": "Numeric body", "body": 42}', "no body or text"),
    ],
)
def test_json_lines_problem(line, reason):
    good = json.dumps({"body": "A good story."})
    items = list(read_json_lines([good, "", line], where="feed.jsonl"))
    assert isinstance(items[0], ImportRecord)
    [problem] = items[1:]
    assert problem.where == "feed.jsonl:3"
    assert problem.reason.startswith(reason)
