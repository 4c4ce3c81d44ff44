"""Every use of Whoosh internals, in one place, for the one Whoosh we pin.

whoosh-reloaded is unmaintained, so its fixes are ours: a faster length lookup
patched into its segment reader, posting ids, weights and positions read block by
block, snippet character spans from the stored text (patched into its highlighter),
a segment's column read in one go, the terms a prefix stands for, a deadline
inside the filtering collector, highlighting narrowed to some hits, writers without
Whoosh's lock, the names of an index's files. Each touches private attributes that
only this version is known to have,
so importing this module checks the version and refuses another.
"""

from __future__ import annotations

import bisect
import math
import re
import time
from collections.abc import Iterator
from importlib import metadata
from itertools import accumulate
from typing import Any, NamedTuple

PINNED_DISTRIBUTION = "whoosh-reloaded"
PINNED_VERSION = "2.7.5"


class WhooshVersionError(ImportError):
    """The installed Whoosh is not the version whose internals this module patches."""


def check_whoosh_version(found: str | None) -> None:
    """Raise WhooshVersionError unless `found` is the pinned whoosh-reloaded version."""
    if found != PINNED_VERSION:
        have = f"{PINNED_DISTRIBUTION} {found}" if found else f"no {PINNED_DISTRIBUTION}"
        raise WhooshVersionError(
            f"wire-search patches Whoosh internals and needs {PINNED_DISTRIBUTION}=={PINNED_VERSION}, "
            f"found {have}: pip install '{PINNED_DISTRIBUTION}=={PINNED_VERSION}'"
        )


def installed_version() -> str | None:
    try:
        return metadata.version(PINNED_DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return None


check_whoosh_version(installed_version())

import numpy as np  # noqa: E402

# Imported after the check: another Whoosh may lack what is imported here.
from whoosh import collectors, highlight  # noqa: E402
from whoosh import index as whoosh_index  # noqa: E402
from whoosh.codec import whoosh3  # noqa: E402
from whoosh.codec.whoosh3 import W3LeafMatcher  # noqa: E402
from whoosh.columns import NumericColumn, VarBytesColumn  # noqa: E402
from whoosh.fields import ID  # noqa: E402
from whoosh.scoring import BM25FScorer  # noqa: E402
from whoosh.searching import TimeLimit  # noqa: E402
from whoosh.util.numeric import byte_to_length  # noqa: E402


def _doc_field_length(self, docnum, fieldname, default=0):  # type: ignore[no-untyped-def]
    """W3PerDocReader.doc_field_length reading each length column once.

    Writing a segment asks for the field length of every posting; Whoosh answered
    each with a seek and a read of the column file (and, for fields without lengths,
    a file-exists check): 25% of commit time in a profile. Same values, from memory.
    """
    if docnum > self._doccount:
        raise IndexError(f"Asked for docnum {docnum!r} of {self._doccount}")
    cache = self.__dict__.setdefault("_wire_lengths", {})
    lengths = cache.get(fieldname)
    if lengths is None:
        reader = self._cached_reader(whoosh3._lenfield(fieldname), whoosh3.LENGTHS_COLUMN)
        lengths = cache[fieldname] = _load_lengths(reader)
    if docnum >= len(lengths):
        return default
    lbyte = lengths[docnum]
    return byte_to_length(lbyte) if lbyte else default


def _load_lengths(reader) -> bytes | list[int]:  # type: ignore[no-untyped-def]
    """All of a length column: one byte per document, read in one go."""
    if reader is None:
        return []
    if isinstance(reader, NumericColumn.Reader) and reader._fixedlen == 1:
        return bytes(reader._dbfile.get(reader._basepos, reader._count))
    return list(reader.load())


whoosh3.W3PerDocReader.doc_field_length = _doc_field_length


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
    """docnum -> {matched word: its (position, start, end) list}, made when first asked
    from the document's stored text, analysed as indexing analysed it."""

    def __init__(self, searcher, fieldname: str, termdocs: dict[str, set[int]]) -> None:  # type: ignore[no-untyped-def]
        super().__init__()
        self.searcher, self.fieldname, self.termdocs = searcher, fieldname, termdocs

    def __missing__(self, docnum: int) -> dict[str, Any]:
        from .analysis import term_occurrences  # (analysis imports the codec, which imports this)

        text = self.searcher.stored_fields(docnum).get(self.fieldname) or ""
        words = [word for word, docs in self.termdocs.items() if docnum in docs]
        spans = term_occurrences(text, frozenset(words)) if text and words else {}
        self[docnum] = spans
        return spans


@staticmethod  # type: ignore[misc]
def _load_chars(results, fieldname, texts, to_bytes):  # type: ignore[no-untyped-def]
    """Highlighter._load_chars: each matched word's character spans in a shown hit.

    The postings hold positions only (analysis.StoryPositions); the spans of a hit
    are those `index_occurrences` gives for its stored text, the same (position,
    start, end) as indexing, worked out for the hits a snippet is asked for.
    """
    termdocs = {text: set(results.termdocs[(fieldname, to_bytes(text))]) for text in texts}
    results._char_cache[fieldname] = _StoredSpans(results.searcher, fieldname, termdocs)


def _can_load_chars(self, results, fieldname):  # type: ignore[no-untyped-def]
    """Highlighter.can_load_chars, true of StoryPositions fields too: _load_chars gives
    their spans from the stored text (Whoosh asks the format for characters, which
    StoryPositions must not claim: Whoosh's span matchers would then decode them)."""
    if WHOOSH_CAN_LOAD_CHARS(self, results, fieldname):
        return True
    field = results.searcher.schema[fieldname]
    return bool(
        getattr(field.format, "VARINT_POSITIONS", False)
        and field.stored
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


def field_length_bytes(reader, fieldname: str) -> bytes | list[int]:  # type: ignore[no-untyped-def]
    """A segment's length byte of every document in a field, as doc_field_length reads them."""
    perdoc = reader._perdoc
    _doc_field_length(perdoc, 0, fieldname)  # loads and keeps the column
    return perdoc._wire_lengths[fieldname]  # type: ignore[no-any-return]


def length_table():  # type: ignore[no-untyped-def]
    """numpy float64 array: the field length each length byte stands for (byte 0: 1,
    the default Whoosh's BM25 scorer asks doc_field_length for)."""
    table = np.array([byte_to_length(b) for b in range(256)], dtype=np.float64)
    table[0] = 1.0
    return table


def segment_key(reader) -> str:  # type: ignore[no-untyped-def]
    """The id of a segment reader's segment: the same for every searcher of one index version."""
    return reader.segment().segment_id()  # type: ignore[no-any-return]


def column_values(reader, fieldname: str, translate: bool = True) -> list[Any]:  # type: ignore[no-untyped-def]
    """One segment's column, every document's value, as its column reader gives them.

    Whoosh reads a column one value at a time (a seek and a read each: 0.4 s for the
    cluster column of 200,000 stories); a bytes column is one run of values and a
    number column one array, so both are read in one go here.
    """
    raw = reader.column_reader(fieldname, translate=False)
    if isinstance(raw, VarBytesColumn.Reader) and (not translate or isinstance(reader.schema[fieldname], ID)):
        data, bounds = _var_bytes(raw)
        if translate and data.isascii():  # one character a byte: slice the decoded text
            text = data.decode("ascii")
            return [text[start:end] for start, end in bounds]
        values = [data[start:end] for start, end in bounds]
        return [v.decode("utf-8") for v in values] if translate else values
    if isinstance(raw, NumericColumn.Reader) and not translate and raw._typecode in "qQiIlL":
        n = reader.doc_count_all()
        count = min(raw._count, n)
        data = raw._dbfile.get(raw._basepos, count * raw._fixedlen)
        found = np.frombuffer(data, dtype=np.dtype(raw._typecode).newbyteorder(">")).tolist()
        return found + [raw._default] * (n - count)  # type: ignore[no-any-return]
    return list(reader.column_reader(fieldname, translate=translate))


def _var_bytes(raw) -> tuple[bytes, Iterator[tuple[int, int]]]:  # type: ignore[no-untyped-def]
    """The data of a VarBytesColumn reader, read at once, and each value's (start, end) in it."""
    ends = list(accumulate(raw._lengths))
    data = raw._dbfile.get(raw._basepos, ends[-1]) if ends else b""
    return data, zip([0, *ends[:-1]], ends, strict=True)


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


def unlocked_writer(ix, **options):  # type: ignore[no-untyped-def]
    """ix.writer(**options) without Whoosh's own write lock (`_lk=False`).

    Our index_lock is the one writer lock; Whoosh's was left held in-process when
    a full disk stopped the writer it belonged to.
    """
    return ix.writer(_lk=False, **options)


def release_writer(writer) -> None:  # type: ignore[no-untyped-def]
    """Free what a writer holds (open segment files, its lock) without writing:
    for when cancel() itself fails, as it does on a full disk."""
    writer._finish()


class TocNames(NamedTuple):
    """The files an index folder's table of contents names."""

    generation: int  # of the live table of contents
    segments: frozenset[str]  # ids of the live segments
    toc_file: re.Pattern[str]  # a table of contents' name; group 1 is its generation
    segment_file: re.Pattern[str]  # a segment file's name; group 1 is its segment id


def toc_names(ix) -> TocNames:  # type: ignore[no-untyped-def]
    """What the live table of contents of an open index names (TOC's name patterns)."""
    return TocNames(
        generation=ix.latest_generation(),
        segments=frozenset(segment.segment_id() for segment in ix._segments()),
        toc_file=whoosh_index.TOC._pattern(ix.indexname),
        segment_file=whoosh_index.TOC._segment_pattern(ix.indexname),
    )


def doc_lengths(perdoc, fieldname: str) -> list[int]:  # type: ignore[no-untyped-def]
    """Every document's length in a field as doc_field_length gives it (0: none)."""
    if perdoc is None:
        return []
    count = perdoc.doc_count_all()
    if not count:
        return []
    _doc_field_length(perdoc, 0, fieldname)  # loads and keeps the column
    found = perdoc._wire_lengths[fieldname]
    table = [0] + [byte_to_length(b) for b in range(1, 256)]
    return [table[b] for b in found] + [0] * (count + 1 - len(found))
