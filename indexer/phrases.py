"""Phrases matched on arrays: the stories where a phrase's words stand side by side.

Whoosh matches a phrase by stepping an intersection of its words' postings and,
for each story holding all of them, decoding their positions into Span objects
one posting at a time: the slowest queries at 200,000 stories. Here each word's
occurrences are numpy keys (document << 32 | position, sorted, kept per index
version by PostingArrays), and the stories of "w0 w1 ... wn" are those with a key
k of w0 such that k + i is a key of wi for every i: a few sorted-array searches.
That is Whoosh's exact phrase (slop 1: SpanNear2 ordered, mindist 1, slop 1);
other slops and odd words go Whoosh's way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from whoosh import query

if TYPE_CHECKING:
    from .fastscore import PostingArrays

# Field formats whose positions PostingArrays reads (the story fields' StoryPositions).
POSITION_FORMATS = ("Positions", "Characters", "StoryPositions")


def is_array_phrase(q: query.Query, schema: Any) -> bool:
    """Whether `q` is an exact phrase of two or more words this module matches as Whoosh does."""
    if type(q) is not query.Phrase or q.slop != 1 or len(q.words) < 2:
        return False
    if not all(isinstance(word, str) for word in q.words) or q.fieldname not in schema:
        return False
    fmt = schema[q.fieldname].format
    return fmt is not None and type(fmt).__name__ in POSITION_FORMATS


def phrase_btexts(q: query.Phrase, schema: Any) -> list[bytes] | None:
    """The phrase's words as indexed terms; None where Whoosh finds no term (a word it cannot encode)."""
    field = schema[q.fieldname]
    try:
        return [field.to_bytes(word) for word in q.words]
    except ValueError:
        return None


def phrase_docs(reader: Any, fieldname: str, btexts: list[bytes], cache: PostingArrays) -> np.ndarray:
    """Segment document numbers (ascending) where the words occur one after another."""
    if any((fieldname, btext) not in reader for btext in btexts):
        return np.zeros(0, dtype=np.int64)  # Whoosh's phrase matcher: a missing word matches nothing
    # start from the rarest word: the fewest keys to look up in the others
    order = sorted(range(len(btexts)), key=lambda i: len(cache.postings(reader, fieldname, btexts[i])[0]))
    first = order[0]
    starts = cache.occurrences(reader, fieldname, btexts[first]) - first
    for i in order[1:]:
        if not len(starts):
            break
        keys = cache.occurrences(reader, fieldname, btexts[i])
        starts = starts[contains_sorted(keys, starts + i)]
    # (a start "before position 0" borrowed from the document bits; word 0's lookup,
    # always made when the rarest word is not the first, found no such key)
    return np.unique(starts >> 32)


def contains_sorted(keys: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Boolean mask: which of `wanted` are in the sorted array `keys`."""
    if not len(keys):
        return np.zeros(len(wanted), dtype=bool)
    at = np.minimum(np.searchsorted(keys, wanted), len(keys) - 1)
    return keys[at] == wanted  # type: ignore[no-any-return]
