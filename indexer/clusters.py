"""The clustering state of an index: LSH band keys and union-find over every story.

Pure and engine-neutral: a backend gives stories (or their bodies) in and gets
cluster ids out; `clusterstore.py` keeps this state beside each index generation.
Bulk clustering (a reindex) finds candidates by sorting each band's keys; placing
a few new stories (`wire add`) compares their keys with every row at once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np

from .story import Story
from .syndication import (
    BANDS,
    WINDOW_DAYS,
    Fingerprint,
    Member,
    UnionFind,
    choose_lead,
    fingerprint,
    inferred_agency,
    is_copy,
    overlap,
    within_window,
)

# Rows of a band sharing one key are paired with at most this many neighbours in date
# order: a key shared by hundreds of stories is a common phrase, not a copy.
MAX_RUN_NEIGHBOURS = 32

ShinglesOf = Callable[[int], np.ndarray]


@dataclass(frozen=True)
class Label:
    """What the index stores for a story: its cluster id and an inferred agency."""

    cluster: str
    agency_inferred: str = ""


# Up to this many ids are looked up by one list.index scan each (see rows_of).
FEW_IDS = 6


@dataclass
class ClusterState:
    """One row per story: its identity, lead-choice facts, LSH keys and union-find parent."""

    ids: list[str] = field(default_factory=list)
    agencies: list[str] = field(default_factory=list)
    days: list[int] = field(default_factory=list)
    lengths: list[int] = field(default_factory=list)
    keys: np.ndarray = field(default_factory=lambda: np.zeros((0, BANDS), dtype=np.uint32))
    uf: UnionFind = field(default_factory=UnionFind)
    _rows: dict[str, int] | None = None
    _filled: int = 0  # rows of `keys` in use (the array grows by doubling)
    saved_rows: int = 0  # rows already in the saved state (later ones are new)
    rewritten: bool = False  # a saved row changed: the next save writes every row

    def __len__(self) -> int:
        return len(self.ids)

    def row_of(self, story_id: str) -> int | None:
        if self._rows is None or len(self._rows) != len(self.ids):
            self._rows = {sid: i for i, sid in enumerate(self.ids)}
        return self._rows.get(story_id)

    def rows_of(self, story_ids: Iterable[str]) -> list[int]:
        """Rows of the ids the state has: for a few ids a scan in C per id, else one
        scan in Python (building the id dictionary of 200,000 rows cost 60 ms of an
        add; one Python scan 15 ms, one C scan 1.5 ms)."""
        wanted = set(story_ids)
        if len(wanted) > 64 or (self._rows is not None and len(self._rows) == len(self.ids)):
            return [r for r in map(self.row_of, wanted) if r is not None]
        if len(wanted) <= FEW_IDS:
            return sorted(row for sid in wanted for row in _positions(self.ids, sid))
        return [i for i, sid in enumerate(self.ids) if sid in wanted]

    def member(self, row: int) -> Member:
        return Member(self.ids[row], self.agencies[row], self.days[row], self.lengths[row])

    def append(self, member: Member, keys: np.ndarray) -> int:
        """Add a story's row (its own cluster for now); returns the row."""
        row = len(self.ids)
        if self._filled >= len(self.keys):
            grown = np.zeros((max(1024, 2 * len(self.keys)), BANDS), dtype=np.uint32)
            grown[: self._filled] = self.keys[: self._filled]
            self.keys = grown
        self.keys[row] = keys
        self._filled = row + 1
        self.ids.append(member.id)
        self.agencies.append(member.agency)
        self.days.append(member.day)
        self.lengths.append(member.length)
        self.uf.grow(row + 1)
        if self._rows is not None:
            self._rows[member.id] = row
        return row

    def used_keys(self) -> np.ndarray:
        return self.keys[: self._filled]

    def candidates(self, keys: np.ndarray, day: int) -> list[int]:
        """Rows sharing an LSH band key with `keys`, within the time window."""
        rows = np.flatnonzero((self.used_keys() == keys[None, :]).any(axis=1))
        return [r for r in rows.tolist() if within_window(self.days[r], day)]

    def remove(self, rows: Iterable[int], shingles_of: Callable[[str], np.ndarray]) -> None:
        """Drop rows (deleted or replaced stories); what is left of their clusters is
        clustered again among itself (a removed copy may have been the only link)."""
        gone = np.fromiter(rows, dtype=np.int64)
        if not gone.size:
            return
        roots = root_array(self.uf.parent)
        keep = np.ones(len(self), dtype=bool)
        keep[gone] = False
        renumber = np.cumsum(keep) - 1
        hit = _marked(len(roots), roots[gone])[roots][keep]  # the rest of the rows' clusters
        parent = np.where(hit, np.arange(int(keep.sum())), renumber[roots[keep]])
        kept = np.flatnonzero(keep)
        self.keys = self.used_keys()[keep]
        self._filled = len(self.keys)
        for name in ("ids", "agencies", "days", "lengths"):
            values = getattr(self, name)
            setattr(self, name, [values[i] for i in kept.tolist()])
        self.uf.parent = parent.tolist()
        self._rows = None
        self.rewritten = True
        again = np.flatnonzero(hit)
        sub_days = [self.days[i] for i in again.tolist()]
        for a, b in candidate_pairs(self.keys[again], sub_days):
            i, j = int(again[a]), int(again[b])
            if self.uf.find(i) != self.uf.find(j) and is_copy(
                overlap(shingles_of(self.ids[i]), shingles_of(self.ids[j]))
            ):
                self.uf.union(i, j)

    def roots(self) -> list[int]:
        return root_array(self.uf.parent).tolist()

    def labels(self, rows: Iterable[int]) -> dict[str, Label]:
        """Cluster id and inferred agency of every story in the clusters of `rows`, by id."""
        roots = root_array(self.uf.parent)
        members = np.flatnonzero(_marked(len(roots), roots[np.fromiter(rows, dtype=np.int64)])[roots])
        members = members[np.argsort(roots[members], kind="stable")]
        starts = np.flatnonzero(np.diff(roots[members], prepend=-1))
        out = {}
        for cluster in np.split(members, starts[1:]) if members.size else []:
            group = [self.member(i) for i in cluster.tolist()]
            lead = choose_lead(group)
            for m in group:
                out[m.id] = Label(lead.id, inferred_agency(m, lead))
        return out


def _positions(items: list[str], value: str) -> Iterator[int]:
    """Every index of `value` in `items`, found by list.index (a scan in C)."""
    start = 0
    while True:
        try:
            start = items.index(value, start)
        except ValueError:
            return
        yield start
        start += 1


def _marked(n: int, items: np.ndarray) -> np.ndarray:
    """A boolean table of n entries, True at `items` (a set lookup as one array index)."""
    table = np.zeros(n, dtype=bool)
    table[items] = True
    return table


def root_array(parent: list[int]) -> np.ndarray:
    """Every item's root at once, by pointer jumping (union-find parents only point down)."""
    roots = np.asarray(parent, dtype=np.int64)
    while True:
        jumped = roots[roots]
        if np.array_equal(jumped, roots):
            return roots
        roots = jumped


def all_labels(state: ClusterState) -> list[Label]:
    """Every row's label, in one pass over the clusters."""
    groups: dict[int, list[int]] = {}
    for i, root in enumerate(state.roots()):
        groups.setdefault(root, []).append(i)
    labels: list[Label] = [Label("")] * len(state)
    for members in groups.values():
        if len(members) == 1:
            labels[members[0]] = Label(state.ids[members[0]])
            continue
        lead = choose_lead([state.member(i) for i in members])
        for i in members:
            labels[i] = Label(lead.id, inferred_agency(state.member(i), lead))
    return labels


# --- bulk: a whole corpus -----------------------------------------------------------------


def candidate_pairs(keys: np.ndarray, days: list[int]) -> Iterator[tuple[int, int]]:
    """Row pairs sharing a key in some band and within the window, each once."""
    seen: set[int] = set()
    day_arr = np.asarray(days, dtype=np.int64)
    for band in range(keys.shape[1]):
        order = np.argsort(keys[:, band], kind="stable")
        ordered = keys[order, band]
        starts = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1])))
        lengths = np.diff(np.concatenate((starts, [len(ordered)])))
        # runs of two, the common case, in one go
        two = starts[lengths == 2]
        a, b = order[two], order[two + 1]
        da, db = day_arr[a], day_arr[b]
        near = (da == 0) | (db == 0) | (np.abs(da - db) <= WINDOW_DAYS)
        for i, j in zip(np.minimum(a, b)[near].tolist(), np.maximum(a, b)[near].tolist(), strict=True):
            key = i << 32 | j
            if key not in seen:
                seen.add(key)
                yield i, j
        for start, length in zip(starts[lengths > 2].tolist(), lengths[lengths > 2].tolist(), strict=True):
            run = order[start : start + length]
            run = run[np.argsort(day_arr[run], kind="stable")]
            yield from _run_pairs(run.tolist(), days, seen)


def _run_pairs(run: list[int], days: list[int], seen: set[int]) -> Iterator[tuple[int, int]]:
    for a, i in enumerate(run):
        for j in run[a + 1 : a + 1 + MAX_RUN_NEIGHBOURS]:
            if not within_window(days[i], days[j]):
                if days[i] and days[j]:
                    break  # in date order: every later row is further away
                continue
            lo, hi = (i, j) if i < j else (j, i)
            key = lo << 32 | hi
            if key not in seen:
                seen.add(key)
                yield lo, hi


def cluster_rows(state: ClusterState, shingles_of: ShinglesOf) -> int:
    """Join every confirmed copy pair of the state's rows; returns the pairs confirmed."""
    confirmed = 0
    for i, j in candidate_pairs(state.used_keys(), state.days):
        if state.uf.find(i) == state.uf.find(j):
            continue
        if is_copy(overlap(shingles_of(i), shingles_of(j))):
            state.uf.union(i, j)
            confirmed += 1
    return confirmed


# --- incremental: a few new stories ---------------------------------------------------------


def place_story(state: ClusterState, member: Member, fp: Fingerprint, shingles_of: ShinglesOf) -> int:
    """Add one story (not in the state yet) joined with the copies it has; returns its row."""
    found = state.candidates(fp.keys, member.day)
    copies = [r for r in found if is_copy(overlap(fp.shingles, shingles_of(r)))]
    row = state.append(member, fp.keys)
    for r in copies:
        state.uf.union(row, r)
    return row


def member_of(story: Story) -> Member:
    """The lead-choice facts of a story."""
    return Member(story.id, story.agency, story.date.toordinal() if story.date else 0, len(story.body))


def cluster_stories(stories: Iterable[Story]) -> tuple[ClusterState, list[Label]]:
    """Cluster stories held in memory (tests, benchmarks); a reindex streams instead."""
    state = ClusterState()
    shingles: list[np.ndarray] = []
    for story in stories:
        fp = fingerprint(story.body)
        shingles.append(fp.shingles)
        state.append(member_of(story), fp.keys)
    cluster_rows(state, shingles.__getitem__)
    return state, all_labels(state)
