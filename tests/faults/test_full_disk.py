"""A full filesystem: import, add and reindex into a small tmpfs until ENOSPC.

The corpus and index live on a tmpfs the test mounts (root only; skipped with the
reason when mounting is refused). A ballast file leaves a seeded fraction of the
room the command took uncut, so the disk fills at different stages (story files,
segment files, the new generation).
Then the ballast goes (space freed) and the runs must converge.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

import pytest

from . import harness
from .harness import Run, Trial
from .recovery import converges, recover, tail

FS_SIZE = "96m"


@dataclass(frozen=True)
class Full:
    command: str
    room: float  # free space left, as a fraction of what the command needs uncut
    recovery: str


_rng = random.Random(harness.SEED + 1)
FULLS = [
    Full(command, round(_rng.uniform(0.05, 0.9), 2), recovery)
    for command, recovery in [
        ("import", "rerun"),
        ("import", "repair"),
        ("reindex", "rerun"),
        ("add", "repair"),
    ]
]


def check_disk_full_message(trial: Trial, run: Run) -> None:
    """Exit 1 and one line that says the disk is full, no traceback."""
    trial.check(run.code == 1, f"exit status {run.code} on a full disk (1 expected)")
    trial.check(not run.has_traceback, "a Python traceback on a full disk")
    said = [line for line in run.err.splitlines() if "space" in line.lower()]
    trial.check(len(said) == 1, f"{len(said)} lines say the disk is full (one expected): {tail(run)}")


@pytest.mark.parametrize("full", FULLS, ids=[f"{f.command}-room{f.room}-{f.recovery}" for f in FULLS])
def test_full_disk(full: Full, trial: Trial, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    small = request.getfixturevalue("small_template")
    with harness.tmpfs(tmp_path / "fs", FS_SIZE) as fs:
        corpus, index = fs / "corpus", fs / "index"
        where = ("--corpus", corpus, "--index", index)
        if full.command == "import":
            first = harness.sgm_head(harness.reuters_files(1, first=5)[0], 100, tmp_path / "first.sgm")
            assert harness.wire("import", first, *where).code == 0
            args: tuple = ("import", *small["files"], *where)
            expected = set(harness.corpus_ids(corpus)) | harness.archive_ids(small["files"])
        else:
            harness.copy_tree(small["corpus"], corpus)
            harness.copy_tree(small["index"], index)
            expected = set(harness.corpus_ids(corpus))
            if full.command == "add":
                pages = request.getfixturevalue("pages")
                args = ("add", *where, pages["folder"])
                expected |= harness.page_ids(pages["files"])
            else:
                args = ("reindex", *where)
        needs = {"import": small["import_bytes"], "reindex": small["index_bytes"]}
        need = needs.get(full.command) or request.getfixturevalue("pages")["add_bytes"]
        before = harness.snapshot(corpus)
        ballast = harness.fill_leaving(fs, int(full.room * need))

        run = harness.wire(*args)
        if run.code == 0:
            trial.note("had room after all")
        else:
            trial.fault()
            check_disk_full_message(trial, run)
        trial.check(harness.search_total(index, harness.PROBE_WORD), "no search answer on the full disk")
        lost = harness.lost_files(before, corpus)
        trial.check(not lost, f"the full disk lost or changed {len(lost)} file(s), e.g. {lost[:3]}")

        ballast.unlink(missing_ok=True)
        rerun = recover(trial, args, corpus, index, full.recovery)
        converges(trial, args, corpus, index, expected, rerun)
    trial.verdict()
