"""Whoosh internals for what a segment stores, for the one Whoosh we pin (whooshpin.py).

whoosh-reloaded is unmaintained, so its fixes are ours: a faster length lookup
patched into its segment reader, a segment's lengths and columns read in one go,
writers without Whoosh's lock, the names of an index's files. Each touches private
attributes that only this version is known to have; searching's are patches.py's.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import accumulate
from typing import Any, NamedTuple

from .whooshpin import PINNED_VERSION  # noqa: F401  (importing it checks the Whoosh version first)

# isort: split
import numpy as np  # noqa: E402

# Imported after the check: another Whoosh may lack what is imported here.
from whoosh import index as whoosh_index  # noqa: E402
from whoosh.codec import whoosh3  # noqa: E402
from whoosh.columns import NumericColumn, VarBytesColumn  # noqa: E402
from whoosh.fields import ID  # noqa: E402
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
