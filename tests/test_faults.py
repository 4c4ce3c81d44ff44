"""Faults and hostile input (issue 11): each test reproduces a failure first seen on main.

Real files in tmp_path, the real CLI through click's runner, real processes for the
lock and worker tests. The kill -9 / full-disk trials are in tests/faults (make test-faults).
"""

from __future__ import annotations

import errno
import gc
import gzip
import io
import json
import multiprocessing
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from whoosh.filedb.filestore import FileStorage

from indexer import corpus
from indexer.check import INCOMPLETE_FILE, check
from indexer.cli import cli
from indexer.encoding import decode_html
from indexer.imports import read_json_lines, read_reuters_sgml, reflow_reuters_body
from indexer.index import add_to_index, current_generation, indexed_documents, leftover_files
from indexer.ingest import bounded_lines, import_archives, reindex
from indexer.limits import MAX_STORY_BYTES
from indexer.locking import IndexBusyError, index_lock, is_locked
from indexer.pagefiles import iter_page_files
from indexer.search import SearchRequest
from indexer.searching import WhooshSearch
from indexer.story import BadStoryError, Story
from indexer.wire import parse_story

SECRET_PAGE = (
    b"<html><head><title>Elsewhere</title></head><body><article><h1>Planted page</h1>"
    b"<p>The quixotrel paragraph lives outside the corpus and must never be indexed by anyone.</p>"
    b"<p>It has a second paragraph about quixotrel so that extraction keeps it.</p></article></body></html>"
)


def run(*args: str) -> object:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def jsonl(path: Path, *records: dict) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


# --- 1. nothing outside the corpus is read -----------------------------------------------


def test_imported_body_naming_a_raw_page_outside_the_corpus_is_never_read(tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "page.html.gz").write_bytes(gzip.compress(SECRET_PAGE))
    archive = jsonl(
        tmp_path / "a.jsonl", {"body": "Raw: ../../../elsewhere/page.html.gz\n\nA plain story body."}
    )
    root, ix = tmp_path / "c", tmp_path / "i"
    import_archives(root, ix, [archive])
    reindex(root, ix)
    backend = WhooshSearch(ix)
    try:
        assert backend.search(SearchRequest("quixotrel")).total == 0
        assert backend.search(SearchRequest("plain story body")).total == 1
    finally:
        backend.close()


@pytest.mark.parametrize(
    "raw",
    ["../../elsewhere/page.html.gz", "/tmp/page.html.gz", "../../../etc/passwd", "page.txt"],
)
def test_raw_header_outside_the_corpus_or_not_a_page_is_refused(tmp_path, raw):
    root = tmp_path / "c"
    story = root / "2024" / "x.txt"
    story.parent.mkdir(parents=True)
    story.write_text(f"Title: A story\nRaw: {raw}\n\nThe text of the story.\n")
    with pytest.raises(BadStoryError, match="not a page inside the corpus"):
        corpus.read_story(root, story)


def test_raw_header_inside_the_corpus_is_read(tmp_path):
    root = tmp_path / "c"
    (root / "2024").mkdir(parents=True)
    (root / "2024" / "p.html.gz").write_bytes(gzip.compress(SECRET_PAGE))
    story = root / "2024" / "p.txt"
    story.write_text("Title: A story\nRaw: p.html.gz\n\nOld text.\n")
    assert "quixotrel" in corpus.read_story(root, story).body


def test_a_linked_story_file_pointing_outside_is_reported_not_read(tmp_path):
    root = tmp_path / "c"
    root.mkdir()
    (tmp_path / "secret.txt").write_text("quixotrel secret")
    (root / "link.txt").symlink_to(tmp_path / "secret.txt")
    (root / "loop").symlink_to(root, target_is_directory=True)
    entries = list(corpus.iter_corpus_entries(root))
    assert ("link.txt", "a link to a file outside the corpus: not read") in entries
    assert ("loop", "a link to a folder: not followed") in entries


def test_gzip_bomb_planted_as_a_raw_page_is_refused(tmp_path):
    root = tmp_path / "c"
    root.mkdir()
    (root / "bomb.html.gz").write_bytes(gzip.compress(b"<p>" + b" " * (25 * 2**20)))
    with pytest.raises(BadStoryError, match="gunzipped"):
        corpus.read_story(root, root / "bomb.html.gz")


# --- 2. locks and workers ----------------------------------------------------------------


def test_second_writer_waits_with_a_message_then_gives_up(tmp_path):
    lines: list[str] = []
    with index_lock(tmp_path):
        assert is_locked(tmp_path)
        started = time.monotonic()
        with pytest.raises(IndexBusyError, match="is busy"):
            with index_lock(tmp_path, wait=0.3, notify=lines.append):
                pass
        assert time.monotonic() - started >= 0.3
    assert lines and lines[0].startswith("waiting for ")
    assert not is_locked(tmp_path)


def _hold_lock_then_die(index_dir: str) -> None:
    with index_lock(Path(index_dir)):
        os.kill(os.getpid(), signal.SIGKILL)


def test_lock_of_a_killed_writer_is_taken_over_with_a_message(tmp_path):
    worker = multiprocessing.get_context("fork").Process(target=_hold_lock_then_die, args=(str(tmp_path),))
    worker.start()
    worker.join(10)
    assert worker.exitcode == -signal.SIGKILL
    lines: list[str] = []
    with index_lock(tmp_path, notify=lines.append):
        pass
    assert len(lines) == 1 and lines[0].startswith("took over the index lock from ")
    with index_lock(tmp_path, notify=lines.append):  # released cleanly: nothing to say
        pass
    assert len(lines) == 1


FORKING_PARENT = textwrap.dedent(
    """
    import os, sys, time
    import indexer.locking  # installs the fork hook
    pid = os.fork()
    if pid == 0:
        time.sleep(60)
        os._exit(0)
    print(pid, flush=True)
    time.sleep(60)
    """
)


def process_alive(pid: int) -> bool:
    """True while the process exists and is not a zombie waiting to be reaped."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except (FileNotFoundError, ProcessLookupError):
        return False


def test_forked_workers_die_with_their_parent():
    with subprocess.Popen(
        [sys.executable, "-c", FORKING_PARENT],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).parents[1],
    ) as parent:
        child = int(parent.stdout.readline())
        assert process_alive(child)
        parent.kill()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and process_alive(child):
        time.sleep(0.05)
    assert not process_alive(child)


# --- 3. bounded requests -------------------------------------------------------------------


def test_a_400_letter_word_gets_no_spelling_work(index_dir):
    backend = WhooshSearch(index_dir)
    try:
        started = time.perf_counter()
        results = backend.search(SearchRequest("q" * 400, spelling=True))
        assert results.suggestion is None
        assert time.perf_counter() - started < 5
    finally:
        backend.close()


def test_a_pasted_page_of_words_is_cut_to_the_first_ones_with_a_notice(index_dir):
    backend = WhooshSearch(index_dir)
    try:
        results = backend.search(SearchRequest(" ".join(f"w{n}" for n in range(150)) + " monsoon"))
        assert results.notice and "first 64 words" in results.notice
    finally:
        backend.close()


# --- 4. messages, not tracebacks -------------------------------------------------------------


@pytest.mark.parametrize("q", ["date:[* TO *]", "date:[a TO b]", "date:>a", "date:[2024-01-01 TO a]"])
def test_unreadable_date_ranges_are_read_as_words_with_a_notice(index_dir, q):
    backend = WhooshSearch(index_dir)
    try:
        results = backend.search(SearchRequest(q))
        assert results.notice and "Dates are written" in results.notice
    finally:
        backend.close()


@pytest.mark.parametrize("q", ["date:[* TO *]", "date:[a TO b]"])
def test_unreadable_date_ranges_are_not_a_server_error(client, q):
    assert client.get("/search", query_string={"q": q}).status_code == 200
    assert client.get("/api/search", query_string={"q": q}).status_code == 200


def test_lone_surrogate_in_json_lines_is_replaced_and_imported(tmp_path):
    archive = tmp_path / "a.jsonl"
    archive.write_text('{"title": "Bad \\ud800 title", "body": "A body with a \\udfff lone surrogate."}\n')
    [record] = read_json_lines(archive.read_text().splitlines())
    assert "\ufffd" in record.body and "\ufffd" in record.fields["title"]
    result = run("import", str(archive), "--corpus", str(tmp_path / "c"), "--index", str(tmp_path / "i"))
    assert result.exit_code == 0, result.output
    assert "imported 1" in result.output


# A Whoosh writer whose constructor fails leaves its open files to the garbage collector.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.parametrize("files_before_full", [3, 6, 7])  # in the writer's start, its segment, its table
def test_full_disk_is_one_line_and_leaves_the_index_as_it_was(tmp_path, monkeypatch, files_before_full):
    root, ix = tmp_path / "c", tmp_path / "i"
    first = jsonl(tmp_path / "a.jsonl", {"id": "one", "title": "First", "body": "The first story."})
    assert run("import", str(first), "--corpus", str(root), "--index", str(ix)).exit_code == 0
    gen = current_generation(ix)
    files_before = sorted(os.listdir(gen))

    real_create = FileStorage.create_file
    created = []

    def full_disk(self, name, **kwargs):  # the disk fills up after a commit's first files
        created.append(name)
        if len(created) > files_before_full:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_create(self, name, **kwargs)

    monkeypatch.setattr(FileStorage, "create_file", full_disk)
    second = jsonl(tmp_path / "b.jsonl", {"id": "two", "title": "Second", "body": "The second story."})
    result = CliRunner().invoke(cli, ["import", str(second), "--corpus", str(root), "--index", str(ix)])
    monkeypatch.undo()
    assert result.exit_code == 1
    assert "No space left on device" in result.output and "Traceback" not in result.output
    assert sorted(os.listdir(gen)) == files_before  # no half-written segment left behind
    assert set(indexed_documents(ix)) == {"one"}
    result = run("check", "--corpus", str(root), "--index", str(ix))
    assert result.exit_code == 1 and "1 story files the index lacks" in result.output
    result = run("check", "--repair", "--corpus", str(root), "--index", str(ix))
    assert result.exit_code == 0 and "they agree" in result.output, result.output
    assert set(indexed_documents(ix)) == {"one", "two"}
    gc.collect()  # the failed writer's files close here, under this test's ignore, not in a later test


# --- 5. nothing quietly unsearchable -------------------------------------------------------


def test_a_story_over_the_cap_is_refused_at_import_not_dropped_at_reindex(tmp_path):
    body = "word " * (MAX_STORY_BYTES // 5 + 10)
    archive = jsonl(tmp_path / "a.jsonl", {"id": "big", "title": "Big", "body": body})
    report = import_archives(tmp_path / "c", tmp_path / "i", [archive])
    assert report.added == [] and report.skipped and "story limit" in report.skipped[0][1]
    assert list(corpus.iter_story_files(tmp_path / "c")) == []


def test_rerun_of_an_import_says_what_it_indexed(tmp_path):
    root, ix = tmp_path / "c", tmp_path / "i"
    archive = jsonl(
        tmp_path / "a.jsonl", *({"id": f"s{n}", "title": f"T{n}", "body": f"Body {n}."} for n in range(3))
    )
    import_archives(root, ix, [archive])
    # as if the earlier run was killed after writing the files but before indexing them
    (current_generation(ix)).rename(tmp_path / "old-gen")
    (ix / "CURRENT").unlink()
    result = run("import", str(archive), "--corpus", str(root), "--index", str(ix))
    assert result.exit_code == 0
    assert "imported 0, duplicates 3" in result.output
    assert set(indexed_documents(ix)) == {"s0", "s1", "s2"}


def test_an_interrupted_import_is_finished_by_the_next_writer(tmp_path):
    root, ix = tmp_path / "c", tmp_path / "i"
    archive = jsonl(tmp_path / "a.jsonl", {"id": "a", "title": "A", "body": "Story A."})
    import_archives(root, ix, [archive])
    # a file written by a run that was killed before its index commit
    corpus.add_story_file(root, "b", None, {"title": "B"}, "Story B.")
    (ix / INCOMPLETE_FILE).write_text("1\n")
    report = check(root, ix)
    assert not report.agrees and report.interrupted and report.missing == ["undated/b/b.txt"]
    other = jsonl(tmp_path / "b.jsonl", {"id": "c", "title": "C", "body": "Story C."})
    assert import_archives(root, ix, [other]).recovered == 1
    assert set(indexed_documents(ix)) == {"a", "b", "c"}
    assert check(root, ix).agrees


def test_check_finds_orphans_doubles_and_leftovers_and_repair_fixes_them(tmp_path):
    root, ix = tmp_path / "c", tmp_path / "i"
    archive = jsonl(
        tmp_path / "a.jsonl", *({"id": f"s{n}", "title": f"T{n}", "body": f"Body {n}."} for n in range(2))
    )
    import_archives(root, ix, [archive])
    add_to_index(ix, [Story(id="ghost", title="Ghost", body="No file.", path="ghost.txt")])
    (current_generation(ix) / "MAIN.tmp").mkdir()
    (root / "undated" / ".tmp-x.part").write_text("half")
    report = check(root, ix)
    assert report.orphans == ["ghost"]
    assert any(name.endswith("MAIN.tmp") for name in report.leftovers)
    assert "undated/.tmp-x.part" in report.leftovers
    result = run("check", "--corpus", str(root), "--index", str(ix))
    assert result.exit_code == 1 and "index entries without a story file" in result.output
    result = run("check", "--repair", "--corpus", str(root), "--index", str(ix))
    assert result.exit_code == 0, result.output
    assert set(indexed_documents(ix)) == {"s0", "s1"}
    assert leftover_files(current_generation(ix)) == []


def test_check_without_an_index_says_so(tmp_path):
    (tmp_path / "c").mkdir()
    result = run("check", "--corpus", str(tmp_path / "c"), "--index", str(tmp_path / "i"))
    assert result.exit_code == 1 and "no index" in result.output


# --- 6. bad bytes ---------------------------------------------------------------------------


def test_one_bad_byte_does_not_turn_a_utf8_page_into_mojibake():
    page = '<html><meta charset="iso-8859-1"><p>Café crème à Zürich</p></html>'.encode().replace(
        b"Z", b"\xffZ"
    )
    text = decode_html(page)
    assert "Café crème à" in text and "Zürich" in text and "Ã" not in text


def test_a_real_cp1252_page_stays_cp1252():
    page = '<html><meta charset="windows-1252"><p>Café crème à Zürich “quoted”</p></html>'.encode("cp1252")
    assert "Café crème à Zürich “quoted”" in decode_html(page)


def test_bare_carriage_returns_separate_words():
    assert reflow_reuters_body("first line\rsecond line") == "first line second line"


def test_a_story_file_with_bare_carriage_returns_keeps_its_header_and_lines():
    story = parse_story("Title: A headline\rDate: 2024-02-19\r\rFirst line\rsecond line.", path="x.txt")
    assert (story.title, story.date.isoformat()) == ("A headline", "2024-02-19")
    assert story.body == "First line\nsecond line."


def test_truncated_sgml_reports_its_cut_record():
    whole = '<REUTERS NEWID="1"><TEXT><TITLE>A</TITLE><BODY>Body one.</BODY></TEXT></REUTERS>\n'
    cut = whole + '<REUTERS NEWID="2"><TEXT><TITLE>B</TITLE><BODY>Body t'
    items = list(read_reuters_sgml(cut))
    assert items[0].id == "reuters-1"
    assert items[1].where == "NEWID 2" and "truncated" in items[1].reason


def test_json_lines_line_over_the_cap_is_skipped_without_reading_it_whole():
    data = io.BytesIO(b'{"body": "short"}\n' + b"x" * 5000 + b"\n" + b'{"body": "after"}\n')
    items = list(read_json_lines(bounded_lines(data, 1000), where="a.jsonl"))
    assert [getattr(i, "body", None) for i in items] == ["short", None, "after"]
    assert "too long" in items[1].reason


def test_folder_links_given_to_add_are_reported(tmp_path):
    pages = tmp_path / "pages"
    (pages / "sub").mkdir(parents=True)
    (pages / "sub" / "a.html").write_text("<p>x</p>")
    (pages / "sub" / "back").symlink_to(pages, target_is_directory=True)
    found = list(iter_page_files([pages]))
    assert pages / "sub" / "a.html" in found
    assert (str(pages / "sub" / "back"), "a link to a folder: not followed") in found
