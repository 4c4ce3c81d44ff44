"""Getting stories in: full reindex, bulk import of archives, adding scraped pages.

Each public function is one CLI command's work; the CLI only parses options and
prints. Corpus files go through indexer.corpus, index writes through indexer.index.
"""

from __future__ import annotations

import gzip
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from . import corpus
from .chrome import ChromeLines
from .imports import ImportProblem, ImportRecord, read_json_lines, read_reuters_sgml
from .index import BuildReport, add_to_index, build_index, index_lock, indexed_ids
from .search import IndexMissingError
from .story import BadStoryError, Story
from .wire import parse_story

Progress = Callable[[int], None]
HTML_SUFFIXES = (".html", ".htm", ".html.gz", ".htm.gz")


class ImportFormatError(ValueError):
    """A file given to `wire import` that is neither Reuters SGML nor JSON Lines."""


def iter_corpus_stories(root: Path) -> Iterator[Story | tuple[str, str]]:
    """Every story of the corpus, or (path, reason) for a file that cannot be one."""
    for path in corpus.iter_story_files(root):
        try:
            yield corpus.read_story(root, path)
        except BadStoryError as e:
            yield (corpus.relative_path(root, path), str(e))


def iter_story_texts(root: Path) -> Iterator[str]:
    """The text of every readable story file (for counting recurring lines)."""
    for path in corpus.iter_story_files(root):
        try:
            yield corpus.decode_story_bytes(path.read_bytes()) if path.suffix == ".txt" else ""
        except (OSError, BadStoryError):
            continue


def count_story_files(root: Path) -> int:
    return sum(1 for _ in corpus.iter_story_files(root))


def reindex(corpus_dir: Path, index_dir: Path, *, on_progress: Progress | None = None) -> BuildReport:
    """Rebuild the index from the whole corpus and swap it in atomically."""
    if not corpus_dir.is_dir():
        raise FileNotFoundError(f"corpus folder {corpus_dir} does not exist")
    with index_lock(index_dir):
        corpus.remove_stale_temp_files(corpus_dir)
        # lines recurring in many stories of one source are that site's chrome (issue 8)
        chrome = ChromeLines.from_texts(iter_story_texts(corpus_dir))
        stories = (chrome.clean(s) if isinstance(s, Story) else s for s in iter_corpus_stories(corpus_dir))
        return build_index(
            index_dir,
            stories,
            on_progress=on_progress,
            take_lock=False,
            expected=count_story_files(corpus_dir),
        )


# --- wire import --------------------------------------------------------------------------


@dataclass
class AddReport:
    """What an import or add did; `skipped` holds (where, reason)."""

    added: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0


def read_archive(path: Path) -> Iterator[ImportRecord | ImportProblem]:
    """Records of one archive file, by its format (Reuters SGML or JSON Lines)."""
    name = path.name.lower()
    opener = gzip.open if name.endswith(".gz") else open
    base = name.removesuffix(".gz")
    if base.endswith(".sgm") or base.endswith(".sgml"):
        with opener(path, "rb") as f:
            text = f.read().decode("latin-1")  # Reuters-21578 is latin-1
        yield from read_reuters_sgml(text)
    elif base.endswith((".jsonl", ".ndjson", ".json")):
        with opener(path, "rt", encoding="utf-8", errors="replace") as f:
            yield from read_json_lines(f, where=path.name)
    else:
        raise ImportFormatError(f"{path}: not a Reuters .sgm or a .jsonl file")


def import_archives(
    corpus_dir: Path, index_dir: Path, paths: Iterable[Path], *, on_progress: Progress | None = None
) -> AddReport:
    """Write the stories of archive files into the corpus and index the new ones."""
    report = AddReport()
    with index_lock(index_dir, wait=30):
        new_stories: list[Story] = []
        duplicates: list[Path] = []
        for path in paths:
            for item in read_archive(path):
                if on_progress:
                    on_progress(1)
                if isinstance(item, ImportProblem):
                    where = item.where if item.where.startswith(path.name) else f"{path.name} {item.where}"
                    report.skipped.append((where, item.reason))
                    continue
                _import_record(corpus_dir, item, report, new_stories, duplicates)
        _index_new(corpus_dir, index_dir, new_stories + _unindexed(corpus_dir, index_dir, duplicates))
    return report


def _import_record(
    root: Path, record: ImportRecord, report: AddReport, new: list[Story], seen: list[Path]
) -> None:
    path = corpus.story_path(root, record.id, record.date)
    try:
        # the story exactly as a reindex will read the file: parsed once, in memory
        text = corpus.story_file_text(record.fields, record.body)
        story = parse_story(text, path=corpus.relative_path(root, path))
    except BadStoryError as e:
        report.skipped.append((record.id, str(e)))
        return
    path, written = corpus.add_story_file(root, record.id, record.date, record.fields, record.body)
    if not written:
        report.duplicates.append(record.id)
        seen.append(path)
        return
    report.added.append(record.id)
    new.append(story)


def _index_new(corpus_dir: Path, index_dir: Path, stories: list[Story]) -> None:
    """Index freshly written stories; build the whole index if there is none yet."""
    if not stories:
        return
    try:
        add_to_index(index_dir, stories)
    except IndexMissingError:
        stories_iter = iter_corpus_stories(corpus_dir)
        build_index(index_dir, stories_iter, take_lock=False, expected=count_story_files(corpus_dir))


def _unindexed(corpus_dir: Path, index_dir: Path, paths: list[Path]) -> list[Story]:
    """Stories already in the corpus that the index lacks (an add interrupted
    between writing files and indexing them): they are indexed on the next run."""
    by_id = {corpus.story_id_of(p): p for p in paths}
    missing = set(by_id) - indexed_ids(index_dir, by_id)
    stories = []
    for story_id in sorted(missing):
        try:
            stories.append(corpus.read_story(corpus_dir, by_id[story_id]))
        except BadStoryError:
            continue
    return stories


# --- wire add -------------------------------------------------------------------------------


def iter_page_files(paths: Iterable[Path]) -> Iterator[Path]:
    """HTML files named directly or found (recursively) in named folders."""
    for path in paths:
        if path.is_dir():
            for found in sorted(path.rglob("*")):
                if found.is_file() and found.name.lower().endswith(HTML_SUFFIXES):
                    yield found
        else:
            yield path


def add_pages(
    corpus_dir: Path,
    index_dir: Path,
    pages: Iterable[tuple[str, bytes | BadStoryError]],
    *,
    url: str | None = None,
    on_progress: Progress | None = None,
) -> AddReport:
    """Extract scraped pages into the corpus (raw page kept) and index them at once.

    `pages` yields (name, raw bytes), or (name, error) for a file that could not be read.
    """
    from .extract import extract_html, page_id, read_page_bytes

    report = AddReport()
    with index_lock(index_dir, wait=30):
        new_stories: list[Story] = []
        duplicates: list[Path] = []
        for name, raw in pages:
            if on_progress:
                on_progress(1)
            try:
                if isinstance(raw, BadStoryError):
                    raise raw
                html = read_page_bytes(raw)
                story = extract_html(html, url=url)
            except BadStoryError as e:
                report.skipped.append((name, str(e)))
                continue
            story = story.replace(id=page_id(html))
            text_path, written = corpus.add_page_files(corpus_dir, story, html)
            if not written:
                report.duplicates.append(name)
                duplicates.append(text_path)
                continue
            report.added.append(name)
            new_stories.append(story.replace(path=corpus.relative_path(corpus_dir, text_path)))
        _index_new(corpus_dir, index_dir, new_stories + _unindexed(corpus_dir, index_dir, duplicates))
    return report


def read_pages(paths: Iterable[Path]) -> Iterator[tuple[str, bytes | BadStoryError]]:
    """(name, bytes) for each page file, or (name, the reason it cannot be read);
    '-' reads standard input."""
    from .encoding import MAX_PAGE_BYTES

    for path in paths:
        if str(path) == "-":
            yield "<stdin>", sys.stdin.buffer.read(MAX_PAGE_BYTES + 1)
            continue
        for page in iter_page_files([path]):
            try:
                if page.stat().st_size > MAX_PAGE_BYTES:
                    # checked before reading, so a huge file never fills memory
                    yield str(page), BadStoryError(f"larger than {MAX_PAGE_BYTES // 2**20} MB")
                    continue
                yield str(page), page.read_bytes()
            except OSError as e:
                yield str(page), BadStoryError(f"unreadable ({e.strerror})")
