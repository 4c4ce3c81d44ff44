"""The fault suite (`make test-faults`): kill -9, a full disk, concurrent writers,
a server under a reindex, hostile input. Real `wire` processes on real data.

It takes minutes, so the plain `make test` leaves it out: these files are collected
only when WIRE_FAULTS=1 (the Makefile target sets it). Every trial records its
faults and problems in one tally, printed as the last line of the run.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator

import pytest

from . import harness
from .harness import Tally, Trial

if os.environ.get("WIRE_FAULTS") != "1":
    collect_ignore_glob = ["test_*.py"]

TALLY = Tally()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if TALLY.trials:
        for problem in TALLY.problems:
            terminalreporter.write_line(f"problem: {problem}")
        terminalreporter.write_line(TALLY.summary())


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    report = yield
    if report.when == "call":
        item.stash[CALL_FAILED] = report.failed
    return report


CALL_FAILED = pytest.StashKey[bool]()


@pytest.fixture
def trial(request: pytest.FixtureRequest) -> Iterator[Trial]:
    """One trial of the tally; a test that dies of an unexpected error counts as a problem."""
    t = Trial(request.node.name, TALLY)
    TALLY.trials += 1
    yield t
    if request.node.stash.get(CALL_FAILED, False) and not t.problems:
        TALLY.problems.append(f"{t.name}: the trial itself failed (see its traceback)")


@pytest.fixture(scope="session")
def small_template(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """A corpus of SMALL_FILES Reuters files, imported and indexed by `wire` (timed, uncut)."""
    harness.need_shared_data()
    root = tmp_path_factory.mktemp("small")
    files = harness.reuters_files(harness.SMALL_FILES)
    run = harness.wire("import", "--corpus", root / "corpus", "--index", root / "index", *files)
    assert run.code == 0, f"template import failed: {run}"
    reindexed = harness.wire("reindex", "--corpus", root / "corpus", "--index", root / "index")
    assert reindexed.code == 0, f"template reindex failed: {reindexed}"
    return {
        "corpus": root / "corpus",
        "index": root / "index",
        "files": files,
        "import_s": run.seconds,
        "reindex_s": reindexed.seconds,
        "import_bytes": harness.disk_usage(root / "corpus") + harness.disk_usage(root / "index"),
        "index_bytes": harness.disk_usage(root / "index"),
    }


@pytest.fixture(scope="session")
def big_template(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """BIG_FILES Reuters files as story files (written by the library, which is quick)
    and indexed by a timed, uncut `wire reindex`."""
    harness.need_shared_data()
    from indexer import corpus as corpus_files
    from indexer.imports import ImportRecord
    from indexer.ingest import read_archive

    root = tmp_path_factory.mktemp("big")
    files = harness.reuters_files(harness.BIG_FILES)
    for path in files:
        for item in read_archive(path):
            if isinstance(item, ImportRecord):
                target = corpus_files.story_path(root / "corpus", item.id, item.date)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(corpus_files.story_file_text(item.fields, item.body), encoding="utf-8")
    run = harness.wire("reindex", "--corpus", root / "corpus", "--index", root / "index")
    assert run.code == 0, f"template reindex failed: {run}"
    return {"corpus": root / "corpus", "index": root / "index", "files": files, "reindex_s": run.seconds}


@pytest.fixture(scope="session")
def pages(tmp_path_factory: pytest.TempPathFactory, small_template: dict[str, object]) -> dict[str, object]:
    """ADD_PAGES real AEB pages in a folder, and how long an uncut `wire add` of them takes."""
    folder = tmp_path_factory.mktemp("pages")
    chosen = harness.usable_pages(harness.ADD_PAGES)
    for path in chosen:
        shutil.copy(path, folder / path.name)
    scratch = tmp_path_factory.mktemp("add-timing")
    corpus = harness.copy_tree(small_template["corpus"], scratch / "corpus")  # type: ignore[arg-type]
    index = harness.copy_tree(small_template["index"], scratch / "index")  # type: ignore[arg-type]
    before = harness.disk_usage(scratch)
    started = time.monotonic()
    run = harness.wire("add", "--corpus", corpus, "--index", index, folder)
    assert run.code == 0, f"uncut add of the pages failed: {run}"
    seconds = time.monotonic() - started
    return {
        "folder": folder,
        "files": chosen,
        "add_s": seconds,
        "add_bytes": harness.disk_usage(scratch) - before,
    }
