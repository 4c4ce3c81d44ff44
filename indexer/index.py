"""The Whoosh index: schema, building, incremental updates and opening for search.

Layout of an index folder: CURRENT names the live generation folder (gen-*),
which holds the Whoosh files. `wire reindex` builds a new generation beside it
and swaps CURRENT by an atomic rename, so readers never see a half-built index
and a crash leaves the old one in place.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import re
import shutil
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh.fields import DATETIME, ID, STORED, TEXT, Schema
from whoosh.index import Index

from . import clusterstore
from .analysis import StoryPositions, keyword_analyzer, spelling_analyzer, story_analyzer
from .builds import BuildReport, accepted_stories
from .bulkwrite import bulk_writer
from .locking import index_lock
from .postcodec import WireCodec
from .search import IndexMissingError
from .segments import (  # (importing it checks the Whoosh version)
    release_writer,
    toc_names,
    unlocked_writer,
)
from .storedfields import (
    DICTIONARY_ID,
    DICTIONARY_SAMPLE,
    Packer,
    packer_for,
    record_bytes,
    stored,
    train_dictionary,
)
from .story import Story

CURRENT_FILE = "CURRENT"
# What the sortable date column holds for a story without a date.
MISSING_DATE = 2**64 - 1
LEXICON_ID_PREFIX = "_lexicon-"
# Stories whose vocabulary one lexicon document carries during a bulk build.
LEXICON_BATCH = 5000
SPELLING_WORD_RE = re.compile(r"[^\W\d_]{3,}")
# Whoosh's BM25F adds a separately saturated score per field, so a word in the
# headline that the body repeats counts twice over. Weighting headline occurrences
# at 0.3 keeps one worth more than another body occurrence (+0.44 idf against
# +0.38) without the double count: +0.018 nDCG@10 on Reuters topics and +0.007 on
# ModApte over 2.0, measured with bench/relevance.py (1.0: +0.001, 0.2: mixed).
TITLE_BOOST = 0.3
# The fields whose postings hold positions only (StoryPositions; snippets recompute spans).
STORY_FIELDS = ("title", "body")
# Bulk builds: memory per writer process before it spills to disk (see notes/whoosh.md).
BUILD_LIMITMB = 512
BUILD_PROCS = min(2, os.cpu_count() or 1)
# Below this many stories one process builds faster than a pool.
SMALL_BUILD = 5000


class ColumnID(ID):
    """An ID kept only as a column, not as an indexed term.

    A story's cluster id is read from the column (collapsing, a cluster's members),
    never searched for: as a term each cluster cost a term-table entry and a posting
    list, 2.5 MB of a 50.8 MB index at 21,577 stories.
    """

    indexed = False


def make_schema() -> Schema:
    """Fields: stemmed text, facet columns, a unique id, and the stored record (storedfields.py)."""
    text = story_analyzer()
    title = TEXT(analyzer=text, field_boost=TITLE_BOOST)
    body = TEXT(analyzer=text)
    for story_field in (title, body):  # positions only, analysed in one loop (analysis.py)
        story_field.format = StoryPositions(field_boost=story_field.format.field_boost)
    return Schema(
        id=ID(unique=True),
        title=title,
        body=body,
        words=TEXT(analyzer=spelling_analyzer(), phrase=False),
        date=DATETIME(sortable=True),
        year=ID(sortable=True),
        agency=TEXT(analyzer=keyword_analyzer()),
        place=TEXT(analyzer=keyword_analyzer()),
        agency_facet=ID(sortable=True),
        place_facet=ID(sortable=True),
        # syndicated copies: the lead copy's id (a column, so results collapse without
        # reading stories) and the agency an uncredited copy reproduces (filterable)
        cluster=ColumnID(sortable=True),
        cluster_lead=ID(sortable=True),
        agency_inferred=TEXT(analyzer=keyword_analyzer()),
        # what is shown (every field of storedfields.RECORD_FIELDS), one compressed record
        story=STORED,
        dictionary=STORED,
    )


def story_document(story: Story) -> dict[str, object]:
    """The Whoosh document for a story, unpacked (`storedfields.Packer` packs it)."""
    doc: dict[str, object] = {
        "id": story.id,
        "path": story.path,
        "title": story.title,
        "body": story.body,
        "agency": story.agency,
        "place": story.place,
        "url": story.url,
        "source": story.source,
        "slug": story.slug,
        "dateline": story.dateline,
        "byline": story.byline,
        "cluster": story.cluster or story.id,
    }
    if doc["cluster"] == story.id:
        doc["cluster_lead"] = "1"
    if story.agency_inferred:
        doc["agency_inferred"] = story.agency_inferred
    if story.agency:
        doc["agency_facet"] = story.agency
    if story.place:
        doc["place_facet"] = story.place
    if story.date:
        doc["date"] = dt.datetime.combine(story.date, dt.time())
        doc["year"] = str(story.date.year)
    return doc


def lexicon_document(words: Iterable[str], number: int) -> dict[str, object]:
    """A hidden document carrying vocabulary for "Did you mean".

    Indexing every story's words a second time cost about a quarter of the index
    size and build time; the corrector only needs each word once.
    """
    return {"id": f"{LEXICON_ID_PREFIX}{number}", "words": " ".join(sorted(words))}


def vocabulary(story: Story) -> set[str]:
    """Lower-cased words of a story, as the spelling corrector knows them."""
    return {w.lower() for w in SPELLING_WORD_RE.findall(story.title + " " + story.body)}


def story_from_fields(fields: dict[str, object]) -> Story:
    """A Story rebuilt from an index's stored fields."""
    when = fields.get("date")
    return Story(
        id=str(fields["id"]),
        title=str(fields.get("title", "")),
        body=str(fields.get("body", "")),
        date=when.date() if isinstance(when, dt.datetime) else None,
        place=str(fields.get("place", "")),
        agency=str(fields.get("agency", "")),
        slug=str(fields.get("slug", "")),
        url=str(fields.get("url", "")),
        source=str(fields.get("source", "")),
        dateline=str(fields.get("dateline", "")),
        byline=str(fields.get("byline", "")),
        path=str(fields.get("path", "")),
        cluster=str(fields.get("cluster") or fields["id"]),
        agency_inferred=str(fields.get("agency_inferred", "")),
    )


# --- generations -----------------------------------------------------------------------


def current_generation(index_dir: Path) -> Path | None:
    """The live generation folder, or None when no index has been built."""
    try:
        name = (index_dir / CURRENT_FILE).read_text().strip()
    except (FileNotFoundError, NotADirectoryError):
        return None
    gen = index_dir / name
    return gen if name and gen.is_dir() else None


def open_index(index_dir: Path) -> Index:
    """Open the live generation; IndexMissingError when there is none, or when an
    older version built it in a posting format this one no longer reads."""
    gen = current_generation(index_dir)
    if gen is None or not whoosh_index.exists_in(str(gen)):
        raise IndexMissingError(f"no index in {index_dir}: build it with `wire reindex --index {index_dir}`")
    ix = whoosh_index.open_dir(str(gen))
    if not has_current_format(ix.schema):
        ix.close()
        raise IndexMissingError(
            f"the index in {index_dir} was built by an older version of wire-search (another posting "
            f"format): rebuild it with `wire reindex --index {index_dir}`"
        )
    return ix


def has_current_format(schema: Schema) -> bool:
    """Whether the story fields of an index's schema have today's posting format."""
    return all(type(schema[name].format) is StoryPositions for name in STORY_FIELDS if name in schema)


def _swap_current(index_dir: Path, gen: Path) -> None:
    # The generation is on disk before CURRENT names it, and CURRENT before we return.
    sync_folder(gen)
    fsync_path(index_dir)
    tmp = index_dir / f".{CURRENT_FILE}.tmp"
    with open(tmp, "w") as f:
        f.write(gen.name + "\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, index_dir / CURRENT_FILE)
    fsync_path(index_dir)


def fsync_path(path: Path) -> None:
    """Put a file's data, or a folder's entries, on disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def sync_folder(folder: Path, *, since: float = 0.0) -> None:
    """fsync every file of an index folder changed since `since` (a time), then the folder."""
    for entry in os.scandir(folder):
        if entry.is_file(follow_symlinks=False) and entry.stat().st_mtime >= since:
            fsync_path(Path(entry.path))
    fsync_path(folder)


def leftover_files(gen: Path) -> list[str]:
    """What an interrupted or failed write left in a generation folder: segment
    files its table of contents does not name, old tables, temporary files."""
    ix = whoosh_index.open_dir(str(gen))
    try:
        names = toc_names(ix)
    finally:
        ix.close()
    found = []
    for name in sorted(os.listdir(gen)):
        toc_match, segment_match = names.toc_file.match(name), names.segment_file.match(name)
        if name.endswith(".tmp") or name.startswith(".tmp"):
            found.append(name)
        elif toc_match and int(toc_match.group(1)) != names.generation:
            found.append(name)
        elif segment_match and segment_match.group(1) not in names.segments:
            found.append(name)
    return found


def remove_leftovers(gen: Path) -> list[str]:
    """Delete `leftover_files` of a generation, with the writer lock held; their names."""
    found = leftover_files(gen)
    for name in found:
        path = gen / name
        shutil.rmtree(path, ignore_errors=True) if path.is_dir() else path.unlink(missing_ok=True)
    return found


def stale_generations(index_dir: Path) -> list[Path]:
    """Generation folders CURRENT does not name (a reindex that was interrupted)."""
    live = current_generation(index_dir)
    return sorted(
        entry
        for entry in index_dir.iterdir()
        if entry.is_dir() and entry.name.startswith(("gen-", ".gen-")) and entry != live
    )


def _remove_old_generations(index_dir: Path) -> None:
    # Readers that opened the old generation keep their open files (POSIX), and
    # the next refresh reads CURRENT, so old folders can go at once.
    for entry in stale_generations(index_dir):
        shutil.rmtree(entry, ignore_errors=True)


# --- building ------------------------------------------------------------------------------


def build_index(
    index_dir: Path,
    stories: Iterable[Story | tuple[str, str]],
    *,
    procs: int = BUILD_PROCS,
    limitmb: int = BUILD_LIMITMB,
    on_progress: Callable[[int], None] | None = None,
    take_lock: bool = True,
    expected: int | None = None,
    whoosh_writer: bool = False,
) -> BuildReport:
    """Build a fresh generation from `stories` and swap it in atomically.

    `stories` yields Story objects, or (path, reason) pairs for files that could
    not be read; those are counted as skipped. Pass take_lock=False when the
    caller already holds `index_lock`. `expected` (a story count) lets small
    builds skip the process pool, whose start-up and merge cost more than it saves.
    whoosh_writer=True writes through Whoosh's own posting pool instead of the bulk
    writer (bulkwrite.bulk_writer): the same files, slower; the reference for tests.
    """
    if expected is not None and expected < SMALL_BUILD:
        procs = 1
    started = time.perf_counter()
    report = BuildReport()
    with index_lock(index_dir) if take_lock else nullcontext():
        # unique even for two builds in one second (the folder name is the identity)
        stamp = time.strftime("%Y%m%d-%H%M%S") + f"-{time.time_ns() % 10**9:09d}-{os.getpid()}"
        tmp = index_dir / f".gen-{stamp}"
        tmp.mkdir(parents=True)
        try:
            labelled = clusterstore.label_stream(stories, tmp, procs)
            _write_generation(tmp, labelled, report, procs, limitmb, on_progress, whoosh_writer)
            gen = index_dir / f"gen-{stamp}"
            os.replace(tmp, gen)
            _swap_current(index_dir, gen)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        _remove_old_generations(index_dir)
    report.seconds = time.perf_counter() - started
    return report


def _write_generation(
    folder: Path,
    stories: Iterable[Story | tuple[str, str]],
    report: BuildReport,
    procs: int,
    limitmb: int,
    on_progress: Callable[[int], None] | None,
    whoosh_writer: bool = False,
) -> None:
    ix = whoosh_index.create_in(str(folder), make_schema())
    # compound=False: searchers map segment files instead of copying them into memory
    options: dict[str, object] = {"limitmb": limitmb, "compound": False, "codec": WireCodec()}
    if whoosh_writer:
        if procs > 1:
            # multisegment avoids a known IndexError of the multi-process merge
            options.update(procs=procs, multisegment=True)
        writer = ix.writer(**options)
    else:
        writer = bulk_writer(ix, procs, **options)  # multisegment too when procs > 1
    words: set[str] = set()
    lexicons = 0
    try:
        accepted = accepted_stories(stories, report, on_progress)
        # the dictionary is trained on the first stories before any is written
        head = list(itertools.islice(accepted, DICTIONARY_SAMPLE))
        packer = Packer(train_dictionary([record_bytes(story_document(s)) for s in head]), ix.schema)
        for story in itertools.chain(head, accepted):
            writer.add_document(**packer.packed(story_document(story)))
            words |= vocabulary(story)
            if report.indexed % LEXICON_BATCH == 0:
                lexicons += 1
                writer.add_document(**_lexicon(packer, words, lexicons))
                words = set()
        # the first one carries the dictionary (an empty build has none, nor a lexicon)
        if words or (packer.dictionary and not lexicons):
            writer.add_document(**_lexicon(packer, words, lexicons + 1))
    except BaseException:
        writer.cancel()
        raise
    writer.commit()
    clusterstore.tag_state(folder, ix.latest_generation())
    ix.close()


def _lexicon(packer: Packer, words: set[str], number: int) -> dict[str, object]:
    doc = packer.packed(lexicon_document(words, number))
    return packer.with_dictionary(doc) if doc["id"] == DICTIONARY_ID else doc


def add_to_index(index_dir: Path, stories: Iterable[Story]) -> int:
    """Add or replace stories in the live index; searchable, and on disk, once this returns.

    The caller holds `index_lock`, so that a reindex cannot start between writing
    the corpus files and indexing them. A failed write (a full disk) leaves the
    index as it was, without the failed write's files.
    """
    stories = list(stories)
    if not stories:
        return 0
    placed = None
    with live_writer(index_dir) as writer:
        # an index built before clustering has no cluster fields: add without them
        # (it collapses nothing until `wire reindex`)
        relabelled: list[Story] = []
        if "cluster" in writer.schema:
            placed = _place_in_clusters(index_dir, writer, stories)
            stories, relabelled = placed[2], placed[3]
        with writer.searcher() as searcher:
            packer = packer_for(searcher)
        for story in stories + relabelled:
            _update(writer, story_document(story), packer)
        # one lexicon document per add, keyed by its first story, so re-adding replaces it
        lexicon = lexicon_document(set().union(*map(vocabulary, stories)), 0)
        lexicon["id"] = f"{LEXICON_ID_PREFIX}add-{stories[0].id}"
        _update(writer, lexicon, packer)
        version = writer.generation  # the generation this commit writes
    if placed is not None:
        clusterstore.save_state(placed[0], placed[1], version)
    return len(stories)


def delete_from_index(index_dir: Path, story_ids: Iterable[str]) -> int:
    """Remove stories from the live index by id; returns how many documents went.

    The clusters they were in lose them: the stored copies left are labelled again
    (a removed lead copy: the cluster's next lead by the rule), and the state saved."""
    story_ids = list(story_ids)
    state = None
    with live_writer(index_dir) as writer:
        if "cluster" in writer.schema:
            gen, state = _cluster_state(index_dir, writer)
            with writer.searcher() as searcher:
                changed = clusterstore.remove_stories(state, story_ids, _body_reader(searcher))
                relabelled = _relabelled(searcher, changed)
        deleted = sum(writer.delete_by_term("id", story_id) for story_id in story_ids)
        if state is not None:
            with writer.searcher() as searcher:
                packer = packer_for(searcher)
            for story in relabelled:
                _update(writer, story_document(story), packer)
        version = writer.generation
    if state is not None:
        clusterstore.save_state(gen, state, version)
    return deleted


def _update(writer: Any, doc: dict[str, object], packer: Packer | None) -> None:
    # an index built before records stores plain fields; one built before clustering
    # lacks the cluster fields: leave them out
    packed = packer.packed(doc) if packer else doc
    writer.update_document(**{k: v for k, v in packed.items() if k in writer.schema})


@contextmanager
def live_writer(index_dir: Path) -> Iterator[Any]:
    """A Whoosh writer on the live generation: committed and synced to disk on
    success; on any error cancelled, with its half-written files removed."""
    gen = current_generation(index_dir)
    ix = open_index(index_dir)
    started = time.time() - 1  # mtimes may round down
    writer = None
    try:
        # our index_lock is the one writer lock (see unlocked_writer)
        writer = unlocked_writer(ix, compound=False, codec=WireCodec())
        yield writer
        writer.commit()
    except BaseException:
        # a new writer creates files too (a full disk can stop it there)
        if writer is not None:
            _cancel_quietly(writer)
        if gen is not None:
            remove_leftovers(gen)
        raise
    finally:
        ix.close()
    if gen is not None:
        sync_folder(gen, since=started)


def _cancel_quietly(writer: Any) -> None:
    try:
        writer.cancel()
    except Exception:  # noqa: BLE001
        # cancel() writes too (it closes the segment) and fails the same way on a
        # full disk; then free what it would have: open segment files, the lock
        try:
            release_writer(writer)
        except Exception:  # noqa: BLE001
            pass


def indexed_documents(index_dir: Path) -> dict[str, list[str]]:
    """Every story the live index holds: id -> the paths it is indexed under
    (more than one means it is indexed twice). Reads every segment."""
    ix = open_index(index_dir)
    try:
        with ix.searcher() as searcher:
            found: dict[str, list[str]] = {}
            for fields in stored(searcher).all():
                story_id = str(fields.get("id", ""))
                if not story_id.startswith(LEXICON_ID_PREFIX):
                    found.setdefault(story_id, []).append(str(fields.get("path", "")))
            return found
    finally:
        ix.close()


def _place_in_clusters(
    index_dir: Path, writer: Any, stories: list[Story]
) -> tuple[Path, clusterstore.ClusterState, list[Story], list[Story]]:
    """New stories labelled with their clusters, and stored stories to rewrite
    because their cluster's lead copy changed; with the state to save after commit."""
    gen, state = _cluster_state(index_dir, writer)
    with writer.searcher() as searcher:  # the index as it was before this add
        labelled, changed = clusterstore.place_stories(state, stories, _body_reader(searcher))
        relabelled = _relabelled(searcher, changed)
    return gen, state, labelled, relabelled


def _cluster_state(index_dir: Path, writer: Any) -> tuple[Path, clusterstore.ClusterState]:
    """The live generation's clustering state, rebuilt from the stored stories when
    missing or stale (a crash between an index commit and the state's save)."""
    gen = current_generation(index_dir)
    if gen is None:
        raise IndexMissingError(f"no index in {index_dir}")
    state = clusterstore.load_state(gen, writer.generation - 1)
    if state is None:
        with writer.searcher() as searcher:
            shown = (story_from_fields(f) for f in stored(searcher).all() if "title" in f)
            state = clusterstore.state_from_stories(shown)
    return gen, state


def _body_reader(searcher: Any) -> Callable[[str], str | None]:
    def body_of(story_id: str) -> str | None:
        fields = stored(searcher).document(id=story_id)
        return str(fields.get("body", "")) if fields else None

    return body_of


def _relabelled(searcher: Any, changed: dict[str, clusterstore.Label]) -> list[Story]:
    """Stored stories with their new cluster labels."""
    found = []
    for story_id, label in changed.items():
        fields = stored(searcher).document(id=story_id)
        if fields:
            found.append(story_from_fields(fields).replace(**label.__dict__))
    return found


def indexed_ids(index_dir: Path, ids: Iterable[str]) -> set[str]:
    """Which of `ids` the live index already holds."""
    try:
        ix = open_index(index_dir)
    except IndexMissingError:
        return set()
    with ix.searcher() as searcher:
        return {i for i in ids if searcher.document_number(id=i) is not None}
