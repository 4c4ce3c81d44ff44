"""Every use of Whoosh internals, in one place, for the one Whoosh we pin.

whoosh-reloaded is unmaintained, so its fixes are ours: a faster length lookup
patched into its segment reader, posting ids read block by block, the terms a
prefix stands for. Each touches private attributes that only this version is
known to have, so importing this module checks the version and refuses another.
"""

from __future__ import annotations

from collections.abc import Iterator
from importlib import metadata

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

# Imported after the check: another Whoosh may lack what is imported here.
from whoosh.codec import whoosh3  # noqa: E402
from whoosh.codec.whoosh3 import W3LeafMatcher  # noqa: E402
from whoosh.columns import NumericColumn  # noqa: E402
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


def expanded_terms(leaf, reader) -> Iterator[bytes]:  # type: ignore[no-untyped-def]
    """The indexed terms (as bytes) a prefix or wildcard query stands for."""
    return leaf._btexts(reader)  # type: ignore[no-any-return]
