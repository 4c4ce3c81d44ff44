"""Whoosh hits made into `Hit`s: stored fields, `<mark>` snippets, the outlets of a cluster.

Snippet HTML is built here and nowhere else: matches in <mark>, everything else escaped.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
from typing import Any

from whoosh import highlight

from .collapse import ClusterColumn
from .index import story_from_fields
from .patches import offer_stored_text
from .search import Hit
from .storedfields import hit_fields, stored
from .story import Story

SNIPPET_CHARS = 220
SNIPPET_FRAGMENTS = 2


class MarkFormatter(highlight.Formatter):
    """Snippet HTML: matches in <mark>, everything else escaped."""

    between = " … "

    def format_token(self, text, token, replace=False):  # type: ignore[no-untyped-def]
        return "<mark>" + html.escape(highlight.get_text(text, token, replace), quote=False) + "</mark>"

    def _text(self, text):  # type: ignore[no-untyped-def]
        return html.escape(text, quote=False)


def set_snippet_style(results: Any) -> None:
    """Pinpoint fragments (from stored character offsets) marked with <mark>."""
    results.fragmenter = highlight.PinpointFragmenter(
        maxchars=SNIPPET_CHARS // SNIPPET_FRAGMENTS + 40, surround=60, autotrim=True
    )
    results.formatter = MarkFormatter()


def lead_snippet(body: str, limit: int = SNIPPET_CHARS) -> str:
    """The story's opening words, escaped: the snippet when no match is in the body."""
    lead = " ".join(body.split())
    if len(lead) > limit:
        lead = lead[:limit].rsplit(" ", 1)[0] + " …"
    return html.escape(lead, quote=False)


def top_hits(results: Any) -> list[Any]:
    """The collected hits, without len(results), which re-runs the whole query to count."""
    return [results[i] for i in range(results.scored_length())]


def make_hit(
    hit: Any, highlight: bool = True, body: bool = False, clusters: ClusterColumn | None = None
) -> Hit:
    """A Whoosh hit as a Hit, its snippet marked (`highlight`) and its body kept (`body`)."""
    fields = hit_fields(hit)
    text = fields.get("body", "")
    if highlight:
        offer_stored_text(hit, "body", text)
    snippet = hit.highlights("body", text=text, top=SNIPPET_FRAGMENTS) if highlight and text else ""
    when = fields.get("date")
    return Hit(
        id=fields["id"],
        path=fields.get("path", ""),
        title=fields.get("title", ""),
        date=when.date() if isinstance(when, dt.datetime) else None,
        agency=fields.get("agency", ""),
        place=fields.get("place", ""),
        url=fields.get("url", ""),
        score=float(hit.score or 0.0),
        snippet=" ".join(snippet.split()) or lead_snippet(text),
        byline=fields.get("byline", ""),
        cluster=fields.get("cluster") or fields["id"],
        copies=clusters.copies(hit.docnum) if clusters else 1,
        agency_inferred=fields.get("agency_inferred", ""),
        source=fields.get("source", ""),
        body=text if body else None,
    )


def cluster_members(s: Any, cluster: str, clusters: ClusterColumn) -> list[Story]:
    """Every story of a cluster, the lead copy first, then by date."""
    members = [story_from_fields(stored(s).of(d)) for d in clusters.members(cluster)]
    members.sort(key=lambda m: (m.id != cluster, m.date or dt.date.max, m.id))
    return members


def with_outlets(s: Any, hit: Hit, clusters: ClusterColumn) -> Hit:
    """The hit with the sources of its cluster's copies, the lead copy's first."""
    if hit.copies < 2:
        return hit
    members = cluster_members(s, hit.cluster, clusters)
    outlets = tuple(dict.fromkeys(m.source or m.agency or m.id for m in members))
    return dataclasses.replace(hit, outlets=outlets)
