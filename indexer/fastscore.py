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
Anything else (phrases, prefixes, AND, NOT, fields other than title and body)
answers None and goes Whoosh's way.
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

from .patches import bm25_parameters, field_length_bytes, length_table, posting_arrays, segment_key

# Fields whose words the fast path scores (BM25F fields of the schema).
FAST_FIELDS = frozenset({"title", "body"})
# Relative distance to the cut within which a story is scored again exactly: the
# numpy and Whoosh sums of the same few terms differ by about 1e-16 of the score.
SLACK = 1e-9
# Postings kept per index version (an int64 id and a float64 weight, 16 bytes each):
# at most 64 MB a worker; the least recently used term goes first.
MAX_CACHED_POSTINGS = 4_000_000


class PostingArrays:
    """Posting lists and field lengths as numpy arrays, for one index version."""

    def __init__(self, max_postings: int = MAX_CACHED_POSTINGS) -> None:
        self.max_postings = max_postings
        self._lock = threading.Lock()
        self._lengths: dict[tuple[str, str], np.ndarray] = {}
        self._postings: OrderedDict[tuple[str, str, bytes], tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self._held = 0

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
        with self._lock:
            found = self._postings.get(key)
            if found is not None:
                self._postings.move_to_end(key)
                return found
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
        found = (id_array, weight_array)
        with self._lock:
            self._postings[key] = found
            self._held += len(id_array)
            while self._held > self.max_postings and len(self._postings) > 1:
                _, (old, _w) = self._postings.popitem(last=False)
                self._held -= len(old)
        return found


def plain_terms(q: query.Query, boost: float = 1.0) -> list[tuple[query.Term, float]] | None:
    """The word leaves of an OR of words, each with its boost; None for any other query."""
    if type(q) is query.Term:
        if q.fieldname not in FAST_FIELDS or not isinstance(q.text, str):
            return None
        return [(q, boost * q.boost)]
    if type(q) is query.Or and not q.minmatch and not q.scale:
        found: list[tuple[query.Term, float]] = []
        for sub in q.subqueries:
            terms = plain_terms(sub, boost * q.boost)
            if terms is None:
                return None
            found.extend(terms)
        return found
    return None


# A segment's scores of each word: (field, text) -> (ids, Whoosh's score of each posting, unboosted).
LeafScores = dict[tuple[str, str], tuple[np.ndarray, np.ndarray]]


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
            if (term.fieldname, term.text) in leaves:
                ids, part = leaves[(term.fieldname, term.text)]
                scores[ids + offset] += part * boost if boost != 1.0 else part
        segments.append((sub, offset, leaves))
    top = exact_top(q, candidates(scores, limit, allowed, hidden), segments)[:limit]
    return Results(s, q, top, runtime=time.perf_counter() - started)


def leaf_scores(sub: Any, terms: list[query.Term], cache: PostingArrays) -> LeafScores | None:
    """Each word's postings in one segment scored as Whoosh's BM25F scorer scores them."""
    reader = sub.reader()
    leaves: LeafScores = {}
    for term in terms:
        key = (term.fieldname, term.text)
        btext = sub.schema[term.fieldname].to_bytes(term.text)
        if key in leaves or (term.fieldname, btext) not in reader:
            continue
        params = bm25_parameters(sub.weighting.scorer(sub, term.fieldname, btext))
        if params is None:
            return None
        ids, tf = cache.postings(reader, term.fieldname, btext)
        fl = cache.lengths(reader, term.fieldname)[ids]
        idf, avgfl, b, k1 = params
        # whoosh.scoring.bm25 operation for operation, so each posting's score is Whoosh's
        leaves[key] = (ids, idf * ((tf * (k1 + 1)) / (tf + k1 * ((1 - b) + b * fl / avgfl))))
    return leaves


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
    if type(q) is query.Term:
        if (q.fieldname, sub.schema[q.fieldname].to_bytes(q.text)) not in reader:
            return ("null",)
        leaf = ("term", (q.fieldname, q.text))
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
