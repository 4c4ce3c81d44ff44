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
import os
import pickle
import tempfile
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
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
from .syndication import BANDS, Fingerprint, fingerprint, is_copy, overlap, shingle_set

STATE_DIR = "clusters"
SHINGLE_CACHE = 4096  # shingle sets kept in memory while confirming candidate pairs
# Above this many new stories, an add finds candidates by sorting (O(n log n)) rather
# than comparing each new story with every row (O(n) each).
SMALL_BATCH = 64
META_FILE = "meta.json"
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


def label_stream(items: Iterable[Item], folder: Path) -> Iterator[Item]:
    """The items of a bulk build again, each story labelled with its cluster.

    All stories are fingerprinted first (spooled to a temporary file, so memory holds
    only the LSH keys), then clustered; the state is saved in `folder`. A story id
    seen twice keeps its first story (the build reports the second as a duplicate).
    """
    state = ClusterState()
    with tempfile.TemporaryFile(dir=folder) as spool:
        count = _fingerprint_all(items, state, spool, folder)
        labels = dict(zip(state.ids, all_labels(state), strict=True))
        save_state(folder, state, version=None)
        spool.seek(0)
        for _ in range(count):
            item = pickle.load(spool)
            if isinstance(item, Story) and item.id in labels:
                label = labels[item.id]
                item = item.replace(cluster=label.cluster, agency_inferred=label.agency_inferred)
            yield item


def _fingerprint_all(items: Iterable[Item], state: ClusterState, spool: IO[bytes], folder: Path) -> int:
    """Spool every item, fingerprint every story into `state`, cluster; returns the items."""
    shingles = ShingleSpool(folder)
    try:
        pickler = pickle.Pickler(spool, protocol=pickle.HIGHEST_PROTOCOL)
        count = 0
        for item in items:
            if isinstance(item, Story) and state.row_of(item.id) is None:
                fp = fingerprint(item.body)
                shingles.append(fp.shingles)
                state.append(member_of(item), fp.keys)
            pickler.dump(item)
            pickler.clear_memo()
            count += 1
        cluster_rows(state, shingles)
    finally:
        shingles.close()
    return count


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
        np.savez(
            folder / f"{name}.npz",
            keys=state.used_keys()[begin:end],
            days=state.days[begin:end],
            lengths=state.lengths[begin:end],
        )
        (folder / f"{name}.json").write_text(json.dumps([state.ids[begin:end], state.agencies[begin:end]]))
        chunks = [*chunks, [begin, end, name]]
    roots = f"roots-{nonce}.npy"
    np.save(folder / roots, root_array(state.uf.parent).astype(np.int32))
    _write_meta(folder, {"version": version, "chunks": chunks, "roots": roots})
    keep = {roots, META_FILE} | {f"{c[2]}.npz" for c in chunks} | {f"{c[2]}.json" for c in chunks}
    for f in folder.iterdir():
        if f.name not in keep:
            f.unlink(missing_ok=True)
    state.saved_rows, state.rewritten = end, False


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
                keys.append(arrays["keys"])
                state.days.extend(arrays["days"].tolist())
                state.lengths.extend(arrays["lengths"].tolist())
            ids, agencies = json.loads((folder / f"{name}.json").read_text())
            state.ids.extend(ids)
            state.agencies.extend(agencies)
        roots = np.load(folder / meta["roots"])
    except (OSError, ValueError, KeyError):
        return None
    state.keys = np.concatenate(keys) if keys else np.zeros((0, BANDS), dtype=np.uint32)
    if state.keys.shape[1:] != (BANDS,) or len(roots) != len(state.ids) or len(state.keys) != len(state.ids):
        return None
    state._filled = state.saved_rows = len(state.ids)
    state.uf.parent = roots.tolist()
    return state


def state_from_stories(stories: Iterable[Story]) -> ClusterState:
    """A state rebuilt from stored stories, keeping the clusters they are labelled with."""
    state = ClusterState()
    by_cluster: dict[str, int] = {}
    for story in stories:
        row = state.append(member_of(story), fingerprint(story.body).keys)
        first = by_cluster.setdefault(story.cluster or story.id, row)
        state.uf.union(first, row)
    return state


# --- incremental ------------------------------------------------------------------------------


def place_stories(
    state: ClusterState, stories: list[Story], body_of: Callable[[str], str | None]
) -> tuple[list[Story], dict[str, Label]]:
    """New stories labelled and placed in the state, plus the new labels of stored
    stories whose cluster or inferred agency changed (their lead copy changed)."""
    fresh: dict[int, np.ndarray] = {}

    def shingles_of(row: int) -> np.ndarray:
        if row not in fresh:
            fresh[row] = shingle_set(body_of(state.ids[row]) or "")
        return fresh[row]

    fps: list[Fingerprint] = [fingerprint(story.body) for story in stories]
    if len(stories) > SMALL_BATCH:
        return _place_many(state, stories, fps, shingles_of, fresh)
    touched = {
        r
        for story, fp in zip(stories, fps, strict=True)
        for r in state.candidates(fp.keys, member_of(story).day)
    }
    before = state.labels(touched) if touched else {}
    rows = []
    for story, fp in zip(stories, fps, strict=True):
        row = place_story(state, member_of(story), fp, shingles_of)
        fresh[row] = fp.shingles
        rows.append(row)
    after = state.labels(rows)
    new_ids = {s.id for s in stories}
    labelled = [
        s.replace(cluster=after[s.id].cluster, agency_inferred=after[s.id].agency_inferred) for s in stories
    ]
    changed = {sid: label for sid, label in after.items() if sid not in new_ids and before.get(sid) != label}
    return labelled, changed


def _place_many(
    state: ClusterState,
    stories: list[Story],
    fps: list[Fingerprint],
    shingles_of: Callable[[int], np.ndarray],
    fresh: dict[int, np.ndarray],
) -> tuple[list[Story], dict[str, Label]]:
    """A big batch (an import): candidates by sorting band keys once, as a reindex
    finds them, instead of comparing each new story with every row."""
    rows = []
    for story, fp in zip(stories, fps, strict=True):
        member, row = member_of(story), state.row_of(story.id)
        if row is None:
            row = state.append(member, fp.keys)
        else:
            state.keys[row] = fp.keys
            state.agencies[row], state.days[row], state.lengths[row] = (
                member.agency,
                member.day,
                member.length,
            )
        fresh[row] = fp.shingles
        rows.append(row)
    new_rows = set(rows)
    pairs = [
        (i, j)
        for i, j in candidate_pairs(state.used_keys(), state.days)
        if (i in new_rows or j in new_rows) and is_copy(overlap(shingles_of(i), shingles_of(j)))
    ]
    old_rows = {r for pair in pairs for r in pair} - new_rows
    before = state.labels(old_rows) if old_rows else {}
    for i, j in pairs:
        state.uf.union(i, j)
    after = state.labels(new_rows | old_rows)
    labelled = [
        s.replace(cluster=after[s.id].cluster, agency_inferred=after[s.id].agency_inferred) for s in stories
    ]
    new_ids = {s.id for s in stories}
    changed = {sid: label for sid, label in after.items() if sid not in new_ids and before.get(sid) != label}
    return labelled, changed
