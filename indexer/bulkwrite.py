"""The bulk build writer: Whoosh's segment files, written a term at a time.

Whoosh's own writer sends every posting through its pool (a tuple each), sorts
them, and hands them to the codec one by one; a full build spends most of its
time there. This writer groups postings by term as documents come (their numbers
only grow, so no sort) and gives the codec each term's postings at once; the
blocks are encoded by postcodec.encode_block, as WireCodec's own writer encodes
them, so the files are that writer's bytes (tests compare them). Like segments.py,
it uses internals of the one Whoosh we pin.
"""

from __future__ import annotations

import heapq
import itertools
import pickle
from array import array
from collections.abc import Iterator

from .postcodec import encode_block
from .segments import doc_lengths  # importing segments checks the pinned Whoosh version first

# isort: split
from whoosh.codec import whoosh3  # noqa: E402
from whoosh.multiproc import MpWriter, SubWriterTask  # noqa: E402
from whoosh.system import pack_int, pack_ushort  # noqa: E402
from whoosh.util import random_name  # noqa: E402
from whoosh.writing import SegmentWriter  # noqa: E402

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
            doclen = doc_lengths(lengths, fieldname)
            fixed = fieldwriter._format.fixed_value_size()
            lastfn = fieldname
        _write_term(fieldwriter, tbytes, ids, weights, values, doclen, fixed)
    if lastfn is not None:
        fieldwriter.finish_field()


def _write_term(
    fieldwriter, tbytes: bytes, ids: array, weights: array, values: list[bytes], doclen: list[int], fixed
) -> None:  # type: ignore[no-untyped-def]
    """One term's posting blocks and term info, the bytes WirePostingsWriter and
    W3FieldWriter write for it posting by posting (start_term, add, finish_term).

    Their steps in bulk: blocks of _blocklimit postings (the last one's length
    negative), each encoded by postcodec.encode_block; the term's statistics summed
    block by block in their order.
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
        block_values = values[start:end]
        if not all(block_values):  # add_posting keeps the non-empty ones
            block_values = [v for v in block_values if v]
        block = encode_block(
            block_ids, block_weights, block_values, fixed, heaviest, (shortest, longest), comp
        )
        postfile.write(pack_int(-len(block) if end >= count else len(block)) + block)
    info.set_extent(first, postfile.tell() - first)
    fieldwriter._tindex.add(pack_ushort(fieldwriter._fieldid) + tbytes, info.to_bytes())


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
                    fast = getattr(field.format, "postings", None)
                    items = fast(value, field.analyzer) if fast else None
                    if items is None:
                        items = field.index(value)
                    freq = self.pool.add_field(fieldname, docnum, items, boost)
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
