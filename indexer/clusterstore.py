"""Clustering beside an index: bulk labelling during a build, the saved LSH state,
and placing new stories into the clusters an index already has.

Engine-neutral: stories in, stories carrying `cluster` and `agency_inferred` out;
the engine's writer (index.py for Whoosh) only stores those fields. The state is
one folder per index generation (`clusters/`), written by rename after the index
commit and tagged with the index version it describes; a missing or stale state
is rebuilt from the stored stories.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import pickle
import tempfile
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable, Iterator
from multiprocessing.pool import AsyncResult, Pool
from pathlib import Path
from typing import IO

import numpy as np

from .clusters import (
    ClusterState,
    Label,
    all_labels,
    candidate_pairs,
    cluster_rows,
    member_of,
    place_story,
    root_array,
)
from .story import Story
from .syndication import BANDS, Fingerprint, fingerprints, is_copy, overlap, shingle_set

STATE_DIR = "clusters"
# Stories a worker fingerprints at once (numpy over the batch, one round trip).
FINGERPRINT_BATCH = 500
SHINGLE_CACHE = 4096  # shingle sets kept in memory while confirming candidate pairs
# Above this many new stories, an add finds candidates by sorting (O(n log n)) rather
# than comparing each new story with every row (O(n) each).
SMALL_BATCH = 64
META_FILE = "meta.json"
# Rows of free space a loaded state has for new stories.
ADD_HEADROOM = 2 * SMALL_BATCH
# The files of one chunk of saved rows.
CHUNK_FILES = (".keys.npy", ".npz", ".json")
# Chunks of saved rows (one per add) before a save compacts them into one.
MAX_CHUNKS = 32

Item = Story | tuple[str, str]


class ShingleSpool:
    """Shingle sets of many stories in a temporary file, read back by row."""

    def __init__(self, folder: Path) -> None:
        self._file = tempfile.TemporaryFile(dir=folder)
        self._offsets: list[int] = [0]
        self._cache: OrderedDict[int, np.ndarray] = OrderedDict()

    def append(self, shingles: np.ndarray) -> None:
        self._file.write(shingles.tobytes())
        self._offsets.append(self._offsets[-1] + shingles.nbytes)

    def __call__(self, row: int) -> np.ndarray:
        found = self._cache.get(row)
        if found is None:
            start, end = self._offsets[row], self._offsets[row + 1]
            self._file.seek(start)
            found = np.frombuffer(self._file.read(end - start), dtype=np.uint32)
            self._cache[row] = found
            if len(self._cache) > SHINGLE_CACHE:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(row)
        return found

    def close(self) -> None:
        self._file.close()


def label_stream(items: Iterable[Item], folder: Path, procs: int = 1) -> Iterator[Item]:
    """The items of a bulk build again, each story labelled with its cluster.

    All stories are fingerprinted first, in `procs` worker processes (spooled to a
    temporary file, so memory holds only the LSH keys), then clustered; the state is
    saved in `folder`. A story id seen twice keeps its first story (the build
    reports the second as a duplicate).
    """
    state = ClusterState()
    with tempfile.TemporaryFile(dir=folder) as spool:
        count = _fingerprint_all(items, state, spool, folder, procs)
        labels = dict(zip(state.ids, all_labels(state), strict=True))
        save_state(folder, state, version=None)
        spool.seek(0)
        for _ in range(count):
            item = pickle.load(spool)
            if isinstance(item, Story) and item.id in labels:
                label = labels[item.id]
                item = item.replace(cluster=label.cluster, agency_inferred=label.agency_inferred)
            yield item


def _fingerprint_all(
    items: Iterable[Item], state: ClusterState, spool: IO[bytes], folder: Path, procs: int
) -> int:
    """Spool every item, fingerprint every story into `state`, cluster; returns the items."""
    shingles = ShingleSpool(folder)
    try:
        with Fingerprinter(procs) as workers:
            pickler = pickle.Pickler(spool, protocol=pickle.HIGHEST_PROTOCOL)
            count, seen, batch = 0, set(), []
            for item in items:
                if isinstance(item, Story) and item.id not in seen:
                    seen.add(item.id)
                    batch.append(item)
                    if len(batch) >= FINGERPRINT_BATCH:
                        _keep(workers.submit(batch, wait=False), state, shingles)
                        batch = []
                pickler.dump(item)
                pickler.clear_memo()
                count += 1
            _keep(workers.submit(batch, wait=True), state, shingles)
        cluster_rows(state, shingles)
    finally:
        shingles.close()
    return count


def _keep(done: list[tuple[Story, Fingerprint]], state: ClusterState, shingles: ShingleSpool) -> None:
    for story, fp in done:
        shingles.append(fp.shingles)
        state.append(member_of(story), fp.keys)


class Fingerprinter:
    """Fingerprints batches of stories in worker processes, results in story order.

    The pool starts with the second batch, so a small build never forks; with one
    process everything runs here."""

    def __init__(self, procs: int) -> None:
        self.procs = procs
        self._pool: Pool | None = None
        self._pending: deque[tuple[list[Story], AsyncResult[list[Fingerprint]]]] = deque()
        self._first = True

    def submit(self, batch: list[Story], *, wait: bool) -> list[tuple[Story, Fingerprint]]:
        """Queue a batch; returns the finished ones, in order (all of them with `wait`)."""
        if batch and (self.procs <= 1 or self._first):
            self._first = False
            return list(zip(batch, fingerprints([s.body for s in batch]), strict=True))
        if batch:
            if self._pool is None:
                self._pool = multiprocessing.get_context("fork").Pool(self.procs)
            bodies = [s.body for s in batch]
            self._pending.append((batch, self._pool.apply_async(fingerprints, (bodies,))))
        done: list[tuple[Story, Fingerprint]] = []
        # bounded: at most a few batches a worker wait in memory
        while self._pending and (wait or self._pending[0][1].ready() or len(self._pending) > 4 * self.procs):
            stories, result = self._pending.popleft()
            done.extend(zip(stories, result.get(), strict=True))
        return done

    def __enter__(self) -> Fingerprinter:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()


# --- the saved state ------------------------------------------------------------------------


def save_state(gen: Path, state: ClusterState, version: object) -> None:
    """Write the state into gen/clusters/: only the rows added since the last save
    go into a new chunk; meta.json, replaced last, names the files that are the state."""
    folder = gen / STATE_DIR
    folder.mkdir(exist_ok=True)
    old = _read_meta(folder)
    chunks = [] if old is None or state.rewritten else old["chunks"]
    if not chunks or chunks[-1][1] != state.saved_rows or len(chunks) >= MAX_CHUNKS:
        chunks = []  # compact: everything in one chunk
    begin, end, nonce = chunks[-1][1] if chunks else 0, len(state), time.time_ns()
    if end > begin or not chunks:
        name = f"chunk-{begin}-{end}-{nonce}"
        # keys apart, as .npy: read without unzipping and checking a zip's CRC (90 ms at 200,000)
        np.save(folder / f"{name}.keys.npy", state.used_keys()[begin:end])
        names, codes = _coded(state.agencies[begin:end])
        np.savez(
            folder / f"{name}.npz",
            days=np.asarray(state.days[begin:end], dtype=np.int32),
            lengths=np.asarray(state.lengths[begin:end], dtype=np.int32),
            agencies=codes,
        )
        (folder / f"{name}.json").write_text(json.dumps([state.ids[begin:end], names]))
        chunks = [*chunks, [begin, end, name]]
    roots = f"roots-{nonce}.npy"
    np.save(folder / roots, root_array(state.uf.parent).astype(np.int32))
    _write_meta(folder, {"version": version, "chunks": chunks, "roots": roots})
    keep = {roots, META_FILE} | {f"{c[2]}{ext}" for c in chunks for ext in CHUNK_FILES}
    for f in folder.iterdir():
        if f.name not in keep:
            f.unlink(missing_ok=True)
    state.saved_rows, state.rewritten = end, False


def _coded(values: list[str]) -> tuple[list[str], np.ndarray]:
    """A few distinct values (agencies) as their names and one small code per row: at
    200,000 stories 0.2 MB where the names as JSON took 2.0 MB (and longer to parse)."""
    names = sorted(set(values))
    number = {name: i for i, name in enumerate(names)}
    codes = np.fromiter(map(number.__getitem__, values), dtype=np.int64, count=len(values))
    return names, codes.astype(np.min_scalar_type(max(len(names) - 1, 0)))


def _read_meta(folder: Path) -> dict | None:  # type: ignore[type-arg]
    try:
        meta = json.loads((folder / META_FILE).read_text())
    except (OSError, ValueError):
        return None
    return meta if isinstance(meta, dict) and "chunks" in meta else None


def _write_meta(folder: Path, meta: dict) -> None:  # type: ignore[type-arg]
    tmp = folder / f".{META_FILE}.tmp"
    tmp.write_text(json.dumps(meta))
    os.replace(tmp, folder / META_FILE)


def tag_state(gen: Path, version: object) -> None:
    """Mark a freshly built state as describing index `version`."""
    meta = _read_meta(gen / STATE_DIR)
    if meta is not None:
        _write_meta(gen / STATE_DIR, {**meta, "version": version})


def load_state(gen: Path, version: object) -> ClusterState | None:
    """The saved state when it describes index `version` (None: build it again)."""
    folder = gen / STATE_DIR
    meta = _read_meta(folder)
    if meta is None or meta.get("version") != version:
        return None
    state = ClusterState()
    keys = []
    try:
        for _begin, _end, name in meta["chunks"]:
            with np.load(folder / f"{name}.npz") as arrays:
                apart = folder / f"{name}.keys.npy"  # a state saved before keys were apart: in the npz
                keys.append(np.load(apart, mmap_mode="r") if apart.exists() else arrays["keys"])
                state.days.extend(arrays["days"].tolist())
                state.lengths.extend(arrays["lengths"].tolist())
                # a state saved before agencies were coded: their names, one per row, in the JSON
                codes = arrays["agencies"].tolist() if "agencies" in arrays.files else None
            ids, names = json.loads((folder / f"{name}.json").read_text())
            state.ids.extend(ids)
            state.agencies.extend(names if codes is None else [names[c] for c in codes])
        roots = np.load(folder / meta["roots"])
    except (OSError, ValueError, KeyError, IndexError):
        return None
    rows = sum(len(k) for k in keys)
    if any(k.shape[1:] != (BANDS,) for k in keys) or len(roots) != len(state.ids) or rows != len(state.ids):
        return None
    # room for the rows of this add: growing the array would copy every row
    state.keys = np.zeros((rows + ADD_HEADROOM, BANDS), dtype=np.uint32)
    if keys:
        np.concatenate(keys, out=state.keys[:rows])
    state._filled = state.saved_rows = len(state.ids)
    state.uf.parent = roots.tolist()
    return state


def state_from_stories(stories: Iterable[Story]) -> ClusterState:
    """A state rebuilt from stored stories, keeping the clusters they are labelled with."""
    state = ClusterState()
    by_cluster: dict[str, int] = {}
    for batch in _batches(stories, FINGERPRINT_BATCH):
        for story, fp in zip(batch, fingerprints([s.body for s in batch]), strict=True):
            row = state.append(member_of(story), fp.keys)
            first = by_cluster.setdefault(story.cluster or story.id, row)
            state.uf.union(first, row)
    return state


def _batches(stories: Iterable[Story], size: int) -> Iterator[list[Story]]:
    batch: list[Story] = []
    for story in stories:
        batch.append(story)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


# --- incremental ------------------------------------------------------------------------------


def place_stories(
    state: ClusterState, stories: list[Story], body_of: Callable[[str], str | None]
) -> tuple[list[Story], dict[str, Label]]:
    """New stories labelled and placed in the state, plus the new labels of stored
    stories whose cluster or inferred agency changed (their lead copy changed).

    A story already in the state (added again, maybe with new text) is taken out of
    its cluster first and placed again, so a replaced text that is no copy any more
    leaves its cluster, which then gets a new lead."""
    shingles_of = _stored_shingles(body_of)
    fps = fingerprints([story.body for story in stories])
    replaced = set(state.rows_of(s.id for s in stories))
    before = state.labels(replaced | _sharing_a_key(state, fps, stories)) if len(state) else {}
    state.remove(replaced, shingles_of)
    for story, fp in zip(stories, fps, strict=True):
        shingles_of.cache[story.id] = fp.shingles
    if len(stories) > SMALL_BATCH:
        rows = _place_many(state, stories, fps, shingles_of)
    else:
        rows = [
            place_story(state, member_of(story), fp, lambda r: shingles_of(state.ids[r]))
            for story, fp in zip(stories, fps, strict=True)
        ]
    return _relabelled(state, stories, rows, before)


def remove_stories(
    state: ClusterState, story_ids: Iterable[str], body_of: Callable[[str], str | None]
) -> dict[str, Label]:
    """Take stories out of the state (deleted from the index): the new labels of the
    stored stories whose cluster or lead changed (a removed lead copy: a new lead)."""
    gone = set(state.rows_of(story_ids))
    if not gone:
        return {}
    before = state.labels(gone)
    state.remove(gone, _stored_shingles(body_of))
    rows = state.rows_of(before)
    after = state.labels(rows) if rows else {}
    return {sid: label for sid, label in after.items() if before.get(sid) != label}


class _stored_shingles:  # noqa: N801  (used as a function)
    """Shingle sets of stored stories by id, read once."""

    def __init__(self, body_of: Callable[[str], str | None]) -> None:
        self.body_of = body_of
        self.cache: dict[str, np.ndarray] = {}

    def __call__(self, story_id: str) -> np.ndarray:
        found = self.cache.get(story_id)
        if found is None:
            found = self.cache[story_id] = shingle_set(self.body_of(story_id) or "")
        return found


def _sharing_a_key(state: ClusterState, fps: list[Fingerprint], stories: list[Story]) -> set[int]:
    """Rows that may join a new story: its candidates (a big batch: any shared key)."""
    if len(stories) <= SMALL_BATCH:
        return {
            r for s, fp in zip(stories, fps, strict=True) for r in state.candidates(fp.keys, member_of(s).day)
        }
    keys = state.used_keys()
    new = np.stack([fp.keys for fp in fps])
    hit = np.zeros(len(keys), dtype=bool)
    for band in range(keys.shape[1]):
        hit |= np.isin(keys[:, band], new[:, band])
    return set(np.flatnonzero(hit).tolist())


def _relabelled(
    state: ClusterState, stories: list[Story], rows: list[int], before: dict[str, Label]
) -> tuple[list[Story], dict[str, Label]]:
    """The new stories with their labels, and the stored stories whose label changed."""
    old_rows = state.rows_of(before)
    after = state.labels([*rows, *old_rows])
    labelled = [
        s.replace(cluster=after[s.id].cluster, agency_inferred=after[s.id].agency_inferred) for s in stories
    ]
    new_ids = {s.id for s in stories}
    changed = {sid: label for sid, label in after.items() if sid not in new_ids and before.get(sid) != label}
    return labelled, changed


def _place_many(
    state: ClusterState,
    stories: list[Story],
    fps: list[Fingerprint],
    shingles_of: Callable[[str], np.ndarray],
) -> list[int]:
    """A big batch (an import): candidates by sorting band keys once, as a reindex
    finds them, instead of comparing each new story with every row."""
    rows = [state.append(member_of(story), fp.keys) for story, fp in zip(stories, fps, strict=True)]
    new_rows = set(rows)
    for i, j in candidate_pairs(state.used_keys(), state.days):
        if (i in new_rows or j in new_rows) and is_copy(
            overlap(shingles_of(state.ids[i]), shingles_of(state.ids[j]))
        ):
            state.uf.union(i, j)
    return rows
