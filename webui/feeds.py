"""Saved searches as Atom feeds (/search.atom) and the OpenSearch description.

The feed takes the parameters of /search and lists its newest matches; the
XML is written by indexer.feeds from the hits and the addresses made here.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from flask import Blueprint, Response, current_app, request, url_for

from indexer.feeds import ATOM_TYPE, OPENSEARCH_TYPE, Feed, FeedEntry, build_atom, build_opensearch, date_time
from indexer.search import DEFAULT_PAGELEN, DEFAULT_SORT, SORT_NEWEST, Hit

from .backend import get_backend
from .params import SearchParams
from .views import web_url

bp = Blueprint("feeds", __name__)

SITE_NAME = "Wire search"


def feed_args(params: SearchParams) -> dict[str, Any]:
    """The parameters a feed keeps: the query and filters (always newest first, one page)."""
    return params.replace(page=1, sort=DEFAULT_SORT).args()


@bp.app_template_global()
def feed_url(params: SearchParams) -> str:
    """The Atom feed of a search, for <link rel="alternate"> and the results page."""
    return url_for("feeds.atom", **feed_args(params))


def feed_title(params: SearchParams) -> str:
    what = f"“{params.q.strip()}”" if params.has_query else "all stories"
    filters = ", ".join(f"{label.lower()} {value}" for label, value, _ in params.active_filters())
    return f"{SITE_NAME}: {what}" + (f" ({filters})" if filters else "")


def feed_entry(hit: Hit) -> FeedEntry:
    link = url_for("pages.story", story_id=hit.id, _external=True)
    return FeedEntry(
        id=link,
        title=hit.title,
        link=link,
        updated=date_time(hit.date),
        summary_html=hit.snippet,
        author=hit.agency,
        via=web_url(hit.url) or "",
    )


@bp.get("/search.atom")
def atom() -> Response:
    """The newest matches of a search as Atom; entry ids are the stories' permalinks."""
    params = SearchParams.from_args(request.args)
    wanted = dataclasses.replace(params.to_request(DEFAULT_PAGELEN), sort=SORT_NEWEST, page=1)
    hits = get_backend().iter_hits(wanted, current_app.config["FEED_ENTRIES"])
    self_url = url_for("feeds.atom", **feed_args(params), _external=True)
    feed = Feed(
        id=self_url,
        title=feed_title(params),
        self_url=self_url,
        html_url=url_for("pages.search", **params.replace(page=1, sort=SORT_NEWEST).args(), _external=True),
        entries=[feed_entry(hit) for hit in hits],
        subtitle="The newest stories matching this search.",
    )
    return Response(build_atom(feed), mimetype=ATOM_TYPE)


@bp.get("/opensearch.xml")
def opensearch() -> Response:
    """Lets a browser add this site as a search engine."""
    base = url_for("pages.search", _external=True)
    xml = build_opensearch(
        SITE_NAME,
        "Full-text search over news agency stories.",
        html_template=base + "?q={searchTerms}",
        atom_template=url_for("feeds.atom", _external=True) + "?q={searchTerms}",
        icon=url_for("static", filename="favicon.svg", _external=True),
    )
    return Response(xml, mimetype=OPENSEARCH_TYPE)
