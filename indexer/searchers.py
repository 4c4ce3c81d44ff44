"""Searchers for one index folder: one per thread, replaced when the index changes.

Whoosh searchers are not thread-safe, so each thread keeps its own, reused and
checked per request (up_to_date() is cheap). A changed index gets a new searcher,
never `Searcher.refresh()`: in whoosh-reloaded refresh reuses segment readers and
keeps segments a later commit deleted or merged away (an updated story came back
twice). A reindex swaps in a new generation, whose schema may differ, so the
query parser is made from each opened generation's schema, not once.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from whoosh.index import EmptyIndexError
from whoosh.qparser import MultifieldParser

from .index import current_generation, open_index
from .queries import make_parser, query_stop_terms


@dataclass(frozen=True)
class OpenGeneration:
    """One opened index generation and what is made from its schema."""

    ix: Any
    name: Path | None  # the gen-* folder CURRENT names (None for a plain Whoosh folder)
    parser: MultifieldParser
    stop_terms: frozenset[str]

    @classmethod
    def open(cls, index_dir: Path) -> OpenGeneration:
        name = current_generation(index_dir)
        ix = open_index(index_dir)
        return cls(ix, name, make_parser(ix.schema), query_stop_terms(ix.schema))


@dataclass(frozen=True)
class Reading:
    """A thread's searcher and the generation it reads: what one request works with."""

    searcher: Any
    generation: OpenGeneration

    @property
    def version(self) -> Hashable:
        """Identifies what the searcher sees: cached values are valid for one version."""
        s = self.searcher
        return (self.generation.name, s.reader().generation(), s.doc_count_all())


def _close_all(searchers: set[Any]) -> None:
    for s in list(searchers):
        s.close()
    searchers.clear()


class SearcherPool:
    """Per-thread searchers over the live generation of `index_dir`."""

    def __init__(self, index_dir: Path, weighting: Any) -> None:
        self.index_dir = index_dir
        self._weighting = weighting
        self._local = threading.local()
        self._lock = threading.Lock()
        self._open: set[Any] = set()  # every thread's searcher, so close() can close them all
        # a pool dropped without close() still closes its searchers' files
        weakref.finalize(self, _close_all, self._open)
        self._generation = OpenGeneration.open(index_dir)

    def _current_generation(self) -> OpenGeneration:
        """The live generation, opened anew when a reindex swapped CURRENT."""
        name = current_generation(self.index_dir)
        if name != self._generation.name:
            with self._lock:
                if name != self._generation.name:
                    self._generation = OpenGeneration.open(self.index_dir)
        return self._generation

    def reading(self) -> Reading:
        """This thread's searcher, brought up to date with the index."""
        generation = self._current_generation()
        local = self._local
        s = getattr(local, "searcher", None)
        if s is not None and getattr(local, "generation", None) is generation and s.up_to_date():
            return Reading(s, generation)
        if s is not None:
            # forgotten first: were the open below to fail, the thread would keep a closed
            # searcher and fail every later request on closing it again
            local.searcher = None
            self._discard(s)
        try:
            s = generation.ix.searcher(weighting=self._weighting)
        except EmptyIndexError:  # a later reindex removed this generation meanwhile
            generation = self._current_generation()
            s = generation.ix.searcher(weighting=self._weighting)
        with self._lock:
            self._open.add(s)
        local.searcher, local.generation = s, generation
        return Reading(s, generation)

    def _discard(self, s: Any) -> None:
        with self._lock:
            self._open.discard(s)
        s.close()

    def close(self) -> None:
        """Close every thread's searcher (their files stay open until then)."""
        with self._lock:
            _close_all(self._open)
        self._local = threading.local()
