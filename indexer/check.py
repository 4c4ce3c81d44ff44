"""Do the corpus and the index agree? `wire check`, and the repair after a crash.

They agree when every story file is indexed once, every index entry has its
file, neither folder holds temporary or orphaned files, and the whole index reads.
The configured backend's writer says what its index holds. Call these with the
writer lock held.
"""

from __future__ import annotations

from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

from . import corpus
from .backends import open_writer
from .locking import is_locked
from .search import BackendUnavailableError, IndexMissingError
from .story import BadStoryError, Story

# Present in the index folder while an add or import runs: found later, it means
# that run was cut short, and what it wrote may be unindexed.
INCOMPLETE_FILE = "INCOMPLETE"
# Files in an index folder that are ours; anything else there is reported.
INDEX_FILES = {"CURRENT", "LOCK", INCOMPLETE_FILE}
# Stories read and indexed per commit while repairing.
REPAIR_BATCH = 2000


@dataclass
class CheckReport:
    """What differs between a corpus and its index (empty lists: they agree)."""

    stories: int = 0  # story files in the corpus
    indexed: int = 0  # stories in the index
    missing: list[str] = field(default_factory=list)  # story files the index lacks (paths)
    orphans: list[str] = field(default_factory=list)  # index entries without a file (ids)
    doubled: list[str] = field(default_factory=list)  # ids indexed more than once
    doubled_files: list[str] = field(default_factory=list)  # their files, to index once again
    leftovers: list[str] = field(default_factory=list)  # temporary or stale files and folders
    unindexable: list[tuple[str, str]] = field(default_factory=list)  # (path, reason): not a story
    unreadable: list[tuple[str, str]] = field(default_factory=list)  # (path, reason): cannot look
    index_error: str = ""  # the index does not open or a segment does not read
    interrupted: bool = False  # an add or import was cut short (INCOMPLETE is there)

    @property
    def agrees(self) -> bool:
        return not (
            self.missing
            or self.orphans
            or self.doubled
            or self.leftovers
            or self.index_error
            or self.interrupted
        )


def describe_check(report: CheckReport) -> list[str]:
    """What `wire check` prints: counts, then each difference with a few examples."""
    lines = [f"corpus: {report.stories:,} story files; index: {report.indexed:,} stories"]
    if report.index_error:
        lines.append(f"index: {report.index_error}")
    differences = [
        ("story files the index lacks", report.missing),
        ("index entries without a story file", report.orphans),
        ("stories indexed more than once", report.doubled),
        ("temporary or stale files", report.leftovers),
    ]
    for what, items in differences:
        if items:
            lines.append(f"{len(items):,} {what}: {examples(items)}")
    if report.interrupted:
        lines.append("an add or import was interrupted before it finished")
    notes = [
        ("files that are not stories (reindex skips them too)", report.unindexable),
        ("places that could not be read", report.unreadable),
    ]
    for what, problems in notes:
        if problems:
            lines.append(f"note: {len(problems):,} {what}: " + examples([f"{p} ({r})" for p, r in problems]))
    lines.append("they agree" if report.agrees else "they differ: run `wire check --repair`")
    return lines


def examples(items: list[str], shown: int = 3) -> str:
    """The first few items, and how many more."""
    more = f" and {len(items) - shown:,} more" if len(items) > shown else ""
    return ", ".join(items[:shown]) + more


def check(corpus_dir: Path, index_dir: Path) -> CheckReport:
    """Compare the corpus with the live index; read every segment."""
    report = CheckReport(interrupted=(index_dir / INCOMPLETE_FILE).exists())
    files: dict[str, Path] = {}
    for entry in corpus.iter_corpus_entries(corpus_dir):
        if isinstance(entry, tuple):
            report.unreadable.append(entry)
        else:
            files.setdefault(corpus.story_id_of(entry), entry)
    report.stories = len(files)
    report.leftovers = [corpus.relative_path(corpus_dir, p) for p in corpus.temp_files(corpus_dir)]
    with closing(open_writer(index_dir)) as writer:
        try:
            indexed = writer.indexed_counts()
        except (IndexMissingError, BackendUnavailableError) as e:
            report.index_error = str(e)
            return report
        except Exception as e:  # noqa: BLE001 - whatever a damaged index raises, the user must hear it
            report.index_error = (
                f"the index does not read ({type(e).__name__}: {e}); rebuild it with `wire reindex`"
            )
            return report
        report.leftovers += folder_leftovers(index_dir) + writer.stray_files()
    report.indexed = len(indexed)
    report.orphans = sorted(i for i in indexed if i not in files)
    report.doubled = sorted(i for i, times in indexed.items() if times > 1)
    report.doubled_files = [corpus.relative_path(corpus_dir, files[i]) for i in report.doubled if i in files]
    for story_id, path in sorted(files.items()):
        if story_id not in indexed:
            _sort_missing(corpus_dir, path, report)
    return report


def _sort_missing(corpus_dir: Path, path: Path, report: CheckReport) -> None:
    """A file the index lacks: missing, unless it cannot be a story (then reindex skips it too)."""
    rel = corpus.relative_path(corpus_dir, path)
    try:
        corpus.read_story(corpus_dir, path)
    except BadStoryError as e:
        report.unindexable.append((rel, str(e)))
        return
    report.missing.append(rel)


def folder_leftovers(index_dir: Path) -> list[str]:
    """Stray files in the index folder itself (whichever engine holds the index)."""
    entries = sorted(index_dir.iterdir()) if index_dir.is_dir() else []
    return [entry.name for entry in entries if entry.is_file() and entry.name not in INDEX_FILES]


def was_interrupted(index_dir: Path) -> bool:
    """True when an add or import was cut short and no writer is running now
    (so some stories it wrote may not be searchable until a repair)."""
    return (index_dir / INCOMPLETE_FILE).exists() and not is_locked(index_dir)


def repair_index(corpus_dir: Path, index_dir: Path, report: CheckReport) -> list[str]:
    """Make a readable index agree with the corpus as `report` found them (an
    index that does not read is rebuilt instead); what was done, one line each."""
    done = []
    stale = report.doubled + report.orphans
    if stale:
        with closing(open_writer(index_dir)) as writer:
            writer.delete(stale)
        done.append(f"removed {len(stale):,} index entries without a file or indexed twice")
    again = report.missing + report.doubled_files
    indexed = index_files(corpus_dir, index_dir, [corpus_dir / p for p in again])
    if indexed:
        done.append(f"indexed {indexed:,} stories the index lacked")
    removed = corpus.remove_stale_temp_files(corpus_dir)
    with closing(open_writer(index_dir)) as writer:
        removed_index = writer.remove_stray_files()
    if removed or removed_index:
        done.append(f"removed {removed + len(removed_index):,} temporary or stale files")
    if report.interrupted:
        (index_dir / INCOMPLETE_FILE).unlink(missing_ok=True)
        done.append("finished what an interrupted add or import left")
    return done


def index_files(corpus_dir: Path, index_dir: Path, paths: list[Path]) -> int:
    """Read story files and index them in batches; returns how many were indexed."""
    batch: list[Story] = []
    count = 0
    for path in paths:
        try:
            batch.append(corpus.read_story(corpus_dir, path))
        except BadStoryError:
            continue
        if len(batch) >= REPAIR_BATCH:
            count += _add(index_dir, batch)
            batch = []
    return count + _add(index_dir, batch)


def _add(index_dir: Path, stories: list[Story]) -> int:
    with closing(open_writer(index_dir)) as writer:
        return writer.add(stories)


def find_unindexed(corpus_dir: Path, index_dir: Path) -> list[Path]:
    """Story files the live index lacks (what an interrupted write left)."""
    files = list(corpus.iter_story_files(corpus_dir))
    with closing(open_writer(index_dir)) as writer:
        indexed = writer.indexed_ids(corpus.story_id_of(p) for p in files)
    return [p for p in files if corpus.story_id_of(p) not in indexed]
