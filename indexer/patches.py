"""Whoosh internals for searching, for the one Whoosh we pin (whooshpin.py).

whoosh-reloaded is unmaintained, so its fixes are ours: posting ids, weights and
positions read block by block, snippet character spans from the stored text (patched
into its highlighter), a scorer's BM25 parameters, the terms a prefix stands for, a
deadline inside the filtering collector, highlighting narrowed to some hits. Each
touches private attributes that only this version is known to have; what a
segment stores and the index's files are segments.py's.
"""

from __future__ import annotations

import bisect
import math
import time
from collections.abc import Iterator
from typing import Any, NamedTuple

from .whooshpin import PINNED_VERSION  # noqa: F401  (importing it checks the Whoosh version first)

# isort: split
import numpy as np  # noqa: E402

# Imported after the check: another Whoosh may lack what is imported here.
from whoosh import collectors, highlight  # noqa: E402
from whoosh.codec import whoosh3  # noqa: E402
from whoosh.codec.whoosh3 import W3LeafMatcher  # noqa: E402
from whoosh.reading import TermNotFound  # noqa: E402
from whoosh.scoring import BM25FScorer  # noqa: E402
from whoosh.searching import TimeLimit  # noqa: E402

from .storedfields import stored, stores_text  # noqa: E402

# Term infos one segment's terms reader remembers; past this it starts again (a
# query asks for a few dozen, an entry is ~250 bytes).
MAX_REMEMBERED_TERMS = 50_000


def _remembered_term_info(self, fieldname, tbytes):  # type: ignore[no-untyped-def]
    """A term's W3TermInfo (None when the segment lacks it), each looked up once.

    One search asks for the same terms again and again (is it there, its
    document frequency, its postings, for each field and each reading of the
    query), and each asked the on-disk hash table: a hash, seeks and reads, about
    30 lookups and 0.5 ms of a request. The segment file never changes, so the
    answers can be kept as long as its reader is open.
    """
    memo = self.__dict__.get("_wire_terms")
    if memo is None:
        memo = self._wire_terms = {}
    key = (fieldname, tbytes)
    found = memo.get(key, memo)
    if found is memo:
        raw = self._tindex.get(self._keycoder(fieldname, tbytes))
        found = None if raw is None else whoosh3.W3TermInfo.from_bytes(raw)
        if len(memo) >= MAX_REMEMBERED_TERMS:
            memo.clear()
        memo[key] = found
    return found


def _term_info(self, fieldname, tbytes):  # type: ignore[no-untyped-def]
    found = _remembered_term_info(self, fieldname, tbytes)
    if found is None:
        raise TermNotFound(f"No term {fieldname}:{tbytes!r}")
    return found


def _term_stat(stat: str):  # type: ignore[no-untyped-def]
    """W3TermsReader.frequency / doc_frequency from the remembered term info
    (KeyError for a missing term, as the reader raised)."""

    def read(self, fieldname, tbytes):  # type: ignore[no-untyped-def]
        found = _remembered_term_info(self, fieldname, tbytes)
        if found is None:
            raise KeyError(tbytes)
        return getattr(found, stat)()

    return read


whoosh3.W3TermsReader.__contains__ = lambda self, term: _remembered_term_info(self, *term) is not None
whoosh3.W3TermsReader.term_info = _term_info
whoosh3.W3TermsReader.frequency = _term_stat("weight")
whoosh3.W3TermsReader.doc_frequency = _term_stat("doc_frequency")


def posting_ids(m) -> list[int]:  # type: ignore[no-untyped-def]
    """A leaf matcher's remaining document ids, each block's id array read at once.

    Whoosh's all_ids() steps through postings one Python call at a time; this is
    several times faster. Other matchers fall back to all_ids().
    """
    if not isinstance(m, W3LeafMatcher):
        return list(m.all_ids())
    ids: list[int] = []
    while m.is_active():
        if m._ids is None:
            m._read_ids()
        ids.extend(m._ids[m._i :])
        if m._lastblock:
            break
        m._goto(m._nextoffset)
    return ids


def posting_arrays(m) -> tuple[list[int], list[float]]:  # type: ignore[no-untyped-def]
    """A leaf matcher's remaining (ids, weights), each block's arrays taken at once.

    Weights are Whoosh's own float32 values, so scores made from them are Whoosh's.
    Matchers other than a W3 block matcher (inline postings) are stepped through.
    """
    ids: list[int] = []
    weights: list[float] = []
    if not isinstance(m, W3LeafMatcher):
        while m.is_active():
            ids.append(m.id())
            weights.append(m.weight())
            m.next()
        return ids, weights
    while m.is_active():
        if m._ids is None:
            m._read_ids()
        if m._weights is None:
            m._read_weights()
        ids.extend(m._ids[m._i :])
        weights.extend(m._weights[m._i :])
        if m._lastblock:
            break
        m._goto(m._nextoffset)
    return ids, weights


def posting_positions(m, docs: list[int]) -> tuple[np.ndarray, np.ndarray]:  # type: ignore[no-untyped-def]
    """(document, position) of every occurrence of a leaf matcher's term in `docs`
    (ascending ids, each one of its postings), for phrase matching.

    Whoosh decodes one posting's positions per Python call; here the wanted
    postings' values (varint deltas, analysis.StoryPositions), taken from the blocks
    that hold them, are decoded together in numpy. Blocks without a wanted document
    are skipped unread.
    """
    if not isinstance(m, W3LeafMatcher) or not getattr(m.format, "VARINT_POSITIONS", False):
        return _stepped_positions(m, docs)
    return varint_occurrences(docs, block_values(m, docs))


def block_values(m, docs: list[int]) -> list[bytes]:  # type: ignore[no-untyped-def]
    """A W3 leaf matcher's raw posting values for `docs` (ascending ids, each one of
    its postings), read from the blocks that hold them; other blocks' data is skipped."""
    values: list[bytes] = []
    i = 0
    while i < len(docs) and m.is_active():
        if docs[i] <= m._maxid:
            if m._ids is None:
                m._read_ids()
            if m._values is None:
                m._read_values()
            at = {docnum: k for k, docnum in enumerate(m._ids)}
            j = bisect.bisect_right(docs, m._maxid, i)
            block = m._values
            values.extend(block[at[d]] for d in docs[i:j])
            i = j
        if m._lastblock:
            break
        m._goto(m._nextoffset)
    if len(values) != len(docs):
        raise ValueError("block_values: a document is not among the term's postings")
    return values


class _StoredSpans(dict[int, dict[str, Any]]):
    """docnum -> {matched word: its spans}, made when first asked from the document's
    stored text, analysed as indexing analysed it. The spans come as Whoosh's
    highlighter reads them, (position, start, end), the position None: neither its
    fragmenter nor its scorer reads one, and working them out was half the cost."""

    def __init__(self, results, fieldname: str, termdocs: dict[str, set[int]]) -> None:  # type: ignore[no-untyped-def]
        super().__init__()
        self.results, self.fieldname, self.termdocs = results, fieldname, termdocs

    def __missing__(self, docnum: int) -> dict[str, Any]:
        from .analysis import term_spans  # (analysis imports the codec, which imports this)

        text = self.results.__dict__.get("_wire_texts", {}).pop((self.fieldname, docnum), None)
        if text is None:
            text = stored(self.results.searcher).of(docnum).get(self.fieldname) or ""
        words = [word for word, docs in self.termdocs.items() if docnum in docs]
        found = term_spans(text, frozenset(words)) if text and words else {}
        spans = {word: [(None, start, end) for start, end in pairs] for word, pairs in found.items()}
        self[docnum] = spans
        return spans


def offer_stored_text(hit, fieldname: str, text: str) -> None:  # type: ignore[no-untyped-def]
    """Give the highlighter a hit's stored text already read, so that its spans do not
    read the stored fields a second time (a story's whole record, unpickled)."""
    hit.results.__dict__.setdefault("_wire_texts", {})[(fieldname, hit.docnum)] = text


@staticmethod  # type: ignore[misc]
def _load_chars(results, fieldname, texts, to_bytes):  # type: ignore[no-untyped-def]
    """Highlighter._load_chars: each matched word's character spans in a shown hit.

    The postings hold positions only (analysis.StoryPositions); the spans of a hit
    are those `index_occurrences` gives for its stored text, worked out for the hits
    a snippet is asked for.
    """
    termdocs = {text: set(results.termdocs[(fieldname, to_bytes(text))]) for text in texts}
    results._char_cache[fieldname] = _StoredSpans(results, fieldname, termdocs)


def _can_load_chars(self, results, fieldname):  # type: ignore[no-untyped-def]
    """Highlighter.can_load_chars, true of StoryPositions fields too: _load_chars gives
    their spans from the stored text (Whoosh asks the format for characters, which
    StoryPositions must not claim: Whoosh's span matchers would then decode them)."""
    if WHOOSH_CAN_LOAD_CHARS(self, results, fieldname):
        return True
    field = results.searcher.schema[fieldname]
    return bool(
        getattr(field.format, "VARINT_POSITIONS", False)
        and stores_text(results.searcher.schema, fieldname)
        and not self.always_retokenize
        and results.has_matched_terms()
        and not self.fragmenter.must_retokenize()
    )


WHOOSH_CAN_LOAD_CHARS = highlight.Highlighter.can_load_chars
highlight.Highlighter._load_chars = _load_chars
highlight.Highlighter.can_load_chars = _can_load_chars


def varint_occurrences(docs: list[int], values: list[bytes]) -> tuple[np.ndarray, np.ndarray]:
    """Postings' values of varint position deltas (each from 0) as (document, position) arrays."""
    data = np.frombuffer(b"".join(values), dtype=np.uint8)
    sizes = np.fromiter(map(len, values), dtype=np.int64, count=len(values))
    ends = data < 0x80
    last = np.flatnonzero(ends)
    if len(last) == len(data):  # every delta one byte
        deltas = data.astype(np.int64)
    else:
        first = np.concatenate(([0], last[:-1] + 1))
        varint: np.ndarray = np.cumsum(ends) - ends  # which number each byte belongs to
        shift = 7 * (np.arange(len(data)) - first[varint])
        deltas = np.add.reduceat((data & 0x7F).astype(np.int64) << shift, first)
    ended = np.concatenate(([0], np.cumsum(ends)))
    bounds = np.cumsum(sizes)
    counts = ended[bounds] - ended[bounds - sizes]
    total = np.cumsum(deltas)
    starts = np.cumsum(counts) - counts
    # each posting's deltas restart from 0: subtract the running sum before its first one
    before = np.repeat(total[starts] - deltas[starts], counts) if len(deltas) else total
    owners = np.repeat(np.asarray(docs, dtype=np.int64), counts)
    return owners, total - before


def _stepped_positions(m, docs: list[int]) -> tuple[np.ndarray, np.ndarray]:  # type: ignore[no-untyped-def]
    """posting_positions through the matcher interface (inline postings, other formats)."""
    owners: list[int] = []
    positions: list[int] = []
    for docnum in docs:
        m.skip_to(docnum)
        if not m.is_active() or m.id() != docnum:
            raise ValueError("posting_positions: a document is not among the term's postings")
        found = m.value_as("positions")
        owners.extend([docnum] * len(found))
        positions.extend(found)
    return np.asarray(owners, dtype=np.int64), np.asarray(positions, dtype=np.int64)


class BM25Parameters(NamedTuple):
    """What a Whoosh BM25F scorer computes a posting's score from."""

    idf: float
    avgfl: float
    B: float
    K1: float


def bm25_parameters(scorer) -> BM25Parameters | None:  # type: ignore[no-untyped-def]
    """The parameters of a Whoosh BM25F scorer; None for any other scorer."""
    if type(scorer) is not BM25FScorer:
        return None
    return BM25Parameters(scorer.idf, scorer.avgfl, scorer.B, scorer.K1)


def expanded_terms(leaf, reader) -> Iterator[bytes]:  # type: ignore[no-untyped-def]
    """The indexed terms (as bytes) a prefix or wildcard query stands for."""
    return leaf._btexts(reader)  # type: ignore[no-any-return]


class DeadlineCollector(collectors.FilterCollector):
    """Whoosh's filter/mask collector that also stops at a deadline.

    Whoosh's TimeLimitCollector cannot wrap a filtered collector: it calls the
    inner collect() itself, which skipped the filter and mask (a hit came back
    twice); so the clock is checked here, in the one loop over the matches.
    """

    CHECK_EVERY = 256  # matches between looks at the clock

    def __init__(self, child, allow, restrict, deadline: float):  # type: ignore[no-untyped-def]
        super().__init__(child, allow, restrict)
        self.deadline = deadline

    def collect_matches(self) -> None:
        child, allow, restrict = self.child, self._allow, self._restrict
        for n, sub_docnum in enumerate(child.matches()):
            if n % self.CHECK_EVERY == 0 and time.monotonic() > self.deadline:
                raise TimeLimit
            docnum = self.offset + sub_docnum
            if (allow is not None and docnum not in allow) or (restrict is not None and docnum in restrict):
                self.filtered_count += 1
                continue
            child.collect(sub_docnum)


def search_until(s, q, *, seconds: float | None, filter=None, mask=None, **kwargs):  # type: ignore[no-untyped-def]
    """s.search(q, **kwargs), stopped after `seconds` (None: never) with the best
    hits found by then: a query of hundreds of common words or prefixes took
    Whoosh tens of seconds to score, holding a server thread all along."""
    deadline = math.inf if seconds is None else time.monotonic() + seconds
    collector = DeadlineCollector(s.collector(**kwargs), filter, mask, deadline)
    try:
        s.search_with_collector(q, collector)
    except TimeLimit:
        pass  # the collector keeps what it had
    return collector.results()


def narrow_highlighting(hits: list[Any]) -> None:
    """Make the next snippets read character offsets for these hits only.

    Whoosh's highlighter loads the match offsets of every collected hit at the
    first snippet and keeps them: for an export of 100,000 hits that is memory
    growing with the export. Sets Results.top_n and empties its _char_cache.
    """
    by_results: dict[int, tuple[Any, list[tuple[float, int]]]] = {}
    for hit in hits:
        by_results.setdefault(id(hit.results), (hit.results, []))[1].append((hit.score, hit.docnum))
    for results, top_n in by_results.values():
        results.top_n = top_n
        results._char_cache = {}
