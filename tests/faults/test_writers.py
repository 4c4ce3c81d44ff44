"""Two writers at once: both succeed, or the second says it is waiting and then does.

Each pair starts together with `--wait`; afterwards nothing is lost (every story of
both is searchable), corpus and index agree, and a rerun of each finds nothing new.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from . import harness
from .harness import Trial
from .recovery import agrees, check_ran, converges

WAIT_S = "240"
PAIRS = ["import+import", "first-import+first-import", "add+add", "reindex+add"]


def two_page_folders(tmp: Path, pages: dict) -> tuple[Path, Path]:
    a, b = tmp / "pages-a", tmp / "pages-b"
    for n, path in enumerate(pages["files"]):
        target = a if n % 2 else b
        target.mkdir(exist_ok=True)
        shutil.copy(path, target / path.name)
    return a, b


@pytest.mark.parametrize("pair", PAIRS)
def test_two_writers(pair: str, trial: Trial, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    small = request.getfixturevalue("small_template")
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    where = ("--corpus", corpus, "--index", index, "--wait", WAIT_S)
    if not pair.startswith("first"):
        harness.copy_tree(small["corpus"], corpus)
        harness.copy_tree(small["index"], index)
    expected = set(harness.corpus_ids(corpus)) if corpus.exists() else set()
    if "import" in pair:
        heads = [
            harness.sgm_head(src, 300, tmp_path / f"head-{n}.sgm")
            for n, src in enumerate(harness.reuters_files(2, first=6))
        ]
        commands = [("import", head, *where) for head in heads]
        expected |= harness.archive_ids(heads)
    else:
        pages = request.getfixturevalue("pages")
        a, b = two_page_folders(tmp_path, pages)
        commands = [("add", a, *where), ("add", b, *where)]
        if pair.startswith("reindex"):
            commands[0] = ("reindex", *where)
            expected |= harness.page_ids(b.iterdir())
        else:
            expected |= harness.page_ids(pages["files"])

    started = time.monotonic()
    procs = [harness.start_wire(*args, log=tmp_path / f"writer-{n}") for n, args in enumerate(commands)]
    runs = [
        harness.logged_run(p, tmp_path / f"writer-{n}", commands[n], started) for n, p in enumerate(procs)
    ]
    trial.fault()
    for run in runs:
        if run.unknown_usage:
            trial.check(False, f"`--wait` does not exist yet: {run}")
            continue
        check_ran(trial, run, f"writer `wire {run.args[0]}`")
        trial.check("busy" not in run.err, f"a writer was refused: {run}")
        if "waiting for" in run.err:
            trial.note("writers that said they were waiting")
    agrees(trial, corpus, index, "after two writers")
    for args in commands:
        if args[0] != "reindex":
            converges(trial, args, corpus, index, expected)
    check_ran(trial, harness.wire("reindex", "--corpus", corpus, "--index", index), "a reindex after both")
    agrees(trial, corpus, index, "after a reindex")
    trial.verdict()
