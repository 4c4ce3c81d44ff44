"""Export: CSV and JSON Lines rows (pure), streaming and the cap, `wire export`, /export."""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import json
import os
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from indexer.cli import cli
from indexer.export import (
    BODY_COLUMN,
    EXPORT_COLUMNS,
    EXPORT_LIMIT,
    UTF8_BOM,
    ExportError,
    ExportReport,
    atomic_text_file,
    csv_line,
    export_lines,
    export_row,
    neutralise_cell,
    plain_snippet,
)
from indexer.ingest import reindex
from indexer.search import Hit, SearchRequest
from indexer.searching import WhooshSearch


def make_hit(i: int, **changes: object) -> Hit:
    fields: dict = dict(
        id=f"story-{i}",
        path=f"story-{i}.txt",
        title=f"Headline number {i}",
        date=dt.date(2024, 1, 1) + dt.timedelta(days=i % 300),
        agency="PTI",
        place="New Delhi",
        url=f"https://news.example.com/{i}",
        score=1.0,
        snippet=f"the <mark>government</mark> said &amp; story {i}",
        byline="By A Writer",
        source="example.com",
    )
    fields.update(changes)
    return Hit(**fields)


def endless_hits() -> Iterator[Hit]:
    """More hits than any export takes: an export that built a list would never end."""
    for i in itertools.count():
        yield make_hit(i)


def read_csv(text: str) -> list[dict[str, str]]:
    assert text.startswith(UTF8_BOM)
    return list(csv.DictReader(io.StringIO(text[len(UTF8_BOM) :], newline="")))


# --- rows and cells -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "safe"),
    [
        ("=1+2", "'=1+2"),
        ('=HYPERLINK("http://evil.example/","x")', '\'=HYPERLINK("http://evil.example/","x")'),
        ("+91 22 5555", "'+91 22 5555"),
        ("-5% fall", "'-5% fall"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\tindented", "'\tindented"),
        ("\rreturn", "'\rreturn"),
        ("plain words", "plain words"),
        ("a=b", "a=b"),  # only the first character matters
        ("", ""),
        (3, 3),  # numbers are numbers
        (None, None),
    ],
)
def test_neutralise_cell(cell, safe):
    assert neutralise_cell(cell) == safe


def test_export_row_columns_and_defaults():
    row = export_row(make_hit(7))
    assert tuple(row) == EXPORT_COLUMNS
    assert row["date"] == "2024-01-08" and row["source"] == "example.com" and row["byline"] == "By A Writer"
    # without syndication clusters a story is its own cluster of one copy
    assert (row["cluster"], row["copies"]) == ("story-7", 1)
    assert row["snippet"] == "the government said & story 7"
    assert export_row(make_hit(1, date=None))["date"] is None
    assert export_row(make_hit(1, body="text"), body=True)[BODY_COLUMN] == "text"
    assert tuple(export_row(make_hit(1), body=True)) == (*EXPORT_COLUMNS, BODY_COLUMN)


def test_plain_snippet():
    assert plain_snippet("<mark>a</mark> &lt;b&gt; &amp; <mark>c</mark>") == "a <b> & c"


def test_csv_line_quotes_and_neutralises():
    line = csv_line(["=x", 'say "hi"', "two\nlines", None, 5])
    assert line == '\'=x,"say ""hi""","two\nlines",,5\r\n'


def test_csv_export_parses_back():
    hits = [make_hit(1), make_hit(2, title="-minus, comma", place="", date=None), make_hit(3, byline="")]
    text = "".join(export_lines(hits, "csv"))
    rows = read_csv(text)
    assert [r["id"] for r in rows] == ["story-1", "story-2", "story-3"]
    assert list(rows[0]) == list(EXPORT_COLUMNS)
    assert rows[1]["title"] == "'-minus, comma" and rows[1]["date"] == "" and rows[1]["place"] == ""
    assert rows[0]["copies"] == "1" and rows[0]["snippet"] == "the government said & story 1"


def test_jsonl_export_is_one_object_per_line():
    hits = [make_hit(1, body="story-1 text"), make_hit(2, date=None)]
    lines = list(export_lines(hits, "jsonl", body=True))
    rows = [json.loads(line) for line in lines]
    assert all(line.endswith("\n") and line.count("\n") == 1 for line in lines)
    assert [r["id"] for r in rows] == ["story-1", "story-2"]
    assert rows[1]["date"] is None and rows[0]["copies"] == 1 and rows[0][BODY_COLUMN] == "story-1 text"
    assert rows[0]["title"] == "Headline number 1"  # JSON is not neutralised: no spreadsheet runs it


def test_unknown_format_is_an_error():
    with pytest.raises(ExportError, match="csv, jsonl"):
        list(export_lines([], "xlsx"))


# --- streaming and the cap ------------------------------------------------------------------------


def test_export_starts_at_once_from_an_endless_source():
    chunks = export_lines(endless_hits(), "csv", limit=EXPORT_LIMIT)
    header, first = next(chunks), next(chunks)
    assert header == UTF8_BOM + csv_line(EXPORT_COLUMNS)
    assert first.startswith("story-0,2024-01-01,PTI,New Delhi,")


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_export_stops_at_the_cap_and_says_so(fmt):
    report = ExportReport()
    lines = list(export_lines(endless_hits(), fmt, limit=EXPORT_LIMIT, report=report))
    assert (report.rows, report.truncated) == (EXPORT_LIMIT, True)
    assert len(lines) == EXPORT_LIMIT + (2 if fmt == "csv" else 1)
    assert "export limit reached: these are the first 100,000 rows" in lines[-1]
    assert lines[-2].startswith("story-99999" if fmt == "csv" else '{"id": "story-99999"')


def test_no_cap_line_when_everything_fits():
    report = ExportReport()
    lines = list(export_lines(map(make_hit, range(5)), "jsonl", limit=5, report=report))
    assert (len(lines), report.rows, report.truncated) == (5, 5, False)


def test_export_memory_stays_bounded():
    """100,000 rows of about 160 bytes (16 MB) go through; the peak stays at a few rows."""
    tracemalloc.start()
    try:
        written = sum(len(chunk) for chunk in export_lines(endless_hits(), "csv", limit=EXPORT_LIMIT))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert written > 15_000_000
    assert peak < 1_000_000


# --- atomic files -----------------------------------------------------------------------------------


def test_atomic_file_appears_complete_or_not_at_all(tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("the old export\n")

    def failing() -> Iterator[Hit]:
        yield make_hit(1)
        raise RuntimeError("disk went away")

    with pytest.raises(RuntimeError), atomic_text_file(target) as out:
        for chunk in export_lines(failing(), "csv"):
            out.write(chunk)
    assert target.read_text() == "the old export\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]  # no temporary left
    with atomic_text_file(target) as out:
        out.write("new\r\n")
    assert target.read_bytes() == b"new\r\n"  # CRLF kept as written
    assert target.stat().st_mode & 0o777 == 0o666 & ~_umask()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# --- wire export -------------------------------------------------------------------------------------


@pytest.fixture
def backend(research_index):
    b = WhooshSearch(research_index)
    yield b
    b.close()


def run(*args: str) -> object:
    result = CliRunner().invoke(cli, ["export", *args])
    assert result.exit_code == 0, result.output
    return result


def test_cli_export_csv_to_file(research_index, tmp_path, backend):
    out = tmp_path / "government.csv"
    result = run("--index", str(research_index), "--sort", "newest", "-o", str(out), "government")
    total = backend.search(SearchRequest("government")).total
    assert result.stderr == f"exported {total} rows to {out}\n"
    rows = read_csv(out.read_text(encoding="utf-8"))
    expected = list(backend.iter_hits(SearchRequest("government", sort="newest"), 1000))
    assert [r["id"] for r in rows] == [h.id for h in expected]
    dates = [r["date"] for r in rows if r["date"]]
    assert dates == sorted(dates, reverse=True)
    titles = {r["id"]: r["title"] for r in rows}
    assert titles["formula-hyperlink"].startswith("'=HYPERLINK(")
    assert titles["formula-minus"] == "'-5% fall in government bond sales"


def test_cli_export_jsonl_with_body_to_stdout(research_index, backend):
    result = run("--index", str(research_index), "--format", "jsonl", "--body", "monsoon")
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == backend.search(SearchRequest("monsoon")).total
    assert set(rows[0]) == {*EXPORT_COLUMNS, BODY_COLUMN}
    for row in rows:
        assert row[BODY_COLUMN] == backend.get_story(row["id"]).body


def test_cli_export_without_query_is_every_story(research_index, backend):
    result = run("--index", str(research_index), "--format", "jsonl", "--all-copies")
    ids = [json.loads(line)["id"] for line in result.stdout.splitlines()]
    assert len(ids) == len(set(ids)) == backend.stats().stories
    assert not any(i.startswith("_lexicon") for i in ids)


def test_cli_export_errors_are_one_line(tmp_path):
    missing = CliRunner().invoke(cli, ["export", "--index", str(tmp_path / "none"), "x"])
    assert missing.exit_code == 1 and missing.output.startswith("Error: no index in")
    bad = CliRunner().invoke(cli, ["export", "--format", "xlsx", "x"])
    assert bad.exit_code == 2 and "'xlsx' is not one of 'csv', 'jsonl'" in bad.output


def test_cli_export_to_a_missing_folder_is_one_line(research_index, tmp_path):
    args = ["export", "--index", str(research_index), "-o", str(tmp_path / "no" / "such.csv"), "x"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1
    assert result.output == f"Error: no such folder: {tmp_path / 'no'}\n"


# --- /export ---------------------------------------------------------------------------------------


def test_web_csv_export_matches_jsonl_and_api(research_client):
    query = "q=government&sort=newest&agency=PTI"
    response = research_client.get(f"/export?{query}&format=csv")
    assert response.status_code == 200 and response.is_streamed
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == 'attachment; filename="wire-government.csv"'
    assert response.headers["X-Export-Limit"] == str(EXPORT_LIMIT)
    rows = read_csv(response.get_data(as_text=True))
    jsonl = research_client.get(f"/export?{query}&format=jsonl")
    assert jsonl.mimetype == "application/x-ndjson"
    objects = [json.loads(line) for line in jsonl.get_data(as_text=True).splitlines()]
    as_text = [{k: "" if v is None else str(v) for k, v in o.items()} for o in objects]
    assert rows == as_text
    api = research_client.get(f"/api/search?{query}&pagelen=100").get_json()
    assert [r["id"] for r in rows] == [h["id"] for h in api["results"]]
    assert len(rows) == api["total"]
    for row, hit in zip(rows, api["results"], strict=True):
        assert (row["title"], row["agency"], row["place"]) == (hit["title"], hit["agency"], hit["place"])
        assert row["snippet"] == plain_snippet(hit["snippet"])


def test_web_export_all_pages_and_body(research_client):
    api = research_client.get("/api/search?q=government&pagelen=5").get_json()
    assert api["pages"] > 1
    response = research_client.get("/export?q=government&format=jsonl&body=1&page=3")
    rows = [json.loads(line) for line in response.get_data(as_text=True).splitlines()]
    assert len(rows) == api["total"]  # every page, whatever page it was asked from
    assert all(row[BODY_COLUMN] for row in rows)


def test_web_export_without_query_is_every_story(research_client):
    response = research_client.get("/export?format=jsonl")
    stories = [json.loads(line) for line in response.get_data(as_text=True).splitlines()]
    assert len(stories) == len({s["id"] for s in stories}) > 40


@pytest.mark.parametrize(
    "args",
    ["q=x&format=xlsx", "q=x&body=maybe", "q=x&from=2024-02-30", "q=x&sort=best", "q=x&collapse=perhaps"],
)
def test_web_export_bad_input_is_400(research_client, args):
    response = research_client.get("/export?" + args)
    assert response.status_code == 400
    assert "Cannot search for that" in response.get_data(as_text=True)


def test_web_export_body_memory_is_bounded(tmp_path):
    """An export of long stories streams: the peak while sending is far below their size."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    # long but cheap to index: few, long tokens
    filler = " ".join(f"{n:03d}" + "x" * 96 for n in range(80))
    for i in range(250):  # more than one highlighting batch
        body = f"The harbour strike went on.\n\n{filler}\n\nDockers at the harbour voted.\n\n{filler}"
        (corpus / f"long-{i:03d}.txt").write_text(f"Title: Long story {i}\nDate: 2024-01-02\n\n{body}\n")
    reindex(corpus, tmp_path / "index")
    from webui import create_app
    from webui.backend import close_backend

    app = create_app({"TESTING": True, "INDEX": str(tmp_path / "index")})
    client = app.test_client()
    client.get("/search?q=harbour")  # open the index before measuring
    tracemalloc.start()
    try:
        # 250 copies of one text are one syndicated story: ask for every copy
        response = client.get("/export?q=harbour&format=jsonl&body=1&collapse=false", buffered=False)
        assert response.is_streamed
        sent = sum(len(chunk) for chunk in response.iter_encoded())
        response.close()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        close_backend(app)
    assert sent > 4_000_000
    assert peak < sent / 4


def test_export_form_on_results_page(research_client):
    from bs4 import BeautifulSoup

    page = research_client.get("/search?q=government&agency=PTI&from=2023-01-01")
    soup = BeautifulSoup(page.data, "html.parser")
    form = soup.select_one("form.export-form")
    assert form["action"] == "/export" and form["method"] == "get"
    fields = {i["name"]: i.get("value") for i in form.select("input[type=hidden]")}
    assert fields == {"q": "government", "agency": "PTI", "from": "2023-01-01"}
    assert [b["value"] for b in form.select("button[name=format]")] == ["csv", "jsonl"]
    assert form.select_one("input[type=checkbox][name=body]")["value"] == "1"


def test_export_row_of_a_real_hit(backend):
    [hit] = [h for h in backend.iter_hits(SearchRequest("INDUS-X"), 10) if h.id == "000_622617eaaf54721c"]
    row = export_row(hit)
    assert (row["date"], row["agency"], row["place"]) == ("2024-02-19", "PTI", "New Delhi")
    assert "INDUS-X" in row["snippet"] and "<mark>" not in row["snippet"]


def test_cli_export_path_is_documented():
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    assert "wire export" in readme and "100,000" in readme
