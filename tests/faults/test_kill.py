"""kill -9 of `wire reindex`, `wire add` and `wire import` at seeded moments.

The moment is a seeded fraction of how long the same command took uncut on this
machine (measured by the session fixtures), so trials land early, midway and late
whatever the machine's speed. The big trials cross the 5,000-story line where a
build runs a process pool; the big import is killed a seeded moment after its
first worker process appears.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

import pytest

from . import harness
from .harness import Trial
from .recovery import converges, recover


@dataclass(frozen=True)
class Kill:
    command: str  # reindex | add | import
    setup: str  # small | big (a corpus copied in) | first | big-first (empty) | more (a corpus, a new file)
    recovery: str  # repair | rerun
    fraction: float  # of the uncut duration; for after_children, of WORKER_WINDOW_S

    @property
    def after_children(self) -> bool:
        return self.setup == "big-first"


WORKER_WINDOW_S = 3.0
# A command faster than its calibration finishes before its kill: try again, twice as soon.
ATTEMPTS = 3
_rng = random.Random(harness.SEED)
KILLS = [
    Kill(command, setup, recovery, round(_rng.uniform(0.05, 0.9), 3))
    for command, setup, recovery in [
        ("reindex", "small", "repair"),
        ("reindex", "small", "rerun"),
        ("reindex", "small", "rerun"),
        ("reindex", "big", "repair"),
        ("add", "small", "rerun"),
        ("add", "small", "repair"),
        ("add", "small", "rerun"),
        ("import", "first", "rerun"),
        ("import", "more", "repair"),
        ("import", "big-first", "rerun"),
    ]
]


def prepare(kill: Kill, tmp: Path, small: dict, big: dict, pages: dict) -> tuple[tuple, set[str], float]:
    """(the command's arguments, the story ids it must leave searchable, its uncut seconds)."""
    corpus, index = tmp / "corpus", tmp / "index"
    where = ("--corpus", corpus, "--index", index)
    if kill.setup in ("small", "big", "more"):
        template = big if kill.setup == "big" else small
        harness.copy_tree(template["corpus"], corpus)
        harness.copy_tree(template["index"], index)
    before = set(harness.corpus_ids(corpus)) if corpus.exists() else set()
    if kill.command == "reindex":
        template = big if kill.setup == "big" else small
        return ("reindex", *where), before, template["reindex_s"]
    if kill.command == "add":
        return ("add", *where, pages["folder"]), before | harness.page_ids(pages["files"]), pages["add_s"]
    files = {
        "first": small["files"],
        "more": harness.reuters_files(1, first=len(small["files"])),
        "big-first": harness.reuters_files(harness.BIG_FILES),
    }[kill.setup]
    seconds = small["import_s"] * len(files) / len(small["files"])
    return ("import", *files, *where), before | harness.archive_ids(files), seconds


@pytest.mark.parametrize(
    "kill", KILLS, ids=[f"{k.command}-{k.setup}-{k.recovery}-{k.fraction}" for k in KILLS]
)
def test_kill(kill: Kill, trial: Trial, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    small = request.getfixturevalue("small_template")
    big = request.getfixturevalue("big_template") if kill.setup == "big" else {}
    pages = request.getfixturevalue("pages") if kill.command == "add" else {}
    for attempt in range(ATTEMPTS):
        tmp = tmp_path / f"try-{attempt}"
        tmp.mkdir()
        args, expected, seconds = prepare(kill, tmp, small, big, pages)
        corpus, index = tmp / "corpus", tmp / "index"
        before = harness.snapshot(corpus) if corpus.exists() else {}
        had_index = (index / "CURRENT").exists()
        sooner = 0.5**attempt
        proc = harness.start_wire(*args, log=tmp / "killed")
        if kill.after_children:
            # workers appear when the build starts, after the story files are written
            delay, limit = kill.fraction * WORKER_WINDOW_S * sooner, 0.9 * seconds * sooner
            watched, killed = harness.kill_at(proc, delay, after_children=limit)
        else:
            watched, killed = harness.kill_at(proc, kill.fraction * seconds * sooner)
        harness.stop_strays(trial, str(tmp), watched)
        dead_holder = proc.pid if killed and harness.lock_holder(index) == proc.pid else 0
        if killed:
            trial.fault()
            break
        trial.note(f"{kill.command} finished before its kill (tried sooner)")

    lost = harness.lost_files(before, corpus)
    trial.check(not lost, f"the kill lost or changed {len(lost)} file(s) the user had, e.g. {lost[:3]}")
    if had_index:
        trial.check(harness.search_total(index, harness.PROBE_WORD), "no search answer right after the kill")
    rerun = recover(trial, args, corpus, index, kill.recovery, dead_holder)
    converges(trial, args, corpus, index, expected, rerun)
    lost = harness.lost_files(before, corpus)
    trial.check(not lost, f"recovery lost or changed {len(lost)} file(s) the user had, e.g. {lost[:3]}")
    trial.verdict()
