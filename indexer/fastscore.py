"""Scoring an OR of plain words with numpy: Whoosh's top hits, found without its matchers.

Whoosh scores a query by stepping its matcher tree through every posting, one
Python call each: 60% of query time at 200,000 stories. For the common query (an
OR of words over title and body, each word boosted or not), this reads each
term's posting ids and weights as arrays (kept per index version, so queries
sharing a word share them), scores every posting with the same BM25F formula in
numpy, and picks the top ones with argpartition. numpy sums a story's terms in
another order than Whoosh's matcher tree, so the scores can differ in the last
bits: every story within `SLACK` of the cut is therefore scored again, its terms
added in the order of the matcher tree Whoosh builds for the query (or by Whoosh's
own matcher, skipping to it, where Whoosh would sum another way), and those exact
scores order the hits. The result is Whoosh's, scores and tie order (lower
document number first) included.
Exact phrases are leaves too: their stories come from phrases.py, their score
is the sum of their words' scores in the order Whoosh's phrase matcher adds them.
Anything else (prefixes, AND, NOT, sloppy phrases, fields other than title and
body) answers None and goes Whoosh's way.
"""

from __future__ import annotations

import bisect
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any

import numpy as np
from whoosh import query
from whoosh.matching.wrappers import FilterMatcher
from whoosh.searching import Results

from .patches import bm25_parameters, posting_arrays, posting_positions
from .phrases import is_array_phrase, phrase_btexts, phrase_docs
from .segments import field_length_bytes, length_table, segment_key

# Fields whose words the fast path scores (BM25F fields of the schema).
FAST_FIELDS = frozenset({"title", "body"})
# Relative distance to the cut within which a story is scored again exactly: the
# numpy and Whoosh sums of the same few terms differ by about 1e-16 of the score.
SLACK = 1e-9
# Postings kept per index version (an int64 id and a float64 weight, 16 bytes each):
# at most 64 MB a worker; the least recently used term goes first. As many word
# occurrences (an int64 key each, for phrases) again: at most 32 MB more.
MAX_CACHED_POSTINGS = 4_000_000
# An occurrence's key is its document number shifted by this, plus its position.
POSITION_BITS = 32


class SizedLRU:
    """A thread-safe LRU of numpy arrays holding at most `budget` elements in all."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self._lock = threading.Lock()
        self._items: OrderedDict[Any, Any] = OrderedDict()
        self._held = 0

    def get(self, key: Any) -> Any:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, key: Any, value: Any, size: int) -> None:
        with self._lock:
            self._items[key] = (value, size)
            self._held += size
            while self._held > self.budget and len(self._items) > 1:
                _, (_old, old_size) = self._items.popitem(last=False)
                self._held -= old_size


class PostingArrays:
    """Posting lists and field lengths as numpy arrays, for one index version."""

    def __init__(self, max_postings: int = MAX_CACHED_POSTINGS) -> None:
        self.max_postings = max_postings
        self._lock = threading.Lock()
        self._lengths: dict[tuple[str, str], np.ndarray] = {}
        self._postings = SizedLRU(max_postings)
        self._occurrences = SizedLRU(max_postings)

    def lengths(self, reader: Any, fieldname: str) -> np.ndarray:
        """Each document's field length as Whoosh's scorer reads it (1 when unknown)."""
        key = (segment_key(reader), fieldname)
        found = self._lengths.get(key)
        if found is None:
            raw = np.frombuffer(bytes(field_length_bytes(reader, fieldname)), dtype=np.uint8)
            table = length_table()
            found = np.ones(reader.doc_count_all(), dtype=np.float64)
            found[: len(raw)] = table[raw[: len(found)]]
            with self._lock:
                self._lengths[key] = found
        return found

    def postings(self, reader: Any, fieldname: str, btext: bytes) -> tuple[np.ndarray, np.ndarray]:
        """A term's (ids, weights) in one segment, deleted documents left out."""
        key = (segment_key(reader), fieldname, btext)
        found = self._postings.get(key)
        if found is not None:
            return found[0]  # type: ignore[no-any-return]
        m = reader.postings(fieldname, btext)
        deleted = None
        if isinstance(m, FilterMatcher):
            deleted, m = reader.deleted_docs_set, m.child
        ids, weights = posting_arrays(m)
        id_array = np.asarray(ids, dtype=np.int64)
        weight_array = np.asarray(weights, dtype=np.float64)
        if deleted:
            keep = ~np.isin(id_array, np.fromiter(deleted, dtype=np.int64, count=len(deleted)))
            id_array, weight_array = id_array[keep], weight_array[keep]
        self._postings.put(key, (id_array, weight_array), len(id_array))
        return id_array, weight_array

    def occurrences(self, reader: Any, fieldname: str, btext: bytes) -> np.ndarray:
        """A term's occurrences in one segment as sorted keys, document << 32 | position."""
        key = (segment_key(reader), fieldname, btext)
        found = self._occurrences.get(key)
        if found is not None:
            return found[0]  # type: ignore[no-any-return]
        m = reader.postings(fieldname, btext)
        ids = self.postings(reader, fieldname, btext)[0]
        owners, positions = posting_positions(m.child if isinstance(m, FilterMatcher) else m, ids.tolist())
        keys = (owners << POSITION_BITS) | positions
        self._occurrences.put(key, keys, len(keys))
        return keys


# A word or an exact phrase of words (phrases.is_array_phrase), as the scorer sees it.
Leaf = Any  # a query.Term or a query.Phrase (Whoosh has no type hints)


def plain_terms(q: query.Query, boost: float = 1.0) -> list[tuple[Leaf, float]] | None:
    """The word and phrase leaves of an OR of them, each with its boost; None for any other query."""
    if type(q) is query.Term:
        if q.fieldname not in FAST_FIELDS or not isinstance(q.text, str):
            return None
        return [(q, boost * q.boost)]
    if type(q) is query.Phrase:
        if q.fieldname not in FAST_FIELDS or q.slop != 1 or not all(isinstance(w, str) for w in q.words):
            return None
        return [(q, boost * q.boost)]
    if type(q) is query.Or and not q.minmatch and not q.scale:
        found: list[tuple[Leaf, float]] = []
        for sub in q.subqueries:
            terms = plain_terms(sub, boost * q.boost)
            if terms is None:
                return None
            found.extend(terms)
        return found
    return None


# A segment's scores of each leaf: (field, text or tuple of words) -> (ids, Whoosh's
# score of each matching document, unboosted).
LeafScores = dict[tuple[str, Any], tuple[np.ndarray, np.ndarray]]


def leaf_key(leaf: Leaf) -> tuple[str, Any]:
    """A word's (field, text), a phrase's (field, its words)."""
    return (leaf.fieldname, tuple(leaf.words) if type(leaf) is query.Phrase else leaf.text)  # type: ignore[union-attr]


def fast_search(
    s: Any, q: query.Query, limit: int, allowed: set[int] | None, hidden: set[int], cache: PostingArrays
) -> Results | None:
    """Whoosh's Results of s.search(q, limit=limit, filter=allowed, mask=hidden), or
    None when `q` is not an OR of words (the caller then asks Whoosh)."""
    terms = plain_terms(q)
    if terms is None:
        return None
    started = time.perf_counter()
    scores = np.zeros(s.doc_count_all(), dtype=np.float64)
    segments: list[tuple[Any, int, LeafScores]] = []
    for sub, offset in s.leaf_searchers():
        leaves = leaf_scores(sub, [term for term, _ in terms], cache)
        if leaves is None:
            return None
        for term, boost in terms:
            if leaf_key(term) in leaves:
                ids, part = leaves[leaf_key(term)]
                scores[ids + offset] += part * boost if boost != 1.0 else part
        segments.append((sub, offset, leaves))
    top = exact_top(q, candidates(scores, limit, allowed, hidden), segments)[:limit]
    return Results(s, q, top, runtime=time.perf_counter() - started)


def leaf_scores(sub: Any, terms: list[Leaf], cache: PostingArrays) -> LeafScores | None:
    """Each leaf's documents in one segment scored as Whoosh's BM25F scorer scores them."""
    reader = sub.reader()
    leaves: LeafScores = {}
    for term in terms:
        key = leaf_key(term)
        if key in leaves:
            continue
        if type(term) is query.Phrase:
            found = phrase_scores(sub, term, cache)
        else:
            btext = sub.schema[term.fieldname].to_bytes(term.text)
            if (term.fieldname, btext) not in reader:
                continue
            found = term_scores(sub, term.fieldname, btext, cache)
        if found is None:
            return None
        leaves[key] = found
    return leaves


# One leaf's (document numbers, score of each) in one segment.
Scored = tuple[np.ndarray, np.ndarray]


def term_scores(sub: Any, fieldname: str, btext: bytes, cache: PostingArrays) -> Scored | None:
    """One word's (ids, score of each posting) in a segment; None for a scorer other than BM25F."""
    params = bm25_parameters(sub.weighting.scorer(sub, fieldname, btext))
    if params is None:
        return None
    ids, tf = cache.postings(sub.reader(), fieldname, btext)
    fl = cache.lengths(sub.reader(), fieldname)[ids]
    idf, avgfl, b, k1 = params
    # whoosh.scoring.bm25 operation for operation, so each posting's score is Whoosh's
    return ids, idf * ((tf * (k1 + 1)) / (tf + k1 * ((1 - b) + b * fl / avgfl)))


def phrase_scores(sub: Any, q: query.Phrase, cache: PostingArrays) -> Scored | None:
    """A phrase's (ids, score) in a segment: its words' scores summed as Whoosh's phrase
    matcher sums them (SpanNear2's binary tree of IntersectionMatchers, make_binary_tree)."""
    btexts = phrase_btexts(q, sub.schema) if is_array_phrase(q, sub.schema) else None
    if btexts is None:
        return None
    docs = phrase_docs(sub.reader(), q.fieldname, btexts, cache)
    if not len(docs):  # (a word missing from the segment has no scorer either)
        return docs, np.zeros(0, dtype=np.float64)
    parts = []
    for btext in btexts:
        scored = term_scores(sub, q.fieldname, btext, cache)
        if scored is None:
            return None
        ids, part = scored
        parts.append(part[np.searchsorted(ids, docs)])
    return docs, binary_sum(parts)


def binary_sum(parts: list[np.ndarray]) -> np.ndarray:
    """a + b down the tree whoosh.util.make_binary_tree builds of `parts`."""
    if len(parts) == 1:
        return parts[0]
    half = len(parts) // 2
    return binary_sum(parts[:half]) + binary_sum(parts[half:])


def _as_array(docs: Iterable[int], n: int) -> np.ndarray:
    return np.fromiter(docs, dtype=np.int64, count=n)


def candidates(scores: np.ndarray, limit: int, allowed: set[int] | None, hidden: set[int]) -> np.ndarray:
    """Document numbers that may be among the top `limit`: all the matches within
    SLACK of the limit-th best score (so every tie at the cut is in)."""
    keep = scores > 0  # a BM25 score with the RSJ idf is positive wherever a word matches
    if allowed is not None:
        permitted = np.zeros(len(scores), dtype=bool)
        permitted[_as_array(allowed, len(allowed))] = True
        keep &= permitted
    if hidden:
        keep[_as_array(hidden, len(hidden))] = False
    docs = np.flatnonzero(keep)
    if len(docs) <= limit:
        return docs
    found = scores[docs]
    cut = np.partition(found, len(found) - limit)[len(found) - limit]
    return docs[found >= cut - abs(cut) * SLACK]


def exact_top(
    q: query.Query, docs: np.ndarray, segments: list[tuple[Any, int, LeafScores]]
) -> list[tuple[float, int]]:
    """(score, docnum) of `docs` as Whoosh scores them, best first, ties by docnum."""
    docs = np.sort(docs)
    scored: list[tuple[float, int]] = []
    for sub, offset, leaves in segments:
        local = docs[(docs >= offset) & (docs < offset + sub.doc_count_all())] - offset
        if not len(local):
            continue
        tree = matcher_tree(q, sub)
        if tree is None:
            scored.extend(matcher_scores(q, sub, local, offset))
        else:
            values = evaluate(tree, leaves, local)
            scored.extend(
                (v, d) for v, d in zip(values.tolist(), (local + offset).tolist(), strict=True) if v > 0
            )
    scored.sort(key=lambda h: (-h[0], h[1]))
    return scored


# A matcher tree's shape: ("term", (field, text)), ("null",), ("sum", a, b), ("boost", a, boost).
Tree = tuple[Any, ...]
# Whoosh's Or sums its clauses through a tree of UnionMatchers only below this many
# clauses, and (for more than two) in segments of more than this many documents.
OR_TREE_MAX_CLAUSES = 1024
OR_TREE_MIN_DOCS = 5000


def matcher_tree(q: query.Query, sub: Any) -> Tree | None:
    """The shape of the matcher Whoosh builds for `q` in one segment (whoosh.query.compound
    Or._matcher, DefaultOr, make_weighted_tree), so that scores add up in its order;
    None for a shape it sums otherwise (an array-preloading Or)."""
    reader = sub.reader()
    if type(q) is query.Term or type(q) is query.Phrase:
        words = q.words if type(q) is query.Phrase else [q.text]  # type: ignore[union-attr]
        to_bytes = sub.schema[q.fieldname].to_bytes  # type: ignore[union-attr]
        if any((q.fieldname, to_bytes(word)) not in reader for word in words):  # type: ignore[union-attr]
            return ("null",)
        leaf = ("term", leaf_key(q))  # type: ignore[arg-type]
        return ("boost", leaf, q.boost) if q.boost != 1.0 else leaf
    subs = q.subqueries
    if not subs:
        return ("null",)
    if len(subs) == 1:  # CompoundQuery.matcher: the clause's matcher, the Or's boost unused
        return matcher_tree(subs[0], sub)
    if len(subs) >= OR_TREE_MAX_CLAUSES or (len(subs) != 2 and sub.doc_count_all() <= OR_TREE_MIN_DOCS):
        return None
    weighted: list[tuple[int, Tree]] = []
    for clause in subs:
        tree = matcher_tree(clause, sub)
        if tree is None:
            return None
        weighted.append((clause.estimate_size(reader), tree))
    # make_weighted_tree: matchers compare as equal, so the sort is by size alone, stable
    weighted.sort(key=lambda wt: wt[0])
    while len(weighted) > 1:
        (wa, a), (wb, b) = weighted.pop(0), weighted.pop(0)
        joined = (wa + wb, ("sum", a, b))
        weighted.insert(bisect.bisect_right([w for w, _ in weighted], joined[0]), joined)
    top = weighted[0][1]
    return ("boost", top, q.boost) if q.boost != 1.0 else top


def evaluate(tree: Tree, leaves: LeafScores, docs: np.ndarray) -> np.ndarray:
    """The tree's score of each of `docs` (0 where nothing matches): adding 0.0 for a
    clause that does not match is exact, so each sum is the UnionMatcher's."""
    kind = tree[0]
    if kind == "sum":
        return evaluate(tree[1], leaves, docs) + evaluate(tree[2], leaves, docs)
    if kind == "boost":
        return evaluate(tree[1], leaves, docs) * tree[2]
    values = np.zeros(len(docs), dtype=np.float64)
    if kind == "term" and tree[1] in leaves and len(leaves[tree[1]][0]):
        ids, part = leaves[tree[1]]
        at = np.minimum(np.searchsorted(ids, docs), len(ids) - 1)
        hit = ids[at] == docs
        values[hit] = part[at[hit]]
    return values


def matcher_scores(q: query.Query, sub: Any, docs: np.ndarray, offset: int) -> list[tuple[float, int]]:
    """(score, docnum) of `docs` from Whoosh's own matcher, skipping to each."""
    m = q.matcher(sub, sub.context())
    scored = []
    for docnum in docs.tolist():
        if not m.is_active():
            break
        if m.id() < docnum:
            m.skip_to(docnum)
        if m.is_active() and m.id() == docnum:
            scored.append((m.score(), docnum + offset))
    return scored
