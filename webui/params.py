"""Query-string parameters of /search and /api/search, read strictly.

Anything out of bounds raises SearchError, which the app answers with 400.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from werkzeug.datastructures import MultiDict

from indexer.facets import place_key
from indexer.limits import MAX_FILTER_CHARS, MAX_FILTER_VALUES, MAX_PAGE, MAX_PAGELEN, MAX_QUERY_CHARS
from indexer.search import DEFAULT_SORT, SORTS, SearchError, SearchRequest

# Story ids are file-name-like; anything else ("..", "a/b", "%00") is no story.
STORY_ID_RE = re.compile(r"[A-Za-z0-9_-]{1,128}")
# Control characters (NUL included) carry no meaning in a query: read as spaces.
CONTROL_CHARS_RE = re.compile(r"[\x00-\x1f\x7f]")
PAGE_RE = re.compile(r"\d{1,9}")
DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
YEAR_RE = re.compile(r"\d{4}")
FILTER_NAMES = ("agency", "place", "year")


def is_story_id(value: str) -> bool:
    return STORY_ID_RE.fullmatch(value) is not None


def read_query(args: Mapping[str, Any]) -> str:
    """The `q` parameter, bounded and without control characters."""
    q = str(args.get("q", ""))
    if len(q) > MAX_QUERY_CHARS:
        raise SearchError(f"The query is longer than {MAX_QUERY_CHARS:,} characters; shorten it.")
    return CONTROL_CHARS_RE.sub(" ", q)


def read_page(args: Mapping[str, Any]) -> int:
    value = str(args.get("page", "1")).strip() or "1"
    if not PAGE_RE.fullmatch(value) or not 1 <= int(value) <= MAX_PAGE:
        raise SearchError(f"The page must be a whole number from 1 to {MAX_PAGE:,}.")
    return int(value)


def read_pagelen(args: Mapping[str, Any], default: int) -> int:
    value = str(args.get("pagelen", default)).strip()
    if not PAGE_RE.fullmatch(value) or not 1 <= int(value) <= MAX_PAGELEN:
        raise SearchError(f"pagelen must be a whole number from 1 to {MAX_PAGELEN}.")
    return int(value)


def read_date(args: Mapping[str, Any], name: str) -> dt.date | None:
    value = str(args.get(name, "")).strip()
    if not value:
        return None
    try:
        if DATE_RE.fullmatch(value):
            return dt.date.fromisoformat(value)
    except ValueError:
        pass
    raise SearchError(f"The “{name}” date must be a real date written as YYYY-MM-DD.")


def read_values(args: MultiDict[str, str], name: str) -> tuple[str, ...]:
    values = [v.strip() for v in args.getlist(name) if v.strip()]
    if len(values) > MAX_FILTER_VALUES or any(len(v) > MAX_FILTER_CHARS for v in values):
        raise SearchError(f"Too many or too long “{name}” filters.")
    return tuple(dict.fromkeys(values))


def read_years(args: MultiDict[str, str]) -> tuple[int, ...]:
    values = read_values(args, "year")
    if not all(YEAR_RE.fullmatch(v) for v in values):
        raise SearchError("A year filter must be a four-digit year.")
    return tuple(int(v) for v in values)


def read_collapse(args: MultiDict[str, str]) -> bool:
    """collapse=false shows every copy; the default is one result per story."""
    value = str(args.get("collapse", "true")).strip().lower()
    if value not in ("true", "false", "1", "0", ""):
        raise SearchError("collapse must be true or false.")
    return value not in ("false", "0")


@dataclass(frozen=True)
class SearchParams:
    """What the user asked for, as it appears in the URL."""

    q: str = ""
    page: int = 1
    sort: str = DEFAULT_SORT
    agency: tuple[str, ...] = ()
    place: tuple[str, ...] = ()
    year: tuple[int, ...] = ()
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    collapse: bool = True  # collapse=false: every outlet's copy

    @classmethod
    def from_args(cls, args: MultiDict[str, str]) -> SearchParams:
        """Read and check the query string; SearchError says what is wrong."""
        sort = str(args.get("sort", DEFAULT_SORT)).strip() or DEFAULT_SORT
        if sort not in SORTS:
            raise SearchError(f"Sort by one of: {', '.join(SORTS)}.")
        params = cls(
            q=read_query(args),
            page=read_page(args),
            sort=sort,
            agency=read_values(args, "agency"),
            place=read_values(args, "place"),
            year=read_years(args),
            date_from=read_date(args, "from"),
            date_to=read_date(args, "to"),
            collapse=read_collapse(args),
        )
        params.to_request(1).validate()
        return params

    @property
    def has_query(self) -> bool:
        return bool(self.q.strip())

    def to_request(self, pagelen: int, *, facets: bool = False, spelling: bool = False) -> SearchRequest:
        return SearchRequest(
            query=self.q.strip(),
            page=self.page,
            pagelen=pagelen,
            sort=self.sort,
            agency=self.agency,
            place=self.place,
            year=self.year,
            date_from=self.date_from,
            date_to=self.date_to,
            facets=facets,
            spelling=spelling,
            collapse=self.collapse,
        )

    def args(self) -> dict[str, Any]:
        """URL parameters, defaults left out so equal searches have equal URLs."""
        args: dict[str, Any] = {"q": self.q}
        if self.sort != DEFAULT_SORT:
            args["sort"] = self.sort
        for name in FILTER_NAMES:
            if getattr(self, name):
                args[name] = list(getattr(self, name))
        if self.date_from:
            args["from"] = self.date_from.isoformat()
        if self.date_to:
            args["to"] = self.date_to.isoformat()
        if self.page != 1:
            args["page"] = self.page
        if not self.collapse:
            args["collapse"] = "false"
        return args

    def replace(self, **changes: Any) -> SearchParams:
        """A copy with changes; back to page 1 unless a page is given."""
        changes.setdefault("page", 1)
        return dataclasses.replace(self, **changes)

    def has(self, name: str, value: str) -> bool:
        typed = _typed(name, value)
        return any(_same(name, v, typed) for v in getattr(self, name))

    def toggle(self, name: str, value: str) -> SearchParams:
        """Add a filter value, or remove it (in any of its forms) when it is on."""
        current = getattr(self, name)
        typed = _typed(name, value)
        kept = tuple(v for v in current if not _same(name, v, typed))
        return self.replace(**{name: kept if len(kept) < len(current) else (*current, typed)})

    def active_filters(self) -> list[tuple[str, str, SearchParams]]:
        """(label, value, params without it) for each filter that is on."""
        active = [
            (name.capitalize(), str(value), self.toggle(name, str(value)))
            for name in FILTER_NAMES
            for value in getattr(self, name)
        ]
        if self.date_from:
            active.append(("From", self.date_from.isoformat(), self.replace(date_from=None)))
        if self.date_to:
            active.append(("To", self.date_to.isoformat(), self.replace(date_to=None)))
        return active


def _typed(name: str, value: str) -> str | int:
    return int(value) if name == "year" else value


def _same(name: str, a: str | int, b: str | int) -> bool:
    """Equal filter values; places in any form (NEW DELHI is New Delhi)."""
    return place_key(str(a)) == place_key(str(b)) if name == "place" else a == b
