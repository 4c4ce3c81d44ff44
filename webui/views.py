"""The HTML pages: home, search results, a story, the query syntax."""

from __future__ import annotations

import dataclasses
import datetime as dt
from urllib.parse import urlencode, urlsplit

from flask import Blueprint, abort, current_app, g, render_template, request, url_for
from markupsafe import Markup
from werkzeug.datastructures import iter_multi_items

from indexer.copydiff import diff_copy
from indexer.search import FACET_FIELDS, MAX_FACET_VALUES, MAX_PAGE, SearchResults, Timeline
from indexer.story import Story

from .backend import get_backend
from .charts import UNIT_HEADINGS, VIEW_HEIGHT, VIEW_WIDTH, timeline_bars
from .params import SearchParams, is_story_id, read_query

bp = Blueprint("pages", __name__)

# Tips shown when there is nothing to show.
SEARCH_TIPS = (
    'Put a phrase in quotes: "defence innovation".',
    "Fewer words find more; use OR for either word: monsoon OR rainfall.",
    "End a word with * to match its beginning: elect* finds election, electoral.",
    "Remove filters or widen the date range.",
)
FACET_LABELS = (("agency", "Agency"), ("place", "Place"), ("year", "Year"))
FACET_PLURALS = {"agency": "agencies", "place": "places", "year": "years"}
# Values a facet shows beside the results; a "more" link lists them all.
FACET_SHOWN = 10
# The /syntax page: each example links to its search.
SYNTAX_EXAMPLES = (
    ("defence innovation", "Words: stories with either word, the best matches first."),
    ('"defence innovation"', "A phrase in quotes: the words together, in this order."),
    ("india AND summit", "AND: both words must be there."),
    ("monsoon OR rainfall", "OR: either word."),
    ("election NOT poll", "NOT: leave out stories with the second word."),
    ("title:summit", "title: only the headline."),
    ("agency:PTI", "agency: stories from one news agency (PTI, Reuters, AP, AFP, IANS …)."),
    ('place:"New Delhi"', "place: the dateline place."),
    ("date:2024-02", "date: a year (2024), a month (2024-02) or a day (2024-02-19)."),
    ("date:[2024-01-01 TO 2024-03-31]", "A date range, both ends included."),
    ("elect*", "A trailing * matches the beginning of words: election, electoral, elected."),
    ("(monsoon OR rain) AND mumbai", "Brackets group parts of a query."),
)


@bp.app_template_filter("date_label")
def date_label(value: dt.date | None) -> str:
    """19 Feb 2024."""
    return f"{value.day} {value:%b %Y}" if value else ""


@bp.app_template_filter("thousands")
def thousands(value: int) -> str:
    return f"{value:,}"


# Characters werkzeug's url_for leaves unquoted in a query string (the WHATWG set).
QUERY_SAFE = "!$'()*,/:;?@"


@bp.app_template_global()
def search_url(params: SearchParams, endpoint: str = "pages.search") -> str:
    """The stable URL of a search: parameters in one order, defaults left out.

    url_for's answer, built faster: a results page links every facet value, page
    and timeline bar (dozens of links), and url_for matched the endpoint's rule
    anew for each one, about a quarter of the page's rendering time.
    """
    paths = g.setdefault("endpoint_paths", {})
    path = paths.get(endpoint)
    if path is None:
        path = paths[endpoint] = url_for(endpoint)
    items = [(k, v) for k, v in iter_multi_items(params.args()) if v is not None]
    return f"{path}?{urlencode(items, safe=QUERY_SAFE)}" if items else path


@bp.get("/")
def home() -> str:
    return render_template("home.html", stats=get_backend().stats(), params=SearchParams())


@bp.get("/search")
def search() -> str:
    params = SearchParams.from_args(request.args)
    results: SearchResults | None = None
    timeline: Timeline | None = None
    if params.has_query:
        pagelen = current_app.config["PAGELEN"]
        wanted = params.to_request(pagelen, facets=True, spelling=True)
        backend = get_backend()
        # the timeline from the search's own matches, where the backend can count them
        results = backend.search(dataclasses.replace(wanted, facet_limit=FACET_SHOWN, timeline=True))
        if results.total:
            timeline = results.timeline or backend.timeline(wanted)
    return render_template(
        "search.html",
        params=params,
        results=results,
        tips=SEARCH_TIPS,
        facet_labels=FACET_LABELS,
        facet_plurals=FACET_PLURALS,
        max_page=MAX_PAGE,
        timeline=timeline,
        bars=timeline_bars(timeline) if timeline else [],
        chart_width=VIEW_WIDTH,
        chart_height=VIEW_HEIGHT,
        unit_headings=UNIT_HEADINGS,
    )


@bp.get("/search/facet/<name>")
def facet(name: str) -> str:
    """Every value of one facet for a search (the sidebar shows the top few)."""
    if name not in FACET_FIELDS:
        abort(404, "There is no such filter.")
    params = SearchParams.from_args(request.args)
    results = None
    if params.has_query:
        wanted = params.to_request(1, facets=True)
        results = get_backend().search(dataclasses.replace(wanted, facet_limit=MAX_FACET_VALUES))
    return render_template(
        "facet.html",
        params=params,
        results=results,
        name=name,
        label=dict(FACET_LABELS)[name],
        plural=FACET_PLURALS[name],
        max_values=MAX_FACET_VALUES,
    )


@bp.get("/story/<story_id>")
def story(story_id: str) -> str:
    # The id is checked before anything else looks at it.
    if not is_story_id(story_id):
        abort(404, "There is no story with that id.")
    q = read_query(request.args).strip()
    backend = get_backend()
    found = backend.get_story(story_id)
    marked = backend.marked_paragraphs(story_id, q)
    if found is None or marked is None:
        abort(404, "There is no story with that id.")
    return render_template(
        "story.html",
        story=found,
        q=q,
        # the backend escapes the text and marks the matches: only <mark> is markup
        paragraphs=[Markup(p) for p in marked],
        source_url=web_url(found.url),
        related=backend.more_like_this(story_id, limit=current_app.config["MORE_LIKE_THIS"]),
        params=SearchParams(q=q),
        **copies_context(found, backend.story_copies(story_id)),
    )


def copies_context(story: Story, copies: list[Story]) -> dict[str, object]:
    """The story page's copies: each with what it changed against the lead copy,
    and this story's own diff when it is not the lead."""
    lead = copies[0] if copies else story
    listed = [(c, diff_copy(c, lead) if c.id != lead.id else None) for c in copies]
    own = diff_copy(story, lead) if story.id != lead.id else None
    return {"copies": listed if len(copies) > 1 else [], "lead": lead, "own_diff": own}


@bp.get("/syntax")
def syntax() -> str:
    return render_template("syntax.html", params=SearchParams(), syntax_examples=SYNTAX_EXAMPLES)


def web_url(url: str) -> str | None:
    """The URL when it is an http(s) address to link to; None for javascript: and the like."""
    parts = urlsplit(url.strip())
    if parts.scheme.lower() in ("http", "https") and parts.netloc:
        return parts.geturl()
    return None
