"""The search interface every backend answers: requests in, plain dataclasses out.

The CLI, the web UI and the benchmarks talk to this, never to Whoosh. A second
engine (OpenSearch, say) is one more class with the same methods.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Protocol

from .limits import MAX_PAGE, MAX_PAGELEN, MAX_QUERY_CHARS
from .story import Story

# Defaults of every search, owned here: the CLI and the web UI read them.
SORTS = ("relevance", "newest", "oldest")
DEFAULT_SORT = SORTS[0]
FACET_FIELDS = ("agency", "place", "year")
DEFAULT_PAGELEN = 10
# The index folder `wire reindex` builds and `wire serve` reads, relative to the working folder.
DEFAULT_INDEX_DIR = "index"


class SearchError(ValueError):
    """A request that cannot be answered as asked; the message says why."""


class IndexMissingError(SearchError):
    """There is no index at the given place yet."""


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

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.request.pagelen))

    def to_dict(self) -> dict[str, object]:
        """The JSON shape shared by `wire search --json` and /api/search."""
        return {
            "query": self.request.query,
            "total": self.total,
            "results": [hit.to_dict() for hit in self.hits],
        }


@dataclass(frozen=True)
class IndexStats:
    """What is indexed: for the front page line and `wire stats`."""

    stories: int
    first_date: dt.date | None
    last_date: dt.date | None
    agencies: list[FacetCount]


class SearchBackend(Protocol):
    """The small interface a search engine offers the CLI and the web UI."""

    def search(self, request: SearchRequest) -> SearchResults: ...

    def get_story(self, story_id: str) -> Story | None: ...

    def marked_paragraphs(self, story_id: str, query_text: str = "") -> list[str] | None:
        """The body as paragraphs of HTML, only <mark> markup: what the snippets mark."""
        ...

    def more_like_this(self, story_id: str, limit: int = 5) -> list[Hit]: ...

    def stats(self) -> IndexStats: ...

    def close(self) -> None: ...
