"""Getting stories in: full reindex, bulk import of archives, adding scraped pages.

Each public function is one CLI command's work; the CLI only parses options and
prints. Corpus files go through indexer.corpus, index writes through indexer.index.
"""

from __future__ import annotations

import gzip
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing, contextmanager, suppress
from pathlib import Path
from typing import Protocol

from . import corpus
from .backends import open_writer
from .builds import AddReport, BuildReport
from .check import INCOMPLETE_FILE, CheckReport, check, find_unindexed, index_files, repair_index
from .chrome import ChromeLines
from .imports import LONG_LINE, ImportProblem, ImportRecord, read_json_lines, read_reuters_sgml
from .index import BUILD_PROCS, SMALL_BUILD, fsync_path
from .limits import MAX_JSON_LINE_BYTES, MAX_PAGE_SECONDS, MAX_SGML_BYTES
from .locking import DEFAULT_WAIT_SECONDS, Notify, index_lock
from .story import BadStoryError, Story
from .wire import parse_story

Progress = Callable[[int], None]
# Stories written to the corpus per index commit: a crash loses at most this many
# from the index (the next run indexes them), and a big import is searchable as it goes.
COMMIT_BATCH = 2000
# Corpus files a parsing worker takes at a time.
PARSE_CHUNK = 64


class LineReader(Protocol):
    def readline(self, size: int = -1, /) -> bytes: ...


class ImportFormatError(ValueError):
    """A file given to `wire import` that is neither Reuters SGML nor JSON Lines."""


class PageTimeoutError(BadStoryError):
    """A page whose extraction took longer than MAX_PAGE_SECONDS."""


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise PageTimeoutError in this block after `seconds` (main thread only; elsewhere no limit).

    Checked between Python steps: one long call into lxml finishes first.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum: int, frame: object) -> None:
        raise PageTimeoutError(f"took over {seconds:g} s to read")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def iter_corpus_stories(root: Path) -> Iterator[Story | tuple[str, str]]:
    """Every story of the corpus, or (path, reason) for a file that cannot be one."""
    for entry in corpus.iter_corpus_entries(root):
        yield entry if isinstance(entry, tuple) else read_corpus_story(root, entry)


def read_corpus_story(root: Path, path: Path, chrome: ChromeLines | None = None) -> Story | tuple[str, str]:
    """One corpus file as a story (without its site's chrome), or (path, reason)."""
    try:
        with time_limit(MAX_PAGE_SECONDS):
            story = corpus.read_story(root, path)
    except BadStoryError as e:
        return (corpus.relative_path(root, path), str(e))
    return chrome.clean(story) if chrome is not None else story


def parsed_corpus(root: Path, chrome: ChromeLines, procs: int) -> Iterator[Story | tuple[str, str]]:
    """`iter_corpus_stories`, cleaned of chrome, parsed by `procs` worker processes
    (in corpus order): parsing is a third of a reindex's work, and it parallelises."""
    entries = corpus.iter_corpus_entries(root)
    if procs <= 1:
        yield from (e if isinstance(e, tuple) else read_corpus_story(root, e, chrome) for e in entries)
        return
    pool = multiprocessing.get_context("fork").Pool(procs, _parser_init, (root, chrome))
    try:
        yield from pool.imap(_parse_entry, entries, chunksize=PARSE_CHUNK)
        pool.close()
    finally:
        pool.terminate()
        pool.join()


_parser: tuple[Path, ChromeLines] | None = None


def _parser_init(root: Path, chrome: ChromeLines) -> None:
    global _parser
    _parser = (root, chrome)


def _parse_entry(entry: Path | tuple[str, str]) -> Story | tuple[str, str]:
    assert _parser is not None
    return entry if isinstance(entry, tuple) else read_corpus_story(_parser[0], entry, _parser[1])


def iter_story_texts(root: Path) -> Iterator[str]:
    """The text of every readable story file (for counting recurring lines)."""
    for path in corpus.iter_story_files(root):
        try:
            yield corpus.decode_story_bytes(path.read_bytes()) if path.suffix == ".txt" else ""
        except (OSError, BadStoryError):
            continue


def count_story_files(root: Path) -> int:
    return sum(1 for _ in corpus.iter_story_files(root))


def reindex(
    corpus_dir: Path,
    index_dir: Path,
    *,
    on_progress: Progress | None = None,
    wait: float = DEFAULT_WAIT_SECONDS,
    notify: Notify | None = None,
) -> BuildReport:
    """Rebuild the index from the whole corpus and swap it in atomically."""
    if not corpus_dir.is_dir():
        raise FileNotFoundError(f"corpus folder {corpus_dir} does not exist")
    with index_lock(index_dir, wait=wait, notify=notify):
        return rebuild_locked(corpus_dir, index_dir, on_progress)


def check_corpus(
    corpus_dir: Path,
    index_dir: Path,
    *,
    repair: bool = False,
    wait: float = 0.0,
    notify: Notify | None = None,
) -> tuple[CheckReport, list[str]]:
    """`wire check`: compare (and with `repair`, mend) under the writer lock, so
    no write is half seen. Returns the final report and what was done."""
    if not corpus_dir.is_dir():
        raise FileNotFoundError(f"corpus folder {corpus_dir} does not exist")
    with index_lock(index_dir, wait=wait, notify=notify):
        report = check(corpus_dir, index_dir)
        if not repair or report.agrees:
            return report, []
        if report.index_error:
            built = rebuild_locked(corpus_dir, index_dir)
            done = [f"rebuilt the index from the corpus: {built.indexed:,} stories"]
        else:
            done = repair_index(corpus_dir, index_dir, report)
        return check(corpus_dir, index_dir), done


def rebuild_locked(corpus_dir: Path, index_dir: Path, on_progress: Progress | None = None) -> BuildReport:
    """A full build from the corpus, by a caller that holds the writer lock."""
    corpus.remove_stale_temp_files(corpus_dir)
    # lines recurring in many stories of one source are that site's chrome (issue 8)
    chrome = ChromeLines.from_texts(iter_story_texts(corpus_dir))
    expected = count_story_files(corpus_dir)
    stories = parsed_corpus(corpus_dir, chrome, BUILD_PROCS if expected >= SMALL_BUILD else 1)
    with closing(open_writer(index_dir)) as writer:
        report = writer.build(stories, on_progress=on_progress, expected=expected)
    # every story file is indexed now, whatever an interrupted add left
    (index_dir / INCOMPLETE_FILE).unlink(missing_ok=True)
    return report


# --- writing sessions: add and import -------------------------------------------------------


class IndexQueue:
    """Stories written to the corpus, indexed in batches of COMMIT_BATCH."""

    def __init__(self, index_dir: Path) -> None:
        self.index_dir = index_dir
        self.stories: list[Story] = []
        self.unsynced = False  # a queued story's file may not be on disk yet

    def put(self, story: Story, *, on_disk: bool = False) -> None:
        """Queue a story whose file is written; `on_disk` when that write was synced."""
        self.stories.append(story)
        self.unsynced = self.unsynced or not on_disk
        if len(self.stories) >= COMMIT_BATCH:
            self.flush()

    def flush(self) -> None:
        """Index the queued stories, their files on disk first: the index never
        names a story a power cut could take back."""
        if self.stories:
            if self.unsynced:  # os.sync waits for every file of the machine (90 ms here)
                corpus.sync_to_disk()
            with closing(open_writer(self.index_dir)) as writer:
                writer.add(self.stories)
        self.stories, self.unsynced = [], False


@contextmanager
def writing_session(
    corpus_dir: Path, index_dir: Path, report: AddReport, *, wait: float, notify: Notify | None
) -> Iterator[IndexQueue]:
    """Hold the writer lock for an add or import, with an index to add to.

    With no index yet, the corpus as it is gets one first. A run cut short (kill,
    full disk) leaves INCOMPLETE behind; the next run indexes what it wrote.
    """
    with index_lock(index_dir, wait=wait, notify=notify):
        marker = index_dir / INCOMPLETE_FILE
        if not _is_built(index_dir):
            rebuild_locked(corpus_dir, index_dir)
        elif marker.exists():
            corpus.remove_stale_temp_files(corpus_dir)
            report.recovered += index_files(corpus_dir, index_dir, find_unindexed(corpus_dir, index_dir))
        _write_marker(marker)
        queue = IndexQueue(index_dir)
        try:
            yield queue
        except Exception:
            # index what was written before the failure; the marker stays either way
            with suppress(Exception):
                queue.flush()
            raise
        queue.flush()
        marker.unlink()


def _is_built(index_dir: Path) -> bool:
    with closing(open_writer(index_dir)) as writer:
        return writer.is_built()


def _write_marker(marker: Path) -> None:
    with open(marker, "w") as f:
        f.write(f"{os.getpid()}\n")
        f.flush()
        os.fsync(f.fileno())
    fsync_path(marker.parent)


def read_archive(path: Path) -> Iterator[ImportRecord | ImportProblem]:
    """Records of one archive file, by its format (Reuters SGML or JSON Lines)."""
    name = path.name.lower()
    opener = gzip.open if name.endswith(".gz") else open
    base = name.removesuffix(".gz")
    if base.endswith(".sgm") or base.endswith(".sgml"):
        with opener(path, "rb") as f:
            data = f.read(MAX_SGML_BYTES + 1)  # read whole, so capped (a gzip bomb stops here)
        if len(data) > MAX_SGML_BYTES:
            raise ImportFormatError(f"{path}: over the {MAX_SGML_BYTES:,}-byte SGML file limit; split it")
        yield from read_reuters_sgml(data.decode("latin-1"))  # Reuters-21578 is latin-1
    elif base.endswith((".jsonl", ".ndjson", ".json")):
        with opener(path, "rb") as f:
            yield from read_json_lines(bounded_lines(f, MAX_JSON_LINE_BYTES), where=path.name)
    else:
        raise ImportFormatError(f"{path}: not a Reuters .sgm or a .jsonl file")


def bounded_lines(f: LineReader, limit: int) -> Iterator[str]:
    """Decoded lines of a binary file; a line over `limit` bytes is never held
    whole in memory: it comes out as LONG_LINE, which the JSON reader reports."""
    while True:
        line = f.readline(limit + 1)
        if not line:
            return
        if len(line) > limit and not line.endswith(b"\n"):
            while line and not line.endswith(b"\n"):  # skip the rest of the long line
                line = f.readline(limit + 1)
            yield LONG_LINE
            continue
        yield line.decode("utf-8", errors="replace")


def import_archives(
    corpus_dir: Path,
    index_dir: Path,
    paths: Iterable[Path],
    *,
    on_progress: Progress | None = None,
    wait: float = DEFAULT_WAIT_SECONDS,
    notify: Notify | None = None,
) -> AddReport:
    """Write the stories of archive files into the corpus and index them as it goes."""
    report = AddReport()
    with writing_session(corpus_dir, index_dir, report, wait=wait, notify=notify) as queue:
        for path in paths:
            unindexed: list[Path] = []
            for item in read_archive(path):
                if on_progress:
                    on_progress(1)
                if isinstance(item, ImportProblem):
                    where = item.where if item.where.startswith(path.name) else f"{path.name} {item.where}"
                    report.skipped.append((where, item.reason))
                    continue
                _import_record(corpus_dir, item, report, queue, unindexed)
            queue.flush()  # so that duplicates of this file's own stories count as indexed
            report.recovered += index_files(corpus_dir, index_dir, _not_indexed(index_dir, unindexed))
    return report


def _import_record(
    root: Path, record: ImportRecord, report: AddReport, queue: IndexQueue, seen: list[Path]
) -> None:
    path = corpus.story_path(root, record.id, record.date)
    try:
        # the story exactly as a reindex will read the file: parsed once, in memory
        text = corpus.story_file_text(record.fields, record.body)
        story = parse_story(text, path=corpus.relative_path(root, path))
        path, written = corpus.add_story_file(
            root, record.id, record.date, record.fields, record.body, sync=False
        )
    except BadStoryError as e:
        report.skipped.append((record.id, str(e)))
        return
    if not written:
        report.duplicates.append(record.id)
        seen.append(path)
        return
    report.added.append(record.id)
    queue.put(story)


def _not_indexed(index_dir: Path, paths: list[Path]) -> list[Path]:
    """Of these story files (duplicates of a rerun), the ones the index lacks."""
    if not paths:  # no index to open (a searcher of 200,000 stories: 25 ms of an add)
        return []
    by_id = {corpus.story_id_of(p): p for p in paths}
    with closing(open_writer(index_dir)) as writer:
        present = writer.indexed_ids(by_id)
    return [p for story_id, p in by_id.items() if story_id not in present]


# --- wire add -------------------------------------------------------------------------------


def add_pages(
    corpus_dir: Path,
    index_dir: Path,
    pages: Iterable[tuple[str, bytes | BadStoryError]],
    *,
    url: str | None = None,
    on_progress: Progress | None = None,
    wait: float = DEFAULT_WAIT_SECONDS,
    notify: Notify | None = None,
) -> AddReport:
    """Extract scraped pages into the corpus (raw page kept) and index them at once.

    `pages` yields (name, raw bytes), or (name, error) for a file that could not be read.
    """
    from .extract import extract_html, page_id, read_page_bytes

    report = AddReport()
    with writing_session(corpus_dir, index_dir, report, wait=wait, notify=notify) as queue:
        duplicates: list[Path] = []
        for name, raw in pages:
            if on_progress:
                on_progress(1)
            try:
                if isinstance(raw, BadStoryError):
                    raise raw
                html = read_page_bytes(raw)
                with time_limit(MAX_PAGE_SECONDS):
                    story = extract_html(html, url=url)
                story = story.replace(id=page_id(html))
                text_path, written = corpus.add_page_files(corpus_dir, story, html)
            except BadStoryError as e:
                report.skipped.append((name, str(e)))
                continue
            if not written:
                report.duplicates.append(name)
                duplicates.append(text_path)
                continue
            report.added.append(name)
            report.ids.append(story.id)
            # add_page_files synced the page and its text (and their folders) to disk
            queue.put(story.replace(path=corpus.relative_path(corpus_dir, text_path)), on_disk=True)
        queue.flush()
        report.recovered += index_files(corpus_dir, index_dir, _not_indexed(index_dir, duplicates))
    return report
