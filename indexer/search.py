"""The search interface every backend answers: requests in, plain dataclasses out.

The CLI, the web UI and the benchmarks talk to this, never to Whoosh. A second
engine (OpenSearch, say) is one more class with the same methods.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Protocol

from .limits import MAX_PAGE, MAX_PAGELEN, MAX_QUERY_CHARS
from .story import Story

# Defaults of every search, owned here: the CLI and the web UI read them.
SORT_RELEVANCE, SORT_NEWEST, SORT_OLDEST = "relevance", "newest", "oldest"
SORTS = (SORT_RELEVANCE, SORT_NEWEST, SORT_OLDEST)
DEFAULT_SORT = SORT_RELEVANCE
FACET_FIELDS = ("agency", "place", "year")
DEFAULT_PAGELEN = 10
# The index folder `wire reindex` builds and `wire serve` reads, relative to the working folder.
DEFAULT_INDEX_DIR = "index"
# The most values a facet lists when asked for all of them (the "more" page).
MAX_FACET_VALUES = 1000


class SearchError(ValueError):
    """A request that cannot be answered as asked; the message says why."""


class IndexMissingError(SearchError):
    """There is no index at the given place yet."""


class BackendUnavailableError(SearchError):
    """The search engine's servers cannot be reached; the message names them."""


@dataclass(frozen=True)
class SearchRequest:
    """What to search for: the query string plus sort, filters and paging."""

    query: str
    page: int = 1
    pagelen: int = DEFAULT_PAGELEN
    sort: str = DEFAULT_SORT
    agency: tuple[str, ...] = ()
    place: tuple[str, ...] = ()
    year: tuple[int, ...] = ()
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    facets: bool = False
    spelling: bool = False
    # One hit per syndication cluster; False lists every copy (`--all-copies`, collapse=false).
    collapse: bool = True
    # Values per facet; None is the backend's short default list.
    facet_limit: int | None = None
    # The match set's timeline too (SearchResults.timeline), counted from the same
    # matches; a backend may leave it None, and `timeline()` answers then.
    timeline: bool = False

    def validate(self) -> None:
        """Raise SearchError when the request is out of bounds."""
        if len(self.query) > MAX_QUERY_CHARS:
            raise SearchError(f"query is longer than {MAX_QUERY_CHARS} characters")
        if not 1 <= self.page <= MAX_PAGE:
            raise SearchError(f"page must be between 1 and {MAX_PAGE}")
        if not 1 <= self.pagelen <= MAX_PAGELEN:
            raise SearchError(f"page length must be between 1 and {MAX_PAGELEN}")
        if self.sort not in SORTS:
            raise SearchError(f"sort must be one of {', '.join(SORTS)}")
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise SearchError("the from date is after the to date")
        if self.facet_limit is not None and not 1 <= self.facet_limit <= MAX_FACET_VALUES:
            raise SearchError(f"facet_limit must be between 1 and {MAX_FACET_VALUES}")

    @property
    def filtered(self) -> bool:
        return bool(self.agency or self.place or self.year or self.date_from or self.date_to)


@dataclass(frozen=True)
class Hit:
    """One ranked result; `snippet` is HTML where only <mark> is markup."""

    id: str
    path: str
    title: str
    date: dt.date | None
    agency: str
    place: str
    url: str
    score: float
    snippet: str
    byline: str = ""
    cluster: str = ""  # the lead copy's id
    copies: int = 1  # stories in its cluster
    outlets: tuple[str, ...] = ()  # sources carrying it, the lead copy's first
    agency_inferred: str = ""  # the agency of the wire story this uncredited copy is
    source: str = ""  # the outlet or archive the story came from
    body: str | None = None  # the story text, only when asked for (iter_hits(body=True))

    def to_dict(self) -> dict[str, object]:
        """The JSON shape of `wire search --json` results."""
        return {
            "id": self.id,
            "path": self.path,
            "title": self.title,
            "date": self.date.isoformat() if self.date else None,
            "agency": self.agency,
            "place": self.place,
            "url": self.url,
            "byline": self.byline,
            "score": round(self.score, 4),
            "snippet": self.snippet,
            "cluster": self.cluster or self.id,
            "copies": self.copies,
            "outlets": list(self.outlets),
            "agency_inferred": self.agency_inferred,
        }


@dataclass(frozen=True)
class FacetCount:
    value: str
    count: int


@dataclass(frozen=True)
class SearchResults:
    """A page of hits with the total, facet counts and a spelling suggestion."""

    request: SearchRequest
    total: int
    hits: list[Hit]
    seconds: float
    facets: dict[str, list[FacetCount]] = field(default_factory=dict)
    suggestion: str | None = None  # "Did you mean" query string
    notice: str | None = None  # e.g. "query read as plain words"
    copies: int | None = None  # matching stories counting every copy (None: as total)
    # Distinct values per facet before the limit: more than shown means a "more" link.
    facet_sizes: dict[str, int] = field(default_factory=dict)
    timeline: Timeline | None = None  # when the request asked for it and the backend made it

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.request.pagelen))

    def to_dict(self) -> dict[str, object]:
        """The JSON shape shared by `wire search --json` and /api/search."""
        return {
            "query": self.request.query,
            "total": self.total,
            "copies": self.total if self.copies is None else self.copies,
            "results": [hit.to_dict() for hit in self.hits],
        }


@dataclass(frozen=True)
class IndexStats:
    """What is indexed: for the front page line and `wire stats`."""

    stories: int
    first_date: dt.date | None
    last_date: dt.date | None
    agencies: list[FacetCount]


@dataclass(frozen=True)
class TimelineBucket:
    """Stories dated from `start` to `end`, both days included."""

    start: dt.date
    end: dt.date
    count: int


@dataclass(frozen=True)
class Timeline:
    """Matches per day, week, month or year (`unit`), and the undated ones apart."""

    unit: str
    buckets: list[TimelineBucket]
    undated: int = 0

    @property
    def dated(self) -> int:
        return sum(b.count for b in self.buckets)

    @property
    def total(self) -> int:
        return self.dated + self.undated

    @property
    def peak(self) -> int:
        return max((b.count for b in self.buckets), default=0)

    def to_dict(self) -> dict[str, object]:
        """The JSON shape of /api/timeline and `wire search --timeline --json`."""
        return {
            "unit": self.unit,
            "total": self.total,
            "undated": self.undated,
            "buckets": [
                {"start": b.start.isoformat(), "end": b.end.isoformat(), "count": b.count}
                for b in self.buckets
            ],
        }


class SearchBackend(Protocol):
    """The small interface a search engine offers the CLI and the web UI.

    An empty query means every story for `timeline` and `iter_hits` (export,
    feeds); `search` answers it with nothing.
    """

    def search(self, request: SearchRequest) -> SearchResults: ...

    def get_story(self, story_id: str) -> Story | None: ...

    def story_copies(self, story_id: str) -> list[Story]: ...

    def marked_paragraphs(self, story_id: str, query_text: str = "") -> list[str] | None:
        """The body as paragraphs of HTML, only <mark> markup: what the snippets mark."""
        ...

    def more_like_this(self, story_id: str, limit: int = 5) -> list[Hit]: ...

    def stats(self) -> IndexStats: ...

    def timeline(self, request: SearchRequest) -> Timeline:
        """Matches per date over the whole match set (paging ignored);
        `indexer.timeline.build_timeline` turns per-day counts into one."""
        ...

    def iter_hits(self, request: SearchRequest, limit: int, *, body: bool = False) -> Iterator[Hit]:
        """Up to `limit` hits in the request's order, across all pages, made one
        at a time as they are consumed (export, feeds); `body` fills Hit.body."""
        ...

    def warm(self) -> None:
        """Load what every search reads, before a server forks its workers; the
        server calls `close()` next, so no open file or connection is shared."""
        ...

    def close(self) -> None: ...
