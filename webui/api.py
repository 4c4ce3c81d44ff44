"""The JSON API: /api/search (the `wire search --json` shape and more), /api/timeline and /api/story/<id>."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, jsonify, request, url_for

from indexer.search import SearchError
from indexer.story import Story

from .backend import get_backend
from .params import SearchParams, is_story_id, read_pagelen

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.get("/search")
def search() -> Response:
    """results.to_dict() plus facets, paging, sort, spelling suggestion and timing."""
    params = SearchParams.from_args(request.args)
    pagelen = read_pagelen(request.args, current_app.config["PAGELEN"])
    if not params.has_query:
        raise SearchError("The q parameter (the query) is required.")
    results = get_backend().search(params.to_request(pagelen, facets=True, spelling=True))
    data = results.to_dict()
    data.update(
        facets={
            name: [{"value": fc.value, "count": fc.count} for fc in counts]
            for name, counts in results.facets.items()
        },
        page=params.page,
        pages=results.pages,
        pagelen=pagelen,
        sort=params.sort,
        suggestion=results.suggestion,
        notice=results.notice,
        took_ms=round(results.seconds * 1000, 1),
        facet_sizes=results.facet_sizes,
    )
    return jsonify(data)


@bp.get("/timeline")
def timeline() -> Response:
    """Matches per day, week, month or year; no q counts every story. Each bucket
    carries the search URL of its date range when there is a query."""
    params = SearchParams.from_args(request.args)
    found = get_backend().timeline(params.to_request(1))
    data = {"query": params.q, **found.to_dict()}
    if params.has_query:
        for bucket, out in zip(found.buckets, data["buckets"], strict=True):  # type: ignore[call-overload]
            narrowed = params.replace(date_from=bucket.start, date_to=bucket.end)
            out["search"] = url_for("pages.search", **narrowed.args())
    return jsonify(data)


@bp.get("/story/<story_id>")
def story(story_id: str) -> Response:
    if not is_story_id(story_id):
        abort(404, "There is no story with that id.")
    backend = get_backend()
    found = backend.get_story(story_id)
    if found is None:
        abort(404, "There is no story with that id.")
    data = found.to_dict()
    data["copies"] = [copy_dict(c) for c in backend.story_copies(story_id)]
    return jsonify(data)


def copy_dict(story: Story) -> dict[str, object]:
    """One copy of a syndicated story, as /api/story lists them (the lead copy first)."""
    return {
        "id": story.id,
        "source": story.source,
        "date": story.date.isoformat() if story.date else None,
        "url": story.url,
        "title": story.title,
    }
