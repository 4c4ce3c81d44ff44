"""`wire add`: scraped pages into the corpus (raw page kept) and straight into the index.

Most tests drive the CLI through click's CliRunner; stdin, interruption and the
acceptance run use the installed console script as a real process.

SLOW ON PURPOSE (kept in the default run): the acceptance test adds all 181 pages of
the shared AEB set twice and reindexes them (about 30 s), and the interruption test
kills six real `wire add` processes part-way (about 30 s). Both skip, with a reason,
when the shared data is missing (WIRE_SHARED_DATA, default ../shared/data).
"""

from __future__ import annotations

import gzip
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from indexer import corpus
from indexer.cli import cli
from indexer.index import current_generation, open_index
from indexer.ingest import reindex
from indexer.search import SearchRequest
from indexer.searching import WhooshSearch
from indexer.wire import parse_header, parse_story

PROJECT = Path(__file__).resolve().parents[1]
PAGES = Path(__file__).parent / "fixtures" / "pages"
SEED_STORY = Path(__file__).parent / "fixtures" / "stories" / "reuters_cleveland_steel.txt"
SEED_PHRASE = '"hot-rolled sheet steel"'
SHARED_DATA = Path(os.environ.get("WIRE_SHARED_DATA", PROJECT.parent / "shared" / "data"))
AEB_HTML = SHARED_DATA / "aeb" / "html"
AEB_PAGES = 181
# The console script pyproject installs: wire = "indexer.cli:main"
WIRE = Path(sys.executable).parent / "wire"
SUMMARY_RE = re.compile(r"^added (\d+), duplicates (\d+), skipped (\d+)$", re.M)
# Letters that show a page was decoded with the wrong codec (UTF-8 read as cp1252, ...).
MOJIBAKE = ("\ufffd", "Ã", "â€", "Â")

needs_aeb = pytest.mark.skipif(
    not AEB_HTML.is_dir(), reason=f"shared AEB pages not found at {AEB_HTML} (set WIRE_SHARED_DATA)"
)


# --- helpers -------------------------------------------------------------------------------


@pytest.fixture
def runner():
    return CliRunner()


@pytest.fixture
def dirs(tmp_path):
    """An empty corpus folder and an index path (no index yet)."""
    root = tmp_path / "corpus"
    root.mkdir()
    return root, tmp_path / "index"


@pytest.fixture
def seeded(dirs):
    """A corpus of one text story with a built index."""
    root, index = dirs
    shutil.copy(SEED_STORY, root / SEED_STORY.name)
    reindex(root, index)
    return root, index


def add(runner, root: Path, index: Path, *args: str | Path, input: bytes | None = None):
    return runner.invoke(
        cli, ["add", "--corpus", str(root), "--index", str(index), *map(str, args)], input=input
    )


def run_wire(*args: str | Path, input: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(WIRE), *map(str, args)], input=input, capture_output=True, timeout=300, check=False
    )


def summary(output: str) -> tuple[int, int, int]:
    m = SUMMARY_RE.search(output)
    assert m, f"no summary line in {output!r}"
    return int(m[1]), int(m[2]), int(m[3])


def story_texts(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.txt") if not p.name.startswith("."))


def raw_pages(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.html.gz") if not p.name.startswith("."))


def story_units(root: Path) -> int:
    """Stories the corpus holds, counted without the product: each .txt, plus pages without one."""
    texts = {p.with_suffix("") for p in story_texts(root)}
    orphans = [p for p in raw_pages(root) if p.parent / p.name.removesuffix(".html.gz") not in texts]
    return len(texts) + len(orphans)


def read_story_file(path: Path) -> tuple[dict[str, str], str]:
    return parse_header(path.read_text(encoding="utf-8"))


def search_ids(backend: WhooshSearch, q: str, limit: int = 10) -> list[str]:
    return [hit.id for hit in backend.search(SearchRequest(q, pagelen=limit)).hits]


def gzipped(tmp_path: Path, page: Path) -> Path:
    out = tmp_path / (page.name + ".gz")
    out.write_bytes(gzip.compress(page.read_bytes()))
    return out


def indexed_count(index: Path) -> int:
    backend = WhooshSearch(index)
    try:
        return backend.stats().stories
    finally:
        backend.close()


# --- inputs: files, folders, stdin, URL -------------------------------------------------------


def test_add_one_page_keeps_raw_page_beside_story(runner, dirs):
    root, index = dirs
    result = add(runner, root, index, PAGES / "harbour-strike.html")
    assert result.exit_code == 0, result.output
    assert result.stdout == "added 1, duplicates 0, skipped 0\n"
    [text] = story_texts(root)
    [raw] = raw_pages(root)
    assert text.parent == raw.parent == root / "2024" / "03" / "05"
    story_id = text.name.removesuffix(".txt")
    assert raw.name == f"{story_id}.html.gz"
    assert re.fullmatch(r"[0-9a-f]{16}", story_id)
    assert gzip.decompress(raw.read_bytes()) == (PAGES / "harbour-strike.html").read_bytes()
    fields, body = read_story_file(text)
    assert fields["raw"] == raw.name
    assert fields["title"] == "Dock workers end strike at Rotterdam harbour"
    assert fields["date"] == "2024-03-05"
    assert "wage deal" in body


def test_undated_page_is_filed_by_its_id(runner, dirs):
    root, index = dirs
    result = add(runner, root, index, PAGES / "undated-ferry.html")
    assert result.exit_code == 0, result.output
    [text] = story_texts(root)
    assert text.parent == root / "undated" / text.stem[:2]
    assert (text.parent / f"{text.stem}.html.gz").is_file()
    assert "date" not in read_story_file(text)[0]


@pytest.mark.parametrize(
    "page, args, url",
    [
        ("harbour-strike.html", [], "https://news.example.com/2024/03/05/rotterdam-dock-strike"),  # canonical
        ("glacier-survey.htm", [], "https://science.example.org/glacier-survey-2023"),  # og:url
        ("cafe-cp1252.html", [], None),  # the page names no URL
        ("cafe-cp1252.html", ["--url", "https://lyon.example.fr/cafes"], "https://lyon.example.fr/cafes"),
        ("harbour-strike.html", ["--url", "https://mirror.example/strike"], "https://mirror.example/strike"),
    ],
)
def test_url_from_option_or_page(runner, dirs, page, args, url):
    root, index = dirs
    result = add(runner, root, index, *args, PAGES / page)
    assert result.exit_code == 0, result.output
    [text] = story_texts(root)
    fields, _ = read_story_file(text)
    assert fields.get("url") == url
    backend = WhooshSearch(index)
    try:
        assert backend.get_story(text.stem).url == (url or "")
    finally:
        backend.close()


def test_folder_is_searched_recursively_for_pages_only(runner, dirs, tmp_path):
    root, index = dirs
    folder = tmp_path / "scraped"
    (folder / "a" / "b").mkdir(parents=True)
    shutil.copy(PAGES / "glacier-survey.htm", folder / "a" / "b" / "glacier.htm")
    gzipped(folder / "a", PAGES / "harbour-strike.html")
    shutil.copy(PAGES / "cafe-cp1252.html", folder / "CAFE.HTML")
    (folder / "notes.txt").write_text("not a page, never read\n")
    (folder / "a" / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    result = add(runner, root, index, folder)
    assert result.exit_code == 0, result.output
    assert summary(result.stdout) == (3, 0, 0)
    assert len(story_texts(root)) == len(raw_pages(root)) == 3


@pytest.mark.parametrize("gzip_it", [False, True], ids=["plain", "gzipped"])
def test_stdin_as_a_real_process(dirs, gzip_it):
    root, index = dirs
    page = (PAGES / "cafe-cp1252.html").read_bytes()
    run = run_wire(
        "add", "--corpus", root, "--index", index, "--url", "https://lyon.example.fr/cafes", "-",
        input=gzip.compress(page) if gzip_it else page,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert run.stdout.decode() == "added 1, duplicates 0, skipped 0\n"
    [text] = story_texts(root)
    fields, body = read_story_file(text)
    assert fields["url"] == "https://lyon.example.fr/cafes"
    assert "crème brûlée" in body
    assert gzip.decompress(raw_pages(root)[0].read_bytes()) == page


def test_missing_path_is_an_error_and_adds_nothing(runner, dirs, tmp_path):
    root, index = dirs
    result = add(runner, root, index, PAGES / "harbour-strike.html", tmp_path / "nowhere.html")
    assert result.exit_code == 1
    assert result.output == f"Error: no such file or folder: {tmp_path / 'nowhere.html'}\n"
    assert story_texts(root) == []


def test_url_option_with_several_pages_is_refused(runner, dirs):
    # --url is "the page's URL, when adding a single page": stamping it on every page
    # of a folder would give different stories the same (wrong) address.
    root, index = dirs
    pages = [PAGES / "harbour-strike.html", PAGES / "glacier-survey.htm"]
    result = add(runner, root, index, "--url", "https://one.example/x", *pages)
    assert result.exit_code == 1
    assert result.output == "Error: --url names one page: give a single file (or -)\n"
    assert story_texts(root) == []


# --- raw page kept: reindex extracts it again ------------------------------------------------


def stories_by_id(index: Path) -> dict[str, object]:
    ix = open_index(index)
    try:
        with ix.searcher() as s:
            ids = [f["id"] for f in s.all_stored_fields() if not f["id"].startswith("_lexicon-")]
    finally:
        ix.close()
    backend = WhooshSearch(index)
    try:
        return {i: backend.get_story(i) for i in ids}
    finally:
        backend.close()


def test_reindex_gives_the_stories_add_gave(runner, dirs, tmp_path):
    root, index = dirs
    pages = [PAGES / n for n in ("harbour-strike.html", "glacier-survey.htm", "sapporo-shift_jis.html")]
    result = add(runner, root, index, *pages)
    assert result.exit_code == 0, result.output
    result = add(runner, root, index, "--url", "https://lyon.example.fr/cafes", PAGES / "cafe-cp1252.html")
    assert result.exit_code == 0, result.output
    added = stories_by_id(index)
    assert len(added) == 4
    rebuilt = tmp_path / "rebuilt"
    result = runner.invoke(cli, ["reindex", "--corpus", str(root), "--index", str(rebuilt)])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("indexed 4 stories, skipped 0")
    assert stories_by_id(rebuilt) == added
    assert {s.url for s in added.values()} >= {"https://lyon.example.fr/cafes"}


def test_url_option_survives_reindex_even_when_the_page_names_another(runner, dirs):
    root, index = dirs
    result = add(runner, root, index, "--url", "https://mirror.example/strike", PAGES / "harbour-strike.html")
    assert result.exit_code == 0, result.output
    [text] = story_texts(root)
    reindex(root, index)
    backend = WhooshSearch(index)
    try:
        assert backend.get_story(text.stem).url == "https://mirror.example/strike"
    finally:
        backend.close()


def test_reindex_extracts_from_the_raw_page_not_the_text(runner, dirs):
    root, index = dirs
    assert add(runner, root, index, PAGES / "harbour-strike.html").exit_code == 0
    [text] = story_texts(root)
    fields, _ = read_story_file(text)
    # an edit of the text file's body is not what reindex reads when the page is there
    text.write_text(
        corpus.story_file_text(fields, "Something else entirely, about tulips."), encoding="utf-8"
    )
    reindex(root, index)
    backend = WhooshSearch(index)
    try:
        assert search_ids(backend, "tulips") == []
        assert search_ids(backend, '"wage deal"') == [text.stem]
    finally:
        backend.close()


# --- idempotent ----------------------------------------------------------------------------------


def test_same_page_twice_is_a_duplicate_stored_once(runner, dirs):
    root, index = dirs
    page = PAGES / "harbour-strike.html"
    assert add(runner, root, index, page).stdout == "added 1, duplicates 0, skipped 0\n"
    before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    result = add(runner, root, index, page)
    assert result.exit_code == 0, result.output
    assert result.stdout == "added 0, duplicates 1, skipped 0\n"
    assert {p: p.read_bytes() for p in root.rglob("*") if p.is_file()} == before
    assert indexed_count(index) == 1


def test_gzipped_and_plain_page_have_one_id(runner, dirs, tmp_path):
    root, index = dirs
    page = PAGES / "glacier-survey.htm"
    result = add(runner, root, index, page, gzipped(tmp_path, page))
    assert result.exit_code == 0, result.output
    assert result.stdout == "added 1, duplicates 1, skipped 0\n"
    assert len(story_texts(root)) == len(raw_pages(root)) == 1
    result = add(runner, root, index, gzipped(tmp_path, page))
    assert result.stdout == "added 0, duplicates 1, skipped 0\n"
    assert indexed_count(index) == 1


# --- incremental -------------------------------------------------------------------------------


def test_add_updates_the_live_index_in_place(runner, seeded):
    root, index = seeded
    generation = current_generation(index)
    backend = WhooshSearch(index)  # opened before the add, as a running web server's is
    try:
        before = backend.stats().stories
        assert before == 1
        assert search_ids(backend, "Rotterdam") == []
        result = add(runner, root, index, PAGES / "harbour-strike.html", PAGES / "glacier-survey.htm")
        assert result.exit_code == 0, result.output
        # no restart, no reopen: the next search sees the new stories
        [rotterdam] = search_ids(backend, "Rotterdam")
        [glacier] = search_ids(backend, "glaciologists")
        assert {rotterdam, glacier} == {p.stem for p in story_texts(root)} - {SEED_STORY.stem}
        assert backend.stats().stories == before + 2
        assert current_generation(index) == generation  # updated, not rebuilt
        assert search_ids(backend, SEED_PHRASE) == [SEED_STORY.stem]

        result = add(runner, root, index, PAGES / "harbour-strike.html", PAGES / "cafe-cp1252.html")
        assert result.stdout == "added 1, duplicates 1, skipped 0\n"
        assert backend.stats().stories == before + 3
        assert len(search_ids(backend, "Rotterdam")) == 1
    finally:
        backend.close()


def test_added_story_is_found_by_a_new_process(runner, seeded):
    root, index = seeded
    assert add(runner, root, index, PAGES / "glacier-survey.htm").exit_code == 0
    run = run_wire("search", "--index", index, "--json", "Rhone glacier")
    assert run.returncode == 0, run.stderr
    [hit] = json.loads(run.stdout)["results"]
    assert hit["title"] == "Alpine glaciers lost record ice last summer, survey finds"
    assert hit["url"] == "https://science.example.org/glacier-survey-2023"


# --- bad input: skipped with a reason, never the end of the run ------------------------------------


def nested_divs(depth: int) -> bytes:
    text = "<p>" + "Deeply nested words about a river, a bridge and a town council vote. " * 5 + "</p>"
    return f"<html><body>{'<div>' * depth}{text}{'</div>' * depth}</body></html>".encode()


def write_bad_page(tmp_path: Path, kind: str) -> Path:
    """A page that cannot become a story, written as the test needs it."""
    if kind == "empty":
        path = tmp_path / "empty.html"
        path.write_bytes(b"")
    elif kind == "blank":
        path = tmp_path / "blank.html"
        path.write_bytes(b"  \n\t\n")
    elif kind == "png":
        path = tmp_path / "photo.html"
        path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200))
    elif kind == "pdf":
        path = tmp_path / "report.html"
        path.write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n")
    elif kind == "binary":
        path = tmp_path / "noise.htm"
        path.write_bytes(random.Random(7).randbytes(4096) + b"\x00\x00")
    elif kind == "plain-text":
        path = tmp_path / "notes.html"
        path.write_bytes(b"Just some words in a text file, with no markup at all, none.\n" * 3)
    elif kind == "no-article":
        path = tmp_path / "no-article.html"
        shutil.copy(PAGES / "no-article.html", path)
    elif kind == "over-20-mb":
        path = tmp_path / "huge.html"
        with path.open("wb") as f:  # sparse: no 21 MB written to disk
            f.write(b"<html><body><p>start</p>")
            f.truncate(21 * 2**20)
    elif kind == "over-20-mb-gunzipped":
        path = tmp_path / "bomb.html.gz"
        path.write_bytes(gzip.compress(b"<html><body><p>" + b" " * (21 * 2**20) + b"</p></body></html>"))
    elif kind == "deep-nesting":
        path = tmp_path / "deep.html"
        path.write_bytes(nested_divs(100_000))
    elif kind == "truncated-gzip":
        path = tmp_path / "cut.html.gz"
        data = gzip.compress((PAGES / "harbour-strike.html").read_bytes())
        path.write_bytes(data[: len(data) // 2])
    else:
        raise AssertionError(kind)
    return path


BAD_PAGES = [
    ("empty", "empty"),
    ("blank", "empty"),
    ("png", "PNG"),
    ("pdf", "PDF"),
    ("binary", "binary"),
    ("plain-text", "not HTML"),
    ("no-article", "no article text"),
    ("over-20-mb", "larger than 20 MB"),
    ("over-20-mb-gunzipped", "gunzipped"),
    ("deep-nesting", "nested too deeply"),
    ("truncated-gzip", "truncated"),
]


@pytest.mark.parametrize("kind, reason", BAD_PAGES, ids=[k for k, _ in BAD_PAGES])
def test_bad_page_is_skipped_with_a_reason(runner, dirs, tmp_path, kind, reason):
    root, index = dirs
    path = write_bad_page(tmp_path, kind)
    result = add(runner, root, index, path)
    assert result.exit_code == 1, result.output
    assert result.stdout == "added 0, duplicates 0, skipped 1\n"
    [line] = result.stderr.splitlines()
    assert line.startswith(f"skipped {path}: ")
    assert reason.lower() in line.lower()
    assert list(root.rglob("*")) == []


def test_bad_pages_never_stop_the_run(runner, seeded, tmp_path):
    root, index = seeded
    folder = tmp_path / "mixed"
    folder.mkdir()
    bad = [write_bad_page(folder, kind) for kind, _ in BAD_PAGES]
    good = ["harbour-strike.html", "glacier-survey.htm", "sapporo-shift_jis.html"]
    for name in good:
        shutil.copy(PAGES / name, folder / name)
    result = add(runner, root, index, folder)
    assert result.exit_code == 1
    assert summary(result.stdout) == (len(good), 0, len(bad))
    skipped = {line.split(": ", 1)[0].removeprefix("skipped ") for line in result.stderr.splitlines()}
    assert skipped == {str(p) for p in bad}
    assert indexed_count(index) == 1 + len(good)
    backend = WhooshSearch(index)
    try:
        assert len(search_ids(backend, "Rotterdam")) == 1
    finally:
        backend.close()


# --- encodings, end to end ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "page, expected, query",
    [
        (
            "cafe-cp1252.html",
            [
                "Café owners in Lyon",
                "city’s cafés",
                "“brutal”",
                "crème brûlée",
                "€7.50",
                "Amélie",
                "years – and",
            ],
            "brûlée",
        ),
        ("sapporo-shift_jis.html", ["札幌で大雪、交通に乱れ", "新千歳空港", "除雪車を増やし"], "札幌"),
    ],
)
def test_legacy_encoded_page_is_stored_and_found_as_text(runner, dirs, page, expected, query):
    root, index = dirs
    result = add(runner, root, index, PAGES / page)
    assert result.exit_code == 0, result.output
    [text] = story_texts(root)
    stored = text.read_text(encoding="utf-8")
    for s in expected:
        assert s in stored
    for s in MOJIBAKE:
        assert s not in stored
    result = runner.invoke(cli, ["search", "--index", str(index), "--json", query])
    assert result.exit_code == 0, result.output
    assert [hit["id"] for hit in json.loads(result.stdout)["results"]] == [text.stem]


# --- atomic: interrupted adds ------------------------------------------------------------------

# A seed for the moments of interruption, printed on failure so a run can be repeated.
KILL_SEED = int(os.environ.get("WIRE_KILL_SEED", time.time_ns() % 100_000))
KILL_PAGES = 48
# (signal, share of the pages written before the signal, from-to); 1.0 is the index update
INTERRUPTIONS = [
    (signal.SIGKILL, 0.0, 0.2),
    (signal.SIGKILL, 0.2, 0.45),
    (signal.SIGKILL, 0.45, 0.7),
    (signal.SIGKILL, 0.7, 0.95),
    (signal.SIGKILL, 1.0, 1.0),
    (signal.SIGINT, 0.3, 0.7),
]


@pytest.fixture(scope="module")
def kill_pages(tmp_path_factory):
    """A folder of many real pages (every few of the AEB set, for variety)."""
    if not AEB_HTML.is_dir():
        pytest.skip(f"shared AEB pages not found at {AEB_HTML} (set WIRE_SHARED_DATA)")
    folder = tmp_path_factory.mktemp("kill-pages")
    pages = sorted(AEB_HTML.glob("*.html.gz"))
    for page in pages[:: len(pages) // KILL_PAGES][:KILL_PAGES]:
        shutil.copy(page, folder / page.name)
    return folder


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def run_until(cmd: list[str], root: Path, written: int, sig: int, jitter: float, log: Path) -> int | None:
    """Run `cmd`, send `sig` once `written` story files are in `root`; its exit status."""
    with log.open("wb") as out:
        # SIGINT as a terminal delivers it: a shell running a command in the background (`&`,
        # no job control) starts it with SIGINT ignored, and Python then keeps ignoring it
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, preexec_fn=_default_sigint)
        try:
            while proc.poll() is None:
                if len(story_texts(root)) >= written:
                    time.sleep(jitter)
                    proc.send_signal(sig)
                    break
                time.sleep(0.005)
            return proc.wait(timeout=300)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


def assert_corpus_whole(root: Path) -> None:
    """No half-written file counts as a story; every story file and page reads whole."""
    listed = list(corpus.iter_story_files(root))
    assert not [p for p in listed if p.name.startswith(".")]
    assert len(listed) == story_units(root)
    for path in story_texts(root):
        story = parse_story(corpus.decode_story_bytes(path.read_bytes()), path=path.name)
        assert story.body
        fields, _ = read_story_file(path)
        if "raw" in fields:
            assert (path.parent / fields["raw"]).is_file(), f"{path} names a page that is not there"
    for path in raw_pages(root):
        assert gzip.decompress(path.read_bytes()).strip()


@pytest.mark.parametrize(
    "sig, low, high",
    INTERRUPTIONS,
    ids=[f"{signal.Signals(s).name}-{lo}-{hi}" for s, lo, hi in INTERRUPTIONS],
)
def test_interrupted_add_leaves_whole_files_and_a_usable_index(kill_pages, tmp_path, sig, low, high):
    rng = random.Random(f"{KILL_SEED}-{sig}-{low}")
    written = max(1, round(KILL_PAGES * rng.uniform(low, high)))
    jitter = rng.uniform(0, 0.03)
    where = f"(WIRE_KILL_SEED={KILL_SEED}: signal {sig} after {written} story files + {jitter:.3f} s)"
    root, index = tmp_path / "corpus", tmp_path / "index"
    root.mkdir()
    shutil.copy(SEED_STORY, root / SEED_STORY.name)
    reindex(root, index)
    backend = WhooshSearch(index)  # opened before the interruption
    try:
        assert search_ids(backend, SEED_PHRASE) == [SEED_STORY.stem]
        cmd = [str(WIRE), "add", "--corpus", str(root), "--index", str(index), str(kill_pages)]
        status = run_until(cmd, root, written + 1, sig, jitter, tmp_path / "add.log")  # +1: the seed
        print(where, "exit status", status, (tmp_path / "add.log").read_text(errors="replace"))

        assert_corpus_whole(root)
        if sig == signal.SIGINT:
            # Ctrl-C runs the clean-up: no temporary file is left behind at all
            assert not [p for p in root.rglob(".*")], where
        # the index is usable as it is, before any repair
        open_index(index).close()
        assert search_ids(backend, SEED_PHRASE) == [SEED_STORY.stem], where

        result = subprocess.run(
            [str(WIRE), "reindex", "--corpus", str(root), "--index", str(index)],
            capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip
        assert result.returncode == 0, f"{where}\n{result.stderr}"
        assert not [p for p in root.rglob(".tmp-*")], where
        assert backend.stats().stories == story_units(root), where
        assert indexed_count(index) == story_units(root), where
        assert search_ids(backend, SEED_PHRASE) == [SEED_STORY.stem], where
    finally:
        backend.close()


def test_leftover_temporary_files_are_not_stories(runner, dirs):
    root, index = dirs
    assert add(runner, root, index, PAGES / "harbour-strike.html").exit_code == 0
    [text] = story_texts(root)
    # what a crash in the middle of write_atomic leaves: a hidden, partial file
    (text.parent / ".tmp-abc123.part").write_bytes(b"Title: half a sto")
    (text.parent / ".tmp-def456.part").write_bytes(gzip.compress(b"<html><body>")[:9])
    assert list(corpus.iter_story_files(root)) == [text]
    assert_corpus_whole(root)
    reindex(root, index)
    assert not list(root.rglob(".tmp-*"))
    assert indexed_count(index) == 1


def test_add_after_an_interrupted_add_indexes_every_page(kill_pages, tmp_path):
    # Ctrl-C, then the same command again: the user expects every page searchable
    # without knowing that a `wire reindex` is also needed.
    root, index = tmp_path / "corpus", tmp_path / "index"
    root.mkdir()
    shutil.copy(SEED_STORY, root / SEED_STORY.name)
    reindex(root, index)
    cmd = [str(WIRE), "add", "--corpus", str(root), "--index", str(index), str(kill_pages)]
    # interrupted a quarter of the way in: on a loaded machine a later signal came after the last page
    run_until(cmd, root, 1 + KILL_PAGES // 4, signal.SIGINT, 0.0, tmp_path / "add.log")
    interrupted = story_units(root) - 1
    assert 0 < interrupted < KILL_PAGES
    run = run_wire("add", "--corpus", root, "--index", index, kill_pages)
    added, duplicates, skipped = summary(run.stdout.decode())
    assert duplicates >= interrupted
    assert indexed_count(index) == story_units(root) == 1 + added + duplicates


# --- the acceptance: every page of the shared AEB set ------------------------------------------


@pytest.fixture(scope="module")
def aeb_added(tmp_path_factory):
    """All AEB pages added by a real `wire add` into an empty corpus: (corpus, index, run)."""
    if not AEB_HTML.is_dir():
        pytest.skip(f"shared AEB pages not found at {AEB_HTML} (set WIRE_SHARED_DATA)")
    base = tmp_path_factory.mktemp("aeb")
    root, index = base / "corpus", base / "index"
    run = run_wire("add", "--corpus", root, "--index", index, AEB_HTML)
    return root, index, run


def middle_phrase(body: str, words: int = 5) -> str:
    tokens = re.findall(r"\w+", body)
    start = max(0, len(tokens) // 2 - words // 2)
    return " ".join(tokens[start : start + words])


@needs_aeb
def test_acceptance_every_aeb_page_added_and_found_by_a_phrase(aeb_added):
    root, index, run = aeb_added
    stdout, stderr = run.stdout.decode(), run.stderr.decode()
    added, duplicates, skipped = summary(stdout)
    skips = [line for line in stderr.splitlines() if line.startswith("skipped ")]
    print("\n".join(skips))
    assert (added + skipped, duplicates) == (AEB_PAGES, 0), stderr
    assert len(skips) == skipped and all(re.match(r"skipped \S+: \S", line) for line in skips)
    assert run.returncode == (1 if skipped else 0), stderr
    assert len(story_texts(root)) == len(raw_pages(root)) == added

    backend = WhooshSearch(index)
    misses = []
    try:
        assert backend.stats().stories == added
        for text in story_texts(root):
            phrase = middle_phrase(read_story_file(text)[1])
            if text.stem not in search_ids(backend, f'"{phrase}"', limit=50):
                misses.append(f"{text.relative_to(root)}: {phrase!r}")
    finally:
        backend.close()
    print(f"{len(misses)} of {added} pages not found by their phrase:", *misses, sep="\n  ")
    assert len(misses) <= AEB_PAGES * 0.02, misses


@needs_aeb
def test_acceptance_second_add_of_aeb_adds_nothing(aeb_added):
    root, index, first = aeb_added
    added, _, skipped = summary(first.stdout.decode())
    files = sorted(p for p in root.rglob("*") if p.is_file())
    run = run_wire("add", "--corpus", root, "--index", index, AEB_HTML)
    assert summary(run.stdout.decode()) == (0, added, skipped), run.stderr.decode()
    assert sorted(p for p in root.rglob("*") if p.is_file()) == files
    assert indexed_count(index) == added


@needs_aeb
def test_reindex_of_aeb_pages_gives_the_stories_add_gave(aeb_added, tmp_path):
    root, index, _ = aeb_added
    rebuilt = tmp_path / "rebuilt"
    report = reindex(root, rebuilt)
    assert report.skipped == []
    added, rebuilt_stories = stories_by_id(index), stories_by_id(rebuilt)
    differ = [i for i in added if added[i] != rebuilt_stories.get(i)]
    assert differ == [] and len(rebuilt_stories) == len(added)
