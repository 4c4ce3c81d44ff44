"""The fault suite's working parts: running the real `wire` command, killing it,
finding what it left running, and checking a corpus against its index.

Everything here drives the installed console script as a user would; the only
library calls read what is on disk (story files, the index) to judge the result.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WIRE = Path(sys.executable).with_name("wire")
SHARED = Path(os.environ.get("WIRE_SHARED_DATA", ROOT.parent / "shared" / "data"))
REUTERS = SHARED / "reuters21578"
AEB_PAGES = SHARED / "aeb" / "html"
# Seeds every random choice of the suite (kill moments, free space left); set it to explore.
SEED = int(os.environ.get("WIRE_FAULT_SEED", "11"))
# How long a killed command's children may take to notice and exit.
ORPHAN_GRACE_S = 5.0
# Every command of the suite ends within this, or it is a problem (a hang).
COMMAND_TIMEOUT_S = 300.0
# Sizes of the shared corpora: SMALL for most trials, BIG crosses the 5,000-story
# line above which a build uses a process pool (the path whose workers outlived kills).
SMALL_FILES = 2
BIG_FILES = 5
ADD_PAGES = 40
# A word every Reuters-21578 sample of a few hundred stories contains.
PROBE_WORD = "said"


# --- the tally ------------------------------------------------------------------------------


@dataclass
class Tally:
    """Counts for the closing summary line."""

    trials: int = 0
    faults: int = 0
    problems: list[str] = field(default_factory=list)
    notes: Counter[str] = field(default_factory=Counter)

    def summary(self) -> str:
        extra = "".join(f", {name}: {n}" for name, n in sorted(self.notes.items()))
        counts = f"trials: {self.trials}, faults injected: {self.faults}{extra}"
        return f"fault suite: {counts}, problems: {len(self.problems)}"


@dataclass
class Trial:
    """One trial: the faults it injected and the problems it found (checks never stop it)."""

    name: str
    tally: Tally
    problems: list[str] = field(default_factory=list)

    def fault(self, n: int = 1) -> None:
        self.tally.faults += n

    def note(self, what: str) -> None:
        self.tally.notes[what] += 1

    def check(self, ok: object, problem: str) -> bool:
        """Record `problem` unless `ok` (once per trial: a missing command is one problem)."""
        if not ok and problem not in self.problems:
            self.problems.append(problem)
            self.tally.problems.append(f"{self.name}: {problem}")
        return bool(ok)

    def verdict(self) -> None:
        assert not self.problems, f"{self.name}: " + "; ".join(self.problems)


# --- running wire -----------------------------------------------------------------------------


@dataclass
class Run:
    args: tuple[str, ...]
    code: int
    out: str
    err: str
    seconds: float

    def __str__(self) -> str:
        tail = (self.err.strip().splitlines() or [""])[-1][:300]
        return f"`wire {' '.join(self.args)}` exit {self.code}: {tail}"

    @property
    def has_traceback(self) -> bool:
        return "Traceback (most recent call last)" in self.err + self.out

    @property
    def unknown_usage(self) -> bool:
        """click refused the command line: a command or option that does not exist (yet)."""
        return self.code == 2 and ("No such command" in self.err or "No such option" in self.err)


def wire_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WIRE_")}
    env["PYTHONWARNINGS"] = "ignore"  # a warning on stderr is not what these trials judge
    return env


def start_wire(*args: str | Path, log: Path | None = None) -> subprocess.Popen[str]:
    """Start `wire ARGS` in its own process group (so cleanup can reach all of it).

    With `log`, its output goes to LOG.out and LOG.err instead of pipes: a command
    about to be killed must never block on a full pipe, and its orphans must not
    hold our end open.
    """
    if log is None:
        out: int | object = subprocess.PIPE
        err: int | object = subprocess.PIPE
    else:
        out, err = open(f"{log}.out", "w"), open(f"{log}.err", "w")  # noqa: SIM115 - closed below
    try:
        return subprocess.Popen(
            [str(WIRE), *map(str, args)],
            stdin=subprocess.DEVNULL,
            stdout=out,  # type: ignore[arg-type]
            stderr=err,  # type: ignore[arg-type]
            text=True,
            env=wire_env(),
            start_new_session=True,
        )
    finally:
        if log is not None:
            out.close()  # type: ignore[union-attr]
            err.close()  # type: ignore[union-attr]


def logged_run(proc: subprocess.Popen[str], log: Path, args: Iterable[str | Path], started: float) -> Run:
    """The Run of a command started with `log`, once it has ended."""
    proc.wait()
    out = Path(f"{log}.out").read_text(errors="replace")
    err = Path(f"{log}.err").read_text(errors="replace")
    return Run(tuple(map(str, args)), proc.returncode, out, err, time.monotonic() - started)


def finish(proc: subprocess.Popen[str], args: Iterable[str | Path], started: float) -> Run:
    try:
        out, err = proc.communicate(timeout=COMMAND_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        kill_group(proc.pid)
        out, err = proc.communicate()
        err += f"\n(harness: killed after {COMMAND_TIMEOUT_S:.0f} s)"
    return Run(tuple(map(str, args)), proc.returncode, out, err, time.monotonic() - started)


def wire(*args: str | Path) -> Run:
    """Run `wire ARGS` to the end."""
    started = time.monotonic()
    return finish(start_wire(*args), args, started)


def kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


# --- processes --------------------------------------------------------------------------------


def _stat(pid: int) -> tuple[str, int] | None:
    """(state, parent pid) of a live process, None when it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()
    return fields[0], int(fields[1])


def is_alive(pid: int) -> bool:
    stat = _stat(pid)
    return stat is not None and stat[0] not in ("Z", "X")


def descendants(pid: int) -> set[int]:
    """Every live process below `pid`."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := _stat(int(entry.name))):
            children.setdefault(stat[1], []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def processes_naming(marker: str) -> dict[int, str]:
    """Live processes (not this one) whose command line contains `marker`."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if marker in cmdline and is_alive(int(entry.name)):
            found[int(entry.name)] = cmdline.strip()
    return found


def survivors(marker: str, watched: set[int], grace: float = ORPHAN_GRACE_S) -> dict[int, str]:
    """What still runs `grace` seconds after a kill: processes naming `marker`
    and processes that were the killed command's children."""
    deadline = time.monotonic() + grace
    while True:
        left = processes_naming(marker)
        left.update({pid: "(child of the killed command)" for pid in watched if is_alive(pid)})
        if not left or time.monotonic() >= deadline:
            return left
        time.sleep(0.1)


def kill_at(
    proc: subprocess.Popen[str], delay: float, *, after_children: float | None = None
) -> tuple[set[int], bool]:
    """kill -9 the command `delay` seconds after it started or, with `after_children`,
    after its first child process appeared (or after `after_children` seconds when none
    did); return its descendants just before, and whether it was still running."""
    if after_children is not None:
        limit = time.monotonic() + after_children
        while proc.poll() is None and not descendants(proc.pid) and time.monotonic() < limit:
            time.sleep(0.02)
    deadline = time.monotonic() + delay
    while proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    kids = descendants(proc.pid)
    running = proc.poll() is None
    if running:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    return kids, running


def lock_holder(index: Path) -> int:
    """The pid the index's lock file names (0: none). The file is the lock's own record
    of its holder, so a writer killed while holding it is still named there."""
    try:
        first = (index / "LOCK").read_text(errors="replace").split()
    except OSError:
        return 0
    return int(first[0]) if first and first[0].isdigit() else 0


def stop_strays(trial: Trial, marker: str, watched: set[int]) -> None:
    """Record anything the killed command left running, then end it so later trials start clean."""
    left = survivors(marker, watched)
    trial.check(
        not left,
        f"{len(left)} process(es) outlived the killed command by {ORPHAN_GRACE_S:.0f} s: "
        + "; ".join(f"{pid} {cmd[:120]}" for pid, cmd in sorted(left.items())),
    )
    for pid in left:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


# --- corpus and index on disk -------------------------------------------------------------------


def snapshot(corpus: Path) -> dict[str, str]:
    """sha256 of every visible file under the corpus, by relative path."""
    found = {}
    for path in sorted(corpus.rglob("*")):
        rel = path.relative_to(corpus)
        if path.is_file() and not any(part.startswith(".") for part in rel.parts):
            found[rel.as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def lost_files(before: dict[str, str], corpus: Path) -> list[str]:
    """Files of `before` that are gone or changed."""
    now = snapshot(corpus)
    return [rel for rel, digest in before.items() if now.get(rel) != digest]


def corpus_ids(corpus: Path) -> Counter[str]:
    """Story ids of the corpus's story files, as the library finds them."""
    from indexer.corpus import iter_story_files, story_id_of

    return Counter(story_id_of(p) for p in iter_story_files(corpus))


def index_ids(index: Path) -> Counter[str] | None:
    """Story ids in the live index (lexicon documents left out); None when it does not open."""
    from indexer.index import open_index
    from indexer.storedfields import stored

    try:
        ix = open_index(index)
        with ix.searcher() as s:
            ids = Counter(str(f["id"]) for f in stored(s).all() if "id" in f)
        ix.close()
    except Exception:  # noqa: BLE001 - any failure to open or read is what this reports
        return None
    return Counter({i: n for i, n in ids.items() if not i.startswith("_lexicon-")})


def agreement_problems(corpus: Path, index: Path) -> list[str]:
    """What differs between corpus and index, judged without `wire check`."""
    files, indexed = corpus_ids(corpus), index_ids(index)
    if indexed is None:
        return ["the index does not open"]
    problems = []
    if missing := sorted(set(files) - set(indexed)):
        problems.append(f"{len(missing)} story file(s) not indexed, e.g. {missing[:3]}")
    if orphans := sorted(set(indexed) - set(files)):
        problems.append(f"{len(orphans)} index entries without a file, e.g. {orphans[:3]}")
    if twice := sorted(i for i, n in indexed.items() if n > 1):
        problems.append(f"{len(twice)} stories indexed more than once, e.g. {twice[:3]}")
    return problems


def search_total(index: Path, query: str) -> int | None:
    """Hits of `wire search --json`, None when it does not answer."""
    run = wire("search", "--json", "--index", index, query)
    if run.code != 0 or run.has_traceback:
        return None
    try:
        return int(json.loads(run.out)["total"])
    except (ValueError, KeyError):
        return None


def disk_usage(root: Path) -> int:
    """Bytes a tree occupies on disk (allocated blocks, folders included), as du counts."""
    if not root.exists():
        return 0
    return sum(p.lstat().st_blocks * 512 for p in [root, *root.rglob("*")])


def copy_tree(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst, symlinks=True)
    return dst


# --- inputs -----------------------------------------------------------------------------------


def need_shared_data() -> None:
    """Skip (with the reason) when ../shared/data is not beside the checkout."""
    import pytest

    if not REUTERS.is_dir() or not AEB_PAGES.is_dir():
        pytest.skip(f"shared data not found at {SHARED} (set WIRE_SHARED_DATA)")


def reuters_files(n: int, first: int = 0) -> list[Path]:
    return [REUTERS / f"reut2-{i:03d}.sgm" for i in range(first, first + n)]


def archive_ids(paths: Iterable[Path]) -> set[str]:
    """Ids of the stories an import of `paths` must leave in the index (the library's reader)."""
    from indexer.imports import ImportRecord
    from indexer.ingest import read_archive

    return {item.id for path in paths for item in read_archive(path) if isinstance(item, ImportRecord)}


def usable_pages(n: int) -> list[Path]:
    """The first `n` AEB pages our extractor makes a story of (a page it refuses
    would make `wire add` exit 1 on every run and hide real failures)."""
    from indexer.extract import extract_html, read_page_bytes
    from indexer.story import BadStoryError

    found = []
    for path in sorted(AEB_PAGES.glob("*.html.gz")):
        try:
            extract_html(read_page_bytes(path.read_bytes()))
        except BadStoryError:
            continue
        found.append(path)
        if len(found) == n:
            break
    return found


def page_ids(paths: Iterable[Path]) -> set[str]:
    from indexer.extract import page_id, read_page_bytes

    return {page_id(read_page_bytes(p.read_bytes())) for p in paths}


def sgm_head(src: Path, stories: int, dst: Path) -> Path:
    """The first `stories` stories of a Reuters file, as a file of its own."""
    text = src.read_bytes().decode("latin-1")
    cut = 0
    for _ in range(stories):
        cut = text.index("</REUTERS>", cut) + len("</REUTERS>")
    dst.write_bytes(text[:cut].encode("latin-1") + b"\n")
    return dst


def html_page(title: str, paragraphs: Iterable[str]) -> bytes:
    body = "".join(f"<p>{p}</p>\n" for p in paragraphs)
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title></head>"
        f"<body><article><h1>{title}</h1>\n{body}</article></body></html>"
    ).encode()


def write_gz(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(data))
    return path


@contextlib.contextmanager
def tmpfs(where: Path, size: str) -> Iterator[Path]:
    """A small tmpfs mounted at `where` (root only); pytest skips when mounting is refused."""
    import pytest

    where.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)], capture_output=True, text=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip() or 'mount refused'}")
    try:
        yield where
    finally:
        for pid in processes_naming(str(where)):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        subprocess.run(["umount", "-l", str(where)], capture_output=True)


def fill_leaving(fs: Path, free_bytes: int) -> Path:
    """A ballast file that leaves about `free_bytes` free on the filesystem of `fs`."""
    st = os.statvfs(fs)
    ballast = fs / "ballast.bin"
    size = st.f_bavail * st.f_frsize - free_bytes
    if size > 0:
        with open(ballast, "wb") as f:
            os.posix_fallocate(f.fileno(), 0, size)
    return ballast
