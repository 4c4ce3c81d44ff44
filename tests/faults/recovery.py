"""After a fault: recover as the README says, then check every promise.

Shared by the kill -9, full-disk and two-writer trials.
"""

from __future__ import annotations

import re
from pathlib import Path

from . import harness
from .harness import Run, Trial, wire

INDEXED_RE = re.compile(r"indexed ([\d,]+) stor")
# What a second run of a command says when it has nothing left to do...
NOTHING_NEW = {"import": re.compile(r"^imported 0,", re.M), "add": re.compile(r"^added 0,", re.M)}
# ... and what it must not say: that it indexed stories an earlier run left out.
RECOVERED_RE = re.compile(r"^indexed [1-9]", re.M)


def check_ran(trial: Trial, run: Run, what: str) -> bool:
    """A run that must succeed: exit 0, no traceback."""
    ok = trial.check(run.code == 0, f"{what}: {run}")
    return trial.check(not run.has_traceback, f"{what}: Python traceback on stderr") and ok


def wire_check(trial: Trial, corpus: Path, index: Path, *extra: str) -> Run:
    run = wire("check", *extra, "--corpus", corpus, "--index", index)
    if run.unknown_usage:
        trial.check(False, f"`wire check {' '.join(extra)}` does not exist yet")
    trial.check(not run.has_traceback, f"`wire check {' '.join(extra)}`: Python traceback")
    return run


def agrees(trial: Trial, corpus: Path, index: Path, when: str) -> bool:
    """`wire check` exits 0, and our own reading of corpus and index agrees with it."""
    run = wire_check(trial, corpus, index)
    ok = run.unknown_usage or trial.check(run.code == 0, f"`wire check` {when}: exit {run.code}: {tail(run)}")
    ours = harness.agreement_problems(corpus, index)
    return trial.check(not ours, f"corpus and index differ {when}: {'; '.join(ours)}") and ok


def tail(run: Run, lines: int = 3) -> str:
    return " | ".join((run.out + run.err).strip().splitlines()[-lines:])[:400]


def recover(
    trial: Trial, args: tuple[str | Path, ...], corpus: Path, index: Path, how: str, dead_holder: int = 0
) -> Run:
    """The documented recoveries: `wire check --repair` then the command again, or just
    the command again; either way `wire check` must pass afterwards. Returns the rerun.

    `dead_holder`: the pid of a killed writer that the lock file still names; the
    first writer after it must say it took the lock over."""
    differs = harness.agreement_problems(corpus, index)
    trial.note("disagreed right after the fault" if differs else "agreed right after the fault")
    if how == "repair":
        first = repaired = wire_check(trial, corpus, index, "--repair")
        trial.check(repaired.code == 0 or repaired.unknown_usage, f"`wire check --repair`: {tail(repaired)}")
        agrees(trial, corpus, index, "after `wire check --repair`")
        rerun = wire(*args)
        check_ran(trial, rerun, "the rerun after the repair")
    else:
        first = rerun = wire(*args)
        check_ran(trial, rerun, "the rerun after the fault")
        agrees(trial, corpus, index, "after a rerun alone")
    if dead_holder:
        said = [line for line in first.err.splitlines() if str(dead_holder) in line]
        trial.check(len(said) == 1, f"the dead writer's lock was taken over without one line: {tail(first)}")
        trial.note("lock takeovers announced")
    return rerun


def converges(
    trial: Trial,
    args: tuple[str | Path, ...],
    corpus: Path,
    index: Path,
    expected: set[str],
    rerun: Run | None = None,
) -> None:
    """A further run reports nothing new, the corpus and index agree, and every story
    the user asked for is searchable. A reindex always does all its work, so the
    rerun of the recovery (when given) is the run judged for it."""
    command = str(args[0])
    again = rerun if command == "reindex" and rerun is not None else wire(*args)
    if check_ran(trial, again, "the second rerun"):
        if command in NOTHING_NEW:
            quiet = NOTHING_NEW[command].search(again.out) and not RECOVERED_RE.search(again.out)
            trial.check(quiet, f"the second rerun found work: {tail(again)}")
        else:
            m = INDEXED_RE.search(again.out)
            files = sum(harness.corpus_ids(corpus).values())
            count = int(m[1].replace(",", "")) if m else -1
            trial.check(count == files, f"reindex indexed {count} of {files} story files")
    agrees(trial, corpus, index, "after the runs converged")
    indexed = harness.index_ids(index) or {}
    missing = sorted(expected - set(indexed))
    trial.check(not missing, f"{len(missing)} stories the user gave are not searchable, e.g. {missing[:3]}")
    trial.check(harness.search_total(index, harness.PROBE_WORD), "the index does not answer a search")
