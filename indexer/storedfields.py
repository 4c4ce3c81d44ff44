"""A document's stored fields packed into one compressed record; the one place they are read.

Whoosh pickles each document's stored dict and deflates it alone: Reuters stories are
short, so deflate found little to share (15 MB for 16.7 MB of text at 21,577 stories,
148 MB at 200,000). An index built now stores one field, `story`: the values of
`RECORD_FIELDS` as one pickled tuple, compressed by zstd with a dictionary trained on the
build's first stories, which the index keeps in a hidden document (7.8 MB at 21,577,
README "Stored fields"). An index built before has plain stored fields: `unpacked`
hands those on as they are, and stories added to it are stored the old way.
"""

from __future__ import annotations

import datetime as dt
import pickle
import weakref
from collections.abc import Iterator, Sequence
from typing import Any

import zstandard

RECORD_FIELD = "story"
DICTIONARY_FIELD = "dictionary"
# The build's first lexicon document (hidden, index.py) carries the dictionary: a
# document of its own would change the document count, and with it every idf.
DICTIONARY_ID = "_lexicon-1"
# What a record holds, in order: the fields an index built before stored, as they were.
RECORD_FIELDS = (
    "id",
    "title",
    "body",
    "path",
    "agency",
    "place",
    "url",
    "source",
    "slug",
    "dateline",
    "byline",
    "cluster",
    "agency_inferred",
    "date",
)
DATE_FIELD = "date"  # a datetime, as ISO text in the record
# The dictionary, trained on this many of a build's first records (0.4 s). At 200,000
# stories, level 6: 110 KB (zstd's default size) 78.8 MB of stored fields, 512 KB 70.8 MB.
DICTIONARY_BYTES = 512 * 1024
DICTIONARY_SAMPLE = 3000
DICTIONARY_NUMBER = 1  # fixed (zstd draws one at random): a build makes the same files twice
# zstd level 6 with that dictionary: 70.8 MB against 74.2 MB at level 3, for 4.9 s of
# compression in the writer against 1.6 s (level 9 took 7 s at 21,577 stories alone).
LEVEL = 6


# A record is a pickled tuple: unpickled in 2.4 us a story where JSON took 9.8 us, for 3%
# more bytes, at every hit shown. Whoosh unpickles stored fields and its table of
# contents from the same folder already, so this trusts nothing new.
PICKLE_PROTOCOL = 5


def record_bytes(doc: dict[str, Any]) -> bytes:
    """The record of a document's stored values, uncompressed: absent ones None, trailing ones dropped."""
    values: list[Any] = [doc.get(name) for name in RECORD_FIELDS]
    when = values[-1]
    if isinstance(when, dt.datetime):
        values[-1] = when.isoformat()
    while values and values[-1] is None:
        values.pop()
    return pickle.dumps(tuple(values), PICKLE_PROTOCOL)


def fields_of_record(record: bytes) -> dict[str, Any]:
    """The stored dict a record was made from."""
    values = pickle.loads(record)  # trailing absent values dropped: shorter than RECORD_FIELDS
    fields = {name: value for name, value in zip(RECORD_FIELDS, values, strict=False) if value is not None}
    if DATE_FIELD in fields:
        fields[DATE_FIELD] = dt.datetime.fromisoformat(fields[DATE_FIELD])
    return fields


def train_dictionary(samples: Sequence[bytes]) -> bytes:
    """A zstd dictionary for records like `samples`; the samples themselves when too few to train on."""
    if not samples:
        return b""
    try:
        trained = zstandard.train_dictionary(DICTIONARY_BYTES, list(samples), dict_id=DICTIONARY_NUMBER)
        return trained.as_bytes()
    except zstandard.ZstdError:
        # a handful of stories: their text as a raw-content dictionary
        return b"".join(samples)[-DICTIONARY_BYTES:]


def _zstd_dict(dictionary: bytes) -> zstandard.ZstdCompressionDict | None:
    # trained dictionaries start with zstd's magic number; anything else is raw content
    return zstandard.ZstdCompressionDict(dictionary) if dictionary else None


# Whoosh pickles stored values with protocol 2, where bytes become latin-1 text, encoded as
# UTF-8 (compressed bytes grow by half); an int pickles as its own little-endian bytes.
# The top byte 1 keeps the record's trailing zero bytes.
def _as_int(data: bytes) -> int:
    return int.from_bytes(data + b"\x01", "little")


def _as_bytes(value: int) -> bytes:
    return value.to_bytes((value.bit_length() + 7) // 8, "little")[:-1]


class Packer:
    """Packs documents for an index whose schema has the record field."""

    def __init__(self, dictionary: bytes, schema: Any) -> None:
        self.dictionary = dictionary
        self.schema = schema
        self._zstd = zstandard.ZstdCompressor(
            level=LEVEL, dict_data=_zstd_dict(dictionary), write_checksum=False, write_dict_id=False
        )

    def packed(self, doc: dict[str, Any]) -> dict[str, Any]:
        """The document as the index takes it: its indexed fields and the record of its stored ones."""
        kept = {k: v for k, v in doc.items() if k in self.schema}
        kept[RECORD_FIELD] = _as_int(self._zstd.compress(record_bytes(doc)))
        return kept

    def with_dictionary(self, doc: dict[str, Any]) -> dict[str, Any]:
        """A packed document (the one with DICTIONARY_ID) that also carries the dictionary."""
        return {**doc, DICTIONARY_FIELD: self.dictionary}


def is_packed(schema: Any) -> bool:
    """Whether an index stores records (built since) or plain fields (built before)."""
    return RECORD_FIELD in schema


def stores_text(schema: Any, fieldname: str) -> bool:
    """Whether an index keeps a field's text for display (in its records, or stored plainly)."""
    return fieldname in schema and (
        schema[fieldname].stored or (is_packed(schema) and fieldname in RECORD_FIELDS)
    )


def _index_dictionary(searcher: Any) -> bytes:
    docnum = searcher.document_number(id=DICTIONARY_ID)
    return b"" if docnum is None else bytes(searcher.stored_fields(docnum).get(DICTIONARY_FIELD, b""))


def packer_for(searcher: Any) -> Packer | None:
    """The packer of an index (None: an index built before records, stored the old way)."""
    return Packer(_index_dictionary(searcher), searcher.schema) if is_packed(searcher.schema) else None


class StoredFields:
    """A searcher's stored fields, unpacked. Not thread-safe (zstd's context), as searchers are not."""

    def __init__(self, searcher: Any, decompressor: zstandard.ZstdDecompressor) -> None:
        self.searcher = searcher
        self._zstd = decompressor

    def unpacked(self, raw: dict[str, Any]) -> dict[str, Any]:
        """The stored dict of a document from what Whoosh read (plain fields: as they are)."""
        packed = raw.get(RECORD_FIELD)
        if packed is None:
            return raw
        return fields_of_record(self._zstd.decompress(_as_bytes(packed)))

    def of(self, docnum: int) -> dict[str, Any]:
        return self.unpacked(self.searcher.stored_fields(docnum))

    def document(self, **terms: str) -> dict[str, Any] | None:
        """The first document with these terms (`id=...`), or None."""
        docnum = self.searcher.document_number(**terms)
        return None if docnum is None else self.of(docnum)

    def all(self) -> Iterator[dict[str, Any]]:
        """Every document's stored dict, deleted ones left out."""
        for raw in self.searcher.all_stored_fields():
            yield self.unpacked(raw)


# Each searcher's decompressor, made once (it reads the index's dictionary) and gone with
# the searcher: nothing kept here refers to the searcher, or it would never be freed.
_DECOMPRESSORS: weakref.WeakKeyDictionary[Any, zstandard.ZstdDecompressor] = weakref.WeakKeyDictionary()


def stored(searcher: Any) -> StoredFields:
    """The stored-field reader of a searcher."""
    found = _DECOMPRESSORS.get(searcher)
    if found is None:
        dictionary = _zstd_dict(_index_dictionary(searcher))
        found = _DECOMPRESSORS[searcher] = zstandard.ZstdDecompressor(dict_data=dictionary)
    return StoredFields(searcher, found)


def hit_fields(hit: Any) -> dict[str, Any]:
    """A Whoosh hit's stored dict, unpacked."""
    return stored(hit.searcher).unpacked(hit.fields())
