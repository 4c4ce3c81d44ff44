"""One cache for everything a backend derives from one index version, behind one lock.

A search reuses what earlier ones worked out from the same index version: the
lexicon documents to hide, the metadata columns, the cluster column, the spelling
vocabulary, the front-page counts, and whole results and timelines of requests
already answered. All of it is valid for one version only, so it lives in one
object keyed by that version: when a searcher sees a new version, everything
remembered for the old one goes at once, and no part can be stale alone.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")

# Requests remembered per kind (results, timelines): a repeated or paged query costs nothing.
RESULT_CACHE_SIZE = 512


class VersionCache:
    """Values made once per index version, and up to `max_requests` answers per kind.

    `max_requests=0` remembers no answers (every search is computed) while still
    keeping the per-version values, which every search needs.
    """

    def __init__(self, max_requests: int = RESULT_CACHE_SIZE) -> None:
        if max_requests < 0:
            raise ValueError("max_requests must be 0 or more")
        self.max_requests = max_requests
        self._lock = threading.Lock()
        self._version: Hashable = None
        self._values: dict[str, Any] = {}
        self._answers: dict[str, OrderedDict[Hashable, Any]] = {}

    def _follow(self, version: Hashable) -> None:
        """Move to `version`, dropping what was kept for the one before (lock held)."""
        if version != self._version:
            self._version = version
            self._values.clear()
            self._answers.clear()

    def value(self, version: Hashable, name: str, make: Callable[[], T]) -> T:
        """The version's `name` value, made by `make()` the first time it is asked for."""
        with self._lock:
            self._follow(version)
            if name in self._values:
                return self._values[name]  # type: ignore[no-any-return]
        made = make()  # outside the lock: reading a column takes a while
        with self._lock:
            if version == self._version:
                return self._values.setdefault(name, made)  # type: ignore[no-any-return]
        return made

    def answer(self, version: Hashable, kind: str, key: Hashable) -> Any | None:
        """A remembered answer of `kind` for `key` at this version, or None."""
        with self._lock:
            self._follow(version)
            answers = self._answers.get(kind)
            return answers.get(key) if answers is not None else None

    def remember(self, version: Hashable, kind: str, key: Hashable, answer: object) -> None:
        """Keep an answer; the least recently stored of its kind go past `max_requests`."""
        if self.max_requests == 0:
            return
        with self._lock:
            if self._version is None:
                self._follow(version)
            elif version != self._version:
                return  # the index moved on while this answer was made
            answers = self._answers.setdefault(kind, OrderedDict())
            answers[key] = answer
            while len(answers) > self.max_requests:
                answers.popitem(last=False)
