"""Hostile files and requests: paths out of the corpus, words that stall the server,
odd date ranges, lone surrogates, a cut archive, an oversized story, a folder with
a symlink loop and an unreadable subfolder."""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import string
import subprocess
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest

from . import harness
from .harness import Trial, wire
from .recovery import agrees, check_ran, tail
from .server import get, serving

REQUEST_BOUND_S = 5.0
# The CLI pays for starting Python and opening the index on top of the search.
CLI_BOUND_S = 15.0
OUTSIDE_WORD = "zorblaxoutside"


@pytest.fixture(scope="module")
def served(small_template: dict, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """`wire serve` over a copy of the small corpus's index."""
    tmp = tmp_path_factory.mktemp("served")
    index = harness.copy_tree(small_template["index"], tmp / "index")
    with serving(index, tmp / "serve") as base:
        yield {"base": base, "index": index}


def jsonl(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def story_file_containing(corpus: Path, word: str) -> Path | None:
    for path in corpus.rglob("*.txt"):
        if word in path.read_text(encoding="utf-8", errors="replace"):
            return path
    return None


def test_raw_path_cannot_leave_the_corpus(trial: Trial, tmp_path: Path) -> None:
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    where = ("--corpus", corpus, "--index", index)
    outside = harness.write_gz(
        tmp_path / "elsewhere" / "page.html.gz",
        harness.html_page("A page outside", [f"This page lives outside the corpus: {OUTSIDE_WORD}."] * 5),
    )
    records = [
        {"body": "Raw: ../../../elsewhere/page.html.gz\n\nThe imported story mentions quokkarelative here."},
        {"id": "abs-raw", "body": f"Raw: {outside}\n\nAnother imported story mentions quokkaabsolute."},
    ]
    archive = jsonl(tmp_path / "hostile.jsonl", [json.dumps(r) for r in records])
    check_ran(trial, wire("import", archive, *where), "the import of hostile records")
    # Plant the outside page wherever each record's Raw: path would lead from its story file.
    for word, rel in (("quokkarelative", "../../../elsewhere/page.html.gz"),):
        written = story_file_containing(corpus, word)
        if trial.check(written, f"the record with {word} was not written to the corpus"):
            target = (written.parent / rel).resolve()
            inside = target.is_relative_to(corpus.resolve())
            if not inside and target.is_relative_to(tmp_path) and target != outside.resolve():
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(outside, target)
    hand = corpus / "hand"
    hand.mkdir(parents=True)
    (hand / "traversal.txt").write_text(
        "Title: Hand placed\nRaw: ../../elsewhere/page.html.gz\n\nA hand-placed story, quokkahand.\n"
    )
    (hand / "link.html.gz").symlink_to(outside)
    (hand / "linked.txt").write_text(
        "Title: Linked\nRaw: link.html.gz\n\nA story whose raw page links out.\n"
    )
    trial.fault(4)

    run = wire("reindex", *where)
    trial.check(not run.has_traceback, f"reindex: traceback: {tail(run)}")
    trial.check(harness.search_total(index, OUTSIDE_WORD) == 0, "reindex read a page outside the corpus")
    for word in ("quokkarelative", "quokkaabsolute"):
        trial.check(
            harness.search_total(index, word) == 1, f"the imported story with {word} is not searchable"
        )
    trial.verdict()


def is_answered(status: int) -> bool:
    """A result, or a client error that says why (400, 414 for a huge URL): never a 5xx."""
    return status == 200 or 400 <= status < 500


def long_word(n: int = 400) -> str:
    rng = random.Random(harness.SEED)
    return "".join(rng.choice(string.ascii_lowercase) for _ in range(n))


def test_long_word_is_answered_in_time(trial: Trial, served: dict) -> None:
    word = long_word()
    paths = [f"/api/search?q={word}", f"/search?q={word}", f"/api/search?q=oil+{word[:200]}+prices"]
    answers: list = []
    threads = [
        threading.Thread(target=lambda p=p: answers.append(get(served["base"], p)), daemon=True)
        for p in paths + paths[:1]
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    answers.append(get(served["base"], "/api/search?q=oil"))
    trial.fault(len(threads))
    for a in answers:
        trial.check(is_answered(a.status), f"{a.url[:60]}...: status {a.status} {a.error}")
        trial.check(
            a.seconds <= REQUEST_BOUND_S, f"{a.url[:60]}...: {a.seconds:.1f} s (bound {REQUEST_BOUND_S} s)"
        )
    run = wire("search", "--index", served["index"], word)
    trial.check(run.code in (0, 1) and not run.has_traceback, f"CLI search of a long word: {run}")
    trial.check(run.seconds <= CLI_BOUND_S, f"CLI search of a long word took {run.seconds:.1f} s")
    trial.verdict()


ODD_QUERIES = [
    " ".join(["oil"] * 2000),  # over the query length cap
    " ".join(f"word{n}" for n in range(300)),  # a pasted paragraph: many terms
    "a* b* c* d* e*",
    '"' * 501,
    "(" * 300 + "oil" + ")" * 300,
    "date:[* TO *]",
    "date:[a TO b]",
    "date:[1987-03-01 TO *]",
    "date:[* TO 1987]",
    "date:[2024-13-45 TO 1987-02-30]",
    "date:[TO]",
    "date:>",
    "date:[1987 TO",
    "title:[a TO z]",
    "date:99999999",
]


@pytest.mark.parametrize(
    "q", ODD_QUERIES, ids=[q if len(q) < 40 else f"{q[:12]}...({len(q)})" for q in ODD_QUERIES]
)
def test_odd_queries_are_answered(q: str, trial: Trial, served: dict) -> None:
    quoted = urllib.parse.quote(q)
    trial.fault()
    for path in (f"/api/search?q={quoted}", f"/search?q={quoted}"):
        a = get(served["base"], path)
        trial.check(is_answered(a.status), f"GET {path}: status {a.status} {a.error}")
        trial.check(a.seconds <= REQUEST_BOUND_S, f"GET {path}: {a.seconds:.1f} s")
    run = wire("search", "--index", served["index"], q)
    trial.check(run.code in (0, 1), f"`wire search {q}`: {run}")
    trial.check(not run.has_traceback, f"`wire search {q}`: Python traceback")
    trial.verdict()


def gzip_bomb(gunzipped: int) -> bytes:
    """A small gzip file of `gunzipped` zero bytes, made without holding them."""
    import zlib

    z = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    chunk = b"\0" * 2**20
    return b"".join(z.compress(chunk) for _ in range(gunzipped // len(chunk))) + z.flush()


def test_hostile_pages_are_refused_with_a_reason(
    trial: Trial, tmp_path: Path, request: pytest.FixtureRequest
):
    pages = request.getfixturevalue("pages")
    folder = tmp_path / "pages"
    folder.mkdir()
    shutil.copy(pages["files"][0], folder / "good.html.gz")
    hostile = {
        "bomb.html.gz": gzip_bomb(256 * 2**20),
        "nested.html": b"<html><body>"
        + b"<div>" * 100_000
        + b"deep"
        + b"</div>" * 100_000
        + b"</body></html>",
        "binary.html": bytes(range(256)) * 64,
        "empty.html": b"",
        "png.html": b"\x89PNG\r\n\x1a\n" + b"\0" * 100,
    }
    for name, data in hostile.items():
        (folder / name).write_bytes(data)
    trial.fault(len(hostile))
    run = wire("add", "--corpus", tmp_path / "corpus", "--index", tmp_path / "index", folder)
    trial.check(not run.has_traceback, f"add of hostile pages: traceback: {tail(run)}")
    trial.check(run.seconds <= 120, f"add of hostile pages took {run.seconds:.0f} s")
    trial.check(re.search(r"^added [12],", run.out, re.M), f"the good page was not added: {tail(run)}")
    for name in ("bomb.html.gz", "nested.html", "binary.html", "empty.html", "png.html"):
        line = next((x for x in run.err.splitlines() if name in x), "")
        trial.check(re.search(r":\s*\S", line.split(name, 1)[-1]), f"{name} is not refused with a reason")
    trial.verdict()


def test_overlong_json_line_is_skipped_and_the_run_goes_on(trial: Trial, tmp_path: Path) -> None:
    archive = tmp_path / "long.jsonl"
    with archive.open("w") as f:
        f.write(
            json.dumps({"id": "before", "title": "Before", "body": "The story before, quokkabefore."}) + "\n"
        )
        f.write(json.dumps({"id": "long", "title": "Long", "body": "word " * 4_000_000}) + "\n")
        f.write(json.dumps({"id": "after", "title": "After", "body": "The story after, quokkaafter."}) + "\n")
    trial.fault()
    index = tmp_path / "index"
    run = wire("import", archive, "--corpus", tmp_path / "corpus", "--index", index)
    trial.check(not run.has_traceback, f"import of a 20 MB line: traceback: {tail(run)}")
    trial.check(re.search(r"long\.jsonl:2|\blong\b", run.err), f"the long line is not reported: {tail(run)}")
    for word in ("quokkabefore", "quokkaafter"):
        trial.check(harness.search_total(index, word) == 1, f"the story with {word} is not searchable")
    agrees(trial, tmp_path / "corpus", index, "after an overlong line")
    trial.verdict()


def test_lone_surrogates_in_json_lines(trial: Trial, tmp_path: Path) -> None:
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    lines = [
        r'{"title": "Lone high \ud800", "body": "Body with \ud800 and quokkahigh.", "date": "2024-01-02"}',
        r'{"title": "Lone low", "body": "Body with \udfff alone and quokkalow.", "date": "2024-01-03"}',
        r'{"title": "Pair reversed", "body": "Reversed \udc00\ud800 pair, quokkapair.", "id": "pair"}',
        '{"title": "Plain", "body": "A plain story, quokkaplain.", "date": "2024-01-04"}',
    ]
    trial.fault(3)
    run = wire("import", jsonl(tmp_path / "surrogates.jsonl", lines), "--corpus", corpus, "--index", index)
    trial.check(not run.has_traceback, f"import of lone surrogates: traceback: {tail(run)}")
    trial.check(run.code == 0, f"import of lone surrogates: {run}")
    for word in ("quokkahigh", "quokkalow", "quokkapair", "quokkaplain"):
        trial.check(harness.search_total(index, word) == 1, f"the story with {word} is not searchable")
    agrees(trial, corpus, index, "after importing lone surrogates")
    trial.verdict()


def test_truncated_sgm_reports_its_cut_record(trial: Trial, tmp_path: Path) -> None:
    harness.need_shared_data()
    src = harness.reuters_files(1)[0]
    text = src.read_bytes().decode("latin-1")
    whole = harness.sgm_head(src, 10, tmp_path / "ten.sgm").read_bytes().decode("latin-1").rstrip("\n")
    start = text.index("<REUTERS", len(whole))
    end = text.index("</REUTERS>", start)
    cut_newid = re.search(r'NEWID="(\d+)"', text[start:end])[1]  # type: ignore[index]
    cut = tmp_path / "cut.sgm"
    cut.write_bytes((text[: start + (end - start) * 2 // 5]).encode("latin-1"))
    trial.fault()
    run = wire("import", cut, "--corpus", tmp_path / "corpus", "--index", tmp_path / "index")
    trial.check(not run.has_traceback, f"import of a cut archive: traceback: {tail(run)}")
    trial.check(
        re.search(r"^imported 10,", run.out, re.M), f"the 10 whole records were not imported: {tail(run)}"
    )
    said = run.out + run.err
    trial.check(
        re.search(rf"\b{cut_newid}\b", said)
        and re.search(r"trunc|cut|incomplete|unterminated|end", said, re.I),
        f"the cut record (NEWID {cut_newid}) is not reported: {tail(run)}",
    )
    trial.verdict()


def big_body(min_bytes: int) -> list[str]:
    rng = random.Random(harness.SEED)
    words = "the government said on monday that oil prices would rise as markets closed higher".split()
    paras, size = [], 0
    while size < min_bytes:
        paras.append(" ".join(rng.choice(words) for _ in range(120)) + ".")
        size += len(paras[-1]) + 2
    return paras


def test_oversized_story_is_refused_when_it_comes_in(trial: Trial, tmp_path: Path) -> None:
    """Over the story cap: refused by add/import with a reason, or kept by reindex; never
    accepted and then dropped by the next reindex."""
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    where = ("--corpus", corpus, "--index", index)
    paras = big_body(5_500_000)
    record = {"id": "huge-record", "title": "A huge record", "body": "\n\n".join(paras)}
    small = {"id": "small-record", "title": "Small", "body": "A small story, quokkasmall."}
    archive = jsonl(tmp_path / "huge.jsonl", [json.dumps(small), json.dumps(record)])
    page = harness.write_gz(tmp_path / "pages" / "huge.html.gz", harness.html_page("A huge page", paras))
    trial.fault(2)
    imported = wire("import", archive, *where)
    trial.check(not imported.has_traceback, f"import of a huge record: traceback: {tail(imported)}")
    added = wire("add", *where, page)
    trial.check(not added.has_traceback, f"add of a huge page: traceback: {tail(added)}")
    for run, what in ((imported, "huge-record"), (added, "huge.html.gz")):
        if "skipped" in run.err:
            trial.check(what in run.err, f"a skip that does not name {what}: {tail(run)}")
    reindexed = wire("reindex", *where)
    check_ran(trial, reindexed, "the reindex after huge stories")
    trial.check(
        "skipped 0" in reindexed.out,
        f"reindex dropped a story that add/import accepted: {tail(reindexed, 4)}",
    )
    agrees(trial, corpus, index, "after huge stories")
    trial.check(
        harness.search_total(index, "quokkasmall") == 1, "the small record beside the huge one is lost"
    )
    trial.verdict()


def run_as_nobody(*args: str | Path) -> harness.Run:
    """`wire ARGS` as user nobody (root reads any folder, so only another user sees a chmod 000)."""
    started = time.monotonic()
    proc = subprocess.run(
        ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", str(harness.WIRE), *map(str, args)],
        capture_output=True,
        text=True,
        env=harness.wire_env(),
        timeout=harness.COMMAND_TIMEOUT_S,
    )
    return harness.Run(
        tuple(map(str, args)), proc.returncode, proc.stdout, proc.stderr, time.monotonic() - started
    )


def test_symlink_loop_and_unreadable_folder_are_reported(
    trial: Trial, request: pytest.FixtureRequest
) -> None:
    pages = request.getfixturevalue("pages")
    # nobody must reach this folder, so not under pytest's private tmp_path (mode 700)
    root = Path(tempfile.mkdtemp(prefix="wire-faults-"))
    try:
        root.chmod(0o777)
        folder = root / "pages"
        folder.mkdir()
        shutil.copy(pages["files"][0], folder / "good.html.gz")
        (folder / "loop-here").symlink_to(folder, target_is_directory=True)
        locked = folder / "locked-folder"
        locked.mkdir()
        shutil.copy(pages["files"][1], locked / "hidden.html.gz")
        for path in (root, folder, locked):
            path.chmod(0o777)
        (folder / "good.html.gz").chmod(0o644)
        locked.chmod(0)
        trial.fault(2)
        where = ("--corpus", root / "corpus", "--index", root / "index")
        if os.geteuid() == 0:
            probe = subprocess.run(
                ["setpriv", "--reuid=65534", str(harness.WIRE), "--version"], capture_output=True
            )
            if probe.returncode != 0:
                pytest.skip("running as root and `wire` cannot run as nobody here: chmod 000 would not bite")
            run = run_as_nobody("add", *where, folder)
        else:
            run = wire("add", *where, folder)
        said = run.out + run.err
        trial.check(not run.has_traceback, f"add of a folder with a loop: traceback: {tail(run)}")
        trial.check(re.search(r"^added 1,", run.out, re.M), f"the readable page was not added: {tail(run)}")
        trial.check("loop-here" in said, f"the symlink loop is not reported: {tail(run)}")
        trial.check("locked-folder" in said, f"the unreadable folder is not reported: {tail(run)}")
    finally:
        (root / "pages" / "locked-folder").chmod(0o755)
        shutil.rmtree(root, ignore_errors=True)
    trial.verdict()
