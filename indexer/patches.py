"""Every use of Whoosh internals, in one place, for the one Whoosh we pin.

whoosh-reloaded is unmaintained, so its fixes are ours: a faster length lookup
patched into its segment reader, posting ids read block by block, the terms a
prefix stands for, a deadline inside the filtering collector, highlighting
narrowed to some hits, writers without Whoosh's lock, the names of an index's
files. Each touches private attributes that only this version is known to have,
so importing this module checks the version and refuses another.
"""

from __future__ import annotations

import heapq
import itertools
import math
import operator
import pickle
import re
import time
import zlib
from array import array
from collections.abc import Iterator
from importlib import metadata
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
from whoosh import collectors  # noqa: E402
from whoosh import index as whoosh_index  # noqa: E402
from whoosh.codec import whoosh3  # noqa: E402
from whoosh.codec.whoosh3 import W3LeafMatcher  # noqa: E402
from whoosh.columns import NumericColumn  # noqa: E402
from whoosh.multiproc import MpWriter, SubWriterTask  # noqa: E402
from whoosh.scoring import BM25FScorer  # noqa: E402
from whoosh.searching import TimeLimit  # noqa: E402
from whoosh.system import pack_int, pack_ushort  # noqa: E402
from whoosh.util import random_name  # noqa: E402
from whoosh.util.numeric import byte_to_length, length_to_byte  # noqa: E402
from whoosh.writing import SegmentWriter  # noqa: E402


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


# --- bulk build writer (issue 12: the writer's cost) ---------------------------------------
#
# A fresh build's postings, grouped by term as they come instead of one tuple per posting
# through Whoosh's PostingPool (a size estimate per add, a sort of every posting, every
# posting pickled to a run file and merged back once the pool spills), and handed to the
# codec a term at a time: each block's buffers filled at once, then Whoosh's own
# _write_block and finish_term encode them, so the segment files are Whoosh's bytes.

# What a posting and a new term hold in a TermPool, for spilling near limitmb (bytes,
# measured roughly: array slots, the value's bytes object, a term's key, arrays and list).
POSTING_BYTES = 56
TERM_BYTES = 400


class TermPool:
    """Postings grouped by (field, term): docnums, weights and values in adding order.

    Takes Whoosh's pool items (fieldname, tbytes, docnum, weight, vbytes) from a writer
    whose docnums only grow, so each term's postings stay sorted without a sort. Past
    `limitmb` the terms go to a sorted run file; iter_terms merges runs term by term.
    """

    def __init__(self, tempstore, limitmb: int = 128) -> None:  # type: ignore[no-untyped-def]
        self.tempstore = tempstore
        self.limit = limitmb * 1024 * 1024
        self.size = 0
        # field -> term -> (docnums, weights, values); a dict a field, so no key tuples
        self.fields: dict[str, dict[bytes, tuple[array, array, list[bytes]]]] = {}
        self.runs: list[str] = []

    @property
    def fieldnames(self) -> set[str]:
        return set(self.fields)

    def add(self, item: tuple[str, bytes, int, float, bytes | None]) -> None:
        """Whoosh's pool interface: one (fieldname, tbytes, docnum, weight, vbytes)."""
        fieldname, tbytes, docnum, weight, vbytes = item
        if weight.__class__ is not float:  # kept as doubles: an int would pickle otherwise
            raise TypeError(f"posting weight {weight!r} is not a float")
        self.add_field(fieldname, docnum, [(tbytes, 0, weight, vbytes)], 1.0)

    def add_field(self, fieldname: str, docnum: int, items, boost: float) -> int:  # type: ignore[no-untyped-def]
        """One document's postings in a field, from FieldType.index's (tbytes, freq,
        weight, vbytes) items, weights times `boost` (a float, as Whoosh's writer
        multiplies them); returns the sum of their frequencies."""
        terms = self.fields.get(fieldname)
        if terms is None:
            terms = self.fields[fieldname] = {}
        get, size, total = terms.get, 0, 0
        for tbytes, freq, weight, vbytes in items:
            entry = get(tbytes)
            if entry is None:
                entry = terms[tbytes] = (array("I"), array("d"), [])
                size += TERM_BYTES + len(tbytes)
            vbytes = vbytes or b""
            entry[0].append(docnum)
            entry[1].append(weight * boost)
            entry[2].append(vbytes)
            size += POSTING_BYTES + len(vbytes)
            total += freq
        self.size += size
        if self.size > self.limit:
            self.save()
        return total

    def _sorted_terms(self) -> Iterator[tuple[tuple[str, bytes], tuple[array, array, list[bytes]]]]:
        for fieldname in sorted(self.fields):
            terms = self.fields[fieldname]
            for tbytes in sorted(terms):
                yield (fieldname, tbytes), terms[tbytes]

    def save(self) -> None:
        """Write the terms held in memory to a sorted run file and forget them
        (the field names stay, with no terms)."""
        if not any(self.fields.values()):
            return
        path = f"{random_name()}.terms"
        with self.tempstore.create_file(path).raw_file() as f:
            for key, (ids, weights, values) in self._sorted_terms():
                pickle.dump((key, ids.tobytes(), weights.tobytes(), values), f, pickle.HIGHEST_PROTOCOL)
        self.runs.append(path)
        self.fields = {fieldname: {} for fieldname in self.fields}
        self.size = 0

    def iter_terms(self) -> Iterator[tuple[str, bytes, array, array, list[bytes]]]:
        """(fieldname, tbytes, docnums, weights, values) of every term, sorted by field and term."""
        if not self.runs:
            for key, entry in self._sorted_terms():
                yield (*key, *entry)
            return
        self.save()
        runs = heapq.merge(*map(self._read_run, self.runs), key=lambda term: term[0])
        for key, parts in itertools.groupby(runs, key=lambda term: term[0]):
            ids, weights, values = array("I"), array("d"), []
            for _, id_bytes, weight_bytes, more in parts:  # runs in docnum order: merge is stable
                ids.frombytes(id_bytes)
                weights.frombytes(weight_bytes)
                values.extend(more)
            yield key[0], key[1], ids, weights, values

    def _read_run(self, path: str) -> Iterator[tuple[tuple[str, bytes], bytes, bytes, list[bytes]]]:
        with self.tempstore.open_file(path).raw_file() as f:
            while True:
                try:
                    yield pickle.load(f)
                except EOFError:
                    return

    def iter_postings(self) -> Iterator[tuple[str, bytes, int, float, bytes]]:
        """Whoosh's pool interface: one (fieldname, tbytes, docnum, weight, vbytes) per posting."""
        for fieldname, tbytes, ids, weights, values in self.iter_terms():
            yield from zip(itertools.repeat(fieldname), itertools.repeat(tbytes), ids, weights, values)

    def cleanup(self) -> None:
        for path in self.runs:
            if self.tempstore.file_exists(path):
                self.tempstore.delete_file(path)
        self.runs = []


def write_terms(fieldwriter, schema, lengths, terms) -> None:  # type: ignore[no-untyped-def]
    """What FieldWriter.add_postings writes for these terms, given a term at a time.

    `lengths` is the segment's per-document reader (None: no field lengths).
    """
    lastfn = None
    doclen: list[int] = []
    for fieldname, tbytes, ids, weights, values in terms:
        if fieldname != lastfn:
            if lastfn is not None:
                fieldwriter.finish_field()
            fieldwriter.start_field(fieldname, schema[fieldname])
            doclen = _doc_lengths(lengths, fieldname)
            fixed = fieldwriter._format.fixed_value_size()
            lastfn = fieldname
        _write_term(fieldwriter, tbytes, ids, weights, values, doclen, fixed)
    if lastfn is not None:
        fieldwriter.finish_field()


def _doc_lengths(perdoc, fieldname: str) -> list[int]:  # type: ignore[no-untyped-def]
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


def _write_term(
    fieldwriter, tbytes: bytes, ids: array, weights: array, values: list[bytes], doclen: list[int], fixed
) -> None:  # type: ignore[no-untyped-def]
    """One term's posting blocks and term info, the bytes W3PostingsWriter and
    W3FieldWriter write for it posting by posting (start_term, add, finish_term).

    Their steps in bulk: blocks of _blocklimit postings (the last one's length
    negative), each block's (delta ids, weights, values) pickled and compressed, its
    info tuple pickled; the term's statistics summed block by block in their order.
    """
    postwriter, postfile = fieldwriter._postwriter, fieldwriter._postfile
    limit, comp = postwriter._blocklimit, postwriter._compression
    info = whoosh3.W3TermInfo()
    info._minid = ids[0]
    first = postfile.tell()
    postfile.write(whoosh3.WHOOSH3_HEADER_MAGIC)
    count = len(ids)
    for start in range(0, count, limit):
        end = start + limit
        block_ids, block_weights = ids[start:end], array("f", weights[start:end])
        heaviest = max(weights[start:end])
        heaviest = heaviest if heaviest > 0 else 0  # add_posting's running maximum from 0
        found = [n for n in map(doclen.__getitem__, block_ids) if n] if doclen else []
        shortest, longest = (min(found), max(found)) if found else (None, 0)
        # W3TermInfo.add_block
        info._weight += sum(block_weights)
        info._df += len(block_ids)
        info._minlength = shortest if info._minlength is None else min(info._minlength, shortest)
        info._maxlength = max(info._maxlength, longest)
        info._maxweight = max(info._maxweight, heaviest)
        info._maxid = block_ids[-1]
        # W3PostingsWriter._write_block
        data = (
            tuple(map(operator.sub, block_ids, itertools.chain((0,), block_ids))),
            _mini_weights(block_weights),
            _mini_values(values[start:end], fixed),
        )
        databytes = pickle.dumps(data, 2)
        if comp:
            databytes = zlib.compress(databytes, comp)
        lengths = (length_to_byte(shortest), length_to_byte(longest))
        infobytes = pickle.dumps((len(block_ids), block_ids[-1], heaviest, comp, *lengths), 2)
        size = len(infobytes) + len(databytes)
        postfile.write(pack_int(-size if end >= count else size) + infobytes + databytes)
    info.set_extent(first, postfile.tell() - first)
    fieldwriter._tindex.add(pack_ushort(fieldwriter._fieldid) + tbytes, info.to_bytes())


def _mini_weights(weights: array) -> float | tuple[float, ...] | None:
    """W3PostingsWriter._mini_weights: None when all are 1.0, one when all are equal."""
    if weights.count(1.0) == len(weights):
        return None
    if weights.count(weights[0]) == len(weights):
        return weights[0]  # type: ignore[no-any-return]
    return tuple(weights)


def _mini_values(values: list[bytes], fixed: int | None) -> tuple[bytes, ...] | bytes | None:
    """W3PostingsWriter._mini_values of the values add_posting keeps (the non-empty ones)."""
    if not all(values):
        values = [v for v in values if v]
    if fixed is None or fixed < 0:
        return tuple(values)
    return None if fixed == 0 else b"".join(values)


class BulkSegmentWriter(SegmentWriter):
    """Whoosh's SegmentWriter for a fresh build, with a TermPool and write_terms."""

    def __init__(self, ix, limitmb: int = 128, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(ix, limitmb=limitmb, **kwargs)
        self.pool = TermPool(self._tempstorage, limitmb=limitmb)

    def add_reader(self, reader) -> None:  # type: ignore[no-untyped-def]
        raise NotImplementedError("a bulk writer builds fresh segments only")

    def add_document(self, **fields) -> None:  # type: ignore[no-untyped-def]
        """SegmentWriter.add_document with a field's postings given to the pool at once
        rather than a tuple and a call each (no term vectors or separate spelling words)."""
        self._check_state()
        perdocwriter, schema, docnum = self.perdocwriter, self.schema, self.docnum
        docboost = self._doc_boost(fields)
        fieldnames = sorted(name for name in fields if not name.startswith("_"))
        self._check_fields(schema, fieldnames)
        perdocwriter.start_doc(docnum)
        try:
            for fieldname in fieldnames:
                value = fields.get(fieldname)
                if value is None:
                    continue
                field = schema[fieldname]
                if field.vector or field.separate_spelling():
                    raise NotImplementedError(
                        f"a bulk writer writes no vectors or spelling words ({fieldname})"
                    )
                length = 0
                if field.indexed:
                    boost = self._field_boost(fields, fieldname, docboost)
                    freq = self.pool.add_field(fieldname, docnum, field.index(value), boost)
                    length = freq if field.scorable else 0
                stored = fields.get(f"_stored_{fieldname}", value)
                perdocwriter.add_field(fieldname, field, stored if field.stored else None, length)
                if field.column_type and stored is not None:
                    perdocwriter.add_column_value(fieldname, field.column_type, field.to_column_value(stored))
        except Exception:
            perdocwriter.cancel_doc()
            raise
        perdocwriter.finish_doc()
        self._added = True
        self.docnum += 1

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        perdoc = self.per_document_reader() if self.codec.length_stats else None
        try:
            write_terms(self.fieldwriter, self.schema, perdoc, self.pool.iter_terms())
            self.fieldwriter.close()
        finally:
            if perdoc is not None:
                perdoc.close()


class BulkSubWriterTask(SubWriterTask):
    """A writer process of BulkMpWriter: SubWriterTask.run with a BulkSegmentWriter."""

    def run(self) -> None:
        ix = self.storage.open_index(self.indexname)
        writer = self.writer = BulkSegmentWriter(ix, _lk=False, **self.kwargs)
        while self.running:
            job = self.jobqueue.get()
            if job is None:
                break
            self._process_file(*job)
        if not self.running:
            writer.cancel()
            return
        self.resultqueue.put((None, writer.pool.fieldnames, writer._finalize_segment()), timeout=5)


class BulkMpWriter(MpWriter):
    """Whoosh's multi-process writer (multisegment: one segment a process) with bulk writers."""

    def __init__(self, ix, procs: int, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(ix, procs=procs, multisegment=True, **kwargs)

    def _new_task(self):  # type: ignore[no-untyped-def]
        task = BulkSubWriterTask(
            self.storage, self.indexname, self.jobqueue, self.resultqueue, self.subargs, self.multisegment
        )
        self.tasks.append(task)
        task.start()
        return task


def bulk_writer(ix, procs: int = 1, **options):  # type: ignore[no-untyped-def]
    """A writer for a fresh index: ix.writer(**options), or with procs > 1 one segment
    a process (multisegment), its postings written a term at a time (see TermPool)."""
    if procs > 1:
        return BulkMpWriter(ix, procs=procs, **options)
    return BulkSegmentWriter(ix, **options)
