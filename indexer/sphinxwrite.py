"""Writing stories to the Sphinx shards: full rebuild with a swap, add, replace, delete.

A rebuild fills the generation searches do not read (TRUNCATE, then batched
REPLACE on each shard), then names it live: searches during a rebuild see the old
one. Syndication clusters are computed by the engine-neutral code (clusterstore),
whose state stays in the writer's local index folder, as with Whoosh.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from . import clusterstore
from .builds import BuildReport, accepted_stories
from .search import IndexMissingError
from .sphinxconf import GENERATIONS, story_index_name
from .sphinxdb import (
    COLUMNS,
    Connections,
    Pointer,
    SphinxConfig,
    doc_id,
    shard_of,
    story_from_data,
    story_row,
)
from .story import Story

WRITE_BATCH = 200
# Rows read per statement when walking a whole generation (under Sphinx's max_matches of 1000).
PAGE_ROWS = 1000
# The folder (inside the index folder) that keeps the cluster state of the Sphinx index.
STATE_FOLDER = "sphinx-state"
STATE_VERSION = "sphinx-{generation}"
INSERT = f"REPLACE INTO {{index}} ({', '.join(COLUMNS)}) VALUES ({', '.join(['%s'] * len(COLUMNS))})"


class SphinxWriter:
    """The writing side of the Sphinx backend, for one writer at a time (the index lock)."""

    def __init__(self, config: SphinxConfig, index_dir: Path | str) -> None:
        self.config = config
        self.index_dir = Path(index_dir)
        self.conns = Connections()
        self.pointer = Pointer(self.conns, config.shards[0])

    def close(self) -> None:
        self.conns.close()

    def is_built(self) -> bool:
        return self.pointer.read(fresh=True) is not None

    def _state_dir(self) -> Path:
        folder = self.index_dir / STATE_FOLDER
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def _write(self, index: str, stories: Iterable[Story]) -> None:
        """REPLACE the stories into `index` on their shards, a batch per statement."""
        batches: list[list[tuple[object, ...]]] = [[] for _ in self.config.shards]
        for story in stories:
            n = shard_of(story.cluster or story.id, len(self.config.shards))
            batches[n].append(story_row(story))
            if len(batches[n]) >= WRITE_BATCH:
                self._flush(index, n, batches[n])
        for n, batch in enumerate(batches):
            self._flush(index, n, batch)

    def _flush(self, index: str, shard: int, rows: list[tuple[object, ...]]) -> None:
        if rows:
            conn = self.conns.get(self.config.shards[shard])
            with conn.cursor() as cur:
                cur.executemany(INSERT.format(index=index), rows)
            rows.clear()

    def build(
        self,
        stories: Iterable[Story | tuple[str, str]],
        *,
        on_progress: Callable[[int], None] | None = None,
        expected: int | None = None,
    ) -> BuildReport:
        """Fill the idle generation with `stories` (clustered), then make it live."""
        started = time.perf_counter()
        report = BuildReport()
        live = self.pointer.read(fresh=True)
        target = GENERATIONS[1] if live == GENERATIONS[0] else GENERATIONS[0]
        index = story_index_name(target)
        for shard in self.config.shards:
            self.conns.query(shard, f"TRUNCATE RTINDEX {index}")
        folder = self._state_dir()
        self._write(index, accepted_stories(clusterstore.label_stream(stories, folder), report, on_progress))
        clusterstore.tag_state(folder, STATE_VERSION.format(generation=target))
        self.pointer.write(target)
        report.seconds = time.perf_counter() - started
        return report

    def add(self, stories: Iterable[Story]) -> int:
        """Add or replace stories in the live generation, placed in their clusters."""
        stories = list(stories)
        if not stories:
            return 0
        live = self.pointer.read(fresh=True)
        if live is None:
            raise IndexMissingError("the Sphinx servers hold no index yet: run `wire reindex`")
        index, folder = story_index_name(live), self._state_dir()
        version = STATE_VERSION.format(generation=live)
        state = clusterstore.load_state(folder, version)
        if state is None:  # missing or stale: rebuilt from the stored stories
            state = clusterstore.state_from_stories(self.iter_stories())
        labelled, changed = clusterstore.place_stories(state, stories, self._body_of)
        relabelled = [s.replace(**label.__dict__) for sid, label in changed.items() if (s := self.get(sid))]
        written = labelled + relabelled
        self._unplace(index, written)
        self._write(index, written)
        clusterstore.save_state(folder, state, version)
        return len(stories)

    def _unplace(self, index: str, stories: list[Story]) -> None:
        """Remove each story from the shards its cluster does not live on: a story
        whose lead copy changed moves, and a replaced one may have been elsewhere."""
        n = len(self.config.shards)
        for shard, endpoint in enumerate(self.config.shards):
            elsewhere = [doc_id(s.id) for s in stories if shard_of(s.cluster or s.id, n) != shard]
            for start in range(0, len(elsewhere), 1000):
                chunk = elsewhere[start : start + 1000]
                self.conns.query(endpoint, f"DELETE FROM {index} WHERE id IN ({', '.join(map(str, chunk))})")

    def delete(self, story_ids: Iterable[str]) -> int:
        """Remove stories from the live generation by id; returns how many went."""
        index = self.pointer.live_index()
        present = self.indexed_ids(dict.fromkeys(story_ids))
        listed = ", ".join(str(doc_id(i)) for i in present)
        if listed:
            for endpoint in self.config.shards:
                self.conns.query(endpoint, f"DELETE FROM {index} WHERE id IN ({listed})")
        return len(present)

    def get(self, story_id: str) -> Story | None:
        index = self.pointer.live_index()
        rows = self.conns.query(
            self.config.search, f"SELECT data FROM {index} WHERE id = %s", (doc_id(story_id),)
        )
        return story_from_data(rows[0][0]) if rows else None

    def _body_of(self, story_id: str) -> str | None:
        story = self.get(story_id)
        return story.body if story else None

    def indexed_ids(self, ids: Iterable[str]) -> set[str]:
        """Which of `ids` the live generation holds."""
        live = self.pointer.read(fresh=True)
        wanted = list(ids)
        if live is None or not wanted:
            return set()
        index = story_index_name(live)
        found: set[str] = set()
        for start in range(0, len(wanted), 1000):
            chunk = [doc_id(i) for i in wanted[start : start + 1000]]
            marks = ",".join(["%s"] * len(chunk))
            sql = f"SELECT story_id FROM {index} WHERE id IN ({marks}) LIMIT {len(chunk)}"
            found.update(str(r[0]) for r in self.conns.query(self.config.search, sql, chunk))
        return found

    def indexed_counts(self) -> dict[str, int]:
        """Every story id of the live generation, with on how many shards it is (more
        than one: a move between shards was cut short)."""
        counts: dict[str, int] = {}
        for rows in self._pages("story_id"):
            for row in rows:
                counts[str(row[1])] = counts.get(str(row[1]), 0) + 1
        return counts

    def stray_files(self) -> list[str]:
        """None: the servers own their files, and the idle generation is emptied by the next rebuild."""
        return []

    def remove_stray_files(self) -> list[str]:
        return []

    def _pages(self, columns: str) -> Iterator[list[tuple]]:
        """The live generation's rows (id first, then `columns`), a page at a time, shard by shard."""
        index = self.pointer.live_index()
        for shard in self.config.shards:
            last = 0
            while True:
                sql = f"SELECT id, {columns} FROM {index} WHERE id > %s ORDER BY id ASC LIMIT {PAGE_ROWS}"
                rows = self.conns.query(shard, sql, (last,))
                if not rows:
                    break
                yield list(rows)
                last = int(rows[-1][0])

    def iter_stories(self) -> Iterable[Story]:
        """Every stored story of the live generation, shard by shard, in id order."""
        for rows in self._pages("data"):
            yield from (story_from_data(r[1]) for r in rows)
