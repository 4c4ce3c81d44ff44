"""The Story: one wire story, cleaned, with the metadata read from it."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass


class BadStoryError(ValueError):
    """A file or page that cannot become a story; the message says why."""


@dataclass(frozen=True)
class Story:
    """One wire story as indexed: cleaned body plus wire metadata."""

    id: str
    title: str
    body: str
    date: dt.date | None = None
    place: str = ""
    agency: str = ""
    slug: str = ""
    url: str = ""
    source: str = ""
    dateline: str = ""  # the dateline as written, e.g. "New Delhi, Feb 19 (PTI)"
    byline: str = ""  # who wrote it, e.g. "By Sajjad Hussain"
    path: str = ""  # file relative to the corpus root, "" when not from the corpus
    cluster: str = ""  # id of the lead copy of its syndicated copies ("" until clustered)
    agency_inferred: str = ""  # agency of the wire story this uncredited copy reproduces

    def replace(self, **changes: object) -> Story:
        """A copy with some fields changed."""
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-ready dict (date as ISO string or None)."""
        data = dataclasses.asdict(self)
        data["date"] = self.date.isoformat() if self.date else None
        return data
