"""Column values of an index version, kept per segment while the segment is live.

A Whoosh segment never changes once written but for deletions, which are marked
beside it and only grow, so its column values stay right for every later index
version that still has it, and what is counted over its live documents stays
right while its deletion count does. An added story is a new small segment: a
searcher that kept the old segments' values reads only the new one's, where
reading every column of 200,000 stories again took over a second at the first
search after each `wire add`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

from .segments import column_values, segment_key

T = TypeVar("T")


class SegmentColumns:
    """Per-segment values, for the segments of the latest reader read from."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: dict[tuple[Any, ...], Any] = {}

    def _kept(self, key: tuple[Any, ...], make: Callable[[], T]) -> T:
        with self._lock:
            if key in self._values:
                return self._values[key]  # type: ignore[no-any-return]
        made = make()  # outside the lock: reading a column takes a while
        with self._lock:
            return self._values.setdefault(key, made)  # type: ignore[no-any-return]

    def segment(self, sub, fieldname: str, default: object, translate: bool = True) -> list[Any]:  # type: ignore[no-untyped-def]
        """One segment's column values; `default` for each document when it has no such column."""
        key = (segment_key(sub), "column", fieldname, translate)
        return self._kept(key, lambda: segment_column(sub, fieldname, default, translate))

    def derived(self, sub, name: str, make: Callable[[Any], T]) -> T:  # type: ignore[no-untyped-def]
        """`make(sub)` for one segment as it is now (its deletions included), made once."""
        return self._kept((segment_key(sub), name, sub.segment().deleted_count()), lambda: make(sub))

    def read(self, reader, fieldname: str, default: object, translate: bool = True) -> list[Any]:  # type: ignore[no-untyped-def]
        """A column's value for every document of `reader`, segment after segment.

        Whoosh's multi-segment column reader leaves out segments that lack the column
        (an added batch with no lead copy in it), shifting every later document.
        """
        leaves = [sub for sub, _offset in reader.leaf_readers()]
        values: list[Any] = []
        for sub in leaves:
            values.extend(self.segment(sub, fieldname, default, translate))
        live = {segment_key(sub) for sub in leaves}
        with self._lock:  # segments merged or deleted away are never read again
            for key in [k for k in self._values if k[0] not in live]:
                del self._values[key]
        return values


def segment_column(sub, fieldname: str, default: object, translate: bool = True) -> list[Any]:  # type: ignore[no-untyped-def]
    """One segment's column values, read now; `default` for each when it has no such column."""
    if sub.has_column(fieldname):
        return column_values(sub, fieldname, translate)
    return [default] * sub.doc_count_all()


def read_column(  # type: ignore[no-untyped-def]
    reader, fieldname: str, default: object, translate: bool = True, cache: SegmentColumns | None = None
) -> list[Any]:
    """A column's value for every document (from `cache` when given, which keeps them)."""
    return (cache or SegmentColumns()).read(reader, fieldname, default, translate)
