"""Downloads of a whole result set: /export?format=csv|jsonl with the search's parameters.

The rows are made while the response is sent (a generator through Flask's
streaming), so a large export starts at once and holds one row in memory.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
from collections.abc import Mapping
from typing import Any

from flask import Blueprint, Response, request, stream_with_context
from werkzeug.datastructures import MultiDict

from indexer.export import EXPORT_LIMIT, FORMATS, MEDIA_TYPES, chunk_lines, export_lines
from indexer.search import SearchError, SearchRequest

from .backend import get_backend
from .params import SearchParams

bp = Blueprint("exports", __name__)

FLAG_VALUES = {
    "1": True,
    "true": True,
    "yes": True,
    "on": True,
    "0": False,
    "false": False,
    "no": False,
    "": False,
}
SLUG_RE = re.compile(r"[^a-z0-9]+")
SLUG_CHARS = 40


def read_flag(args: Mapping[str, Any], name: str, default: bool = False) -> bool:
    """A yes/no parameter: 1/true/yes/on or 0/false/no."""
    if name not in args:
        return default
    value = str(args.get(name, "")).strip().lower()
    if value not in FLAG_VALUES:
        raise SearchError(f"“{name}” must be true or false.")
    return FLAG_VALUES[value]


def read_format(args: Mapping[str, Any]) -> str:
    fmt = str(args.get("format", "csv")).strip().lower()
    if fmt not in FORMATS:
        raise SearchError(f"The format must be one of: {', '.join(FORMATS)}.")
    return fmt


def export_request(args: MultiDict[str, str]) -> SearchRequest:
    """The search of the page the download was asked from, all pages of it.

    collapse=false (or all_copies=1) exports every syndicated copy."""
    params = SearchParams.from_args(args)
    collapse = read_flag(args, "collapse", True) and not read_flag(args, "all_copies")
    return dataclasses.replace(params.replace(page=1).to_request(10), collapse=collapse)


def download_name(query: str, fmt: str) -> str:
    """wire-coffee-prices.csv: ASCII, safe in a Content-Disposition header."""
    slug = SLUG_RE.sub("-", query.lower()).strip("-")[:SLUG_CHARS].strip("-") or "all"
    return f"wire-{slug}.{fmt}"


@bp.get("/export")
def export() -> Response:
    """The result set as CSV (UTF-8 with BOM) or JSON Lines, at most EXPORT_LIMIT rows."""
    fmt = read_format(request.args)
    body = read_flag(request.args, "body")
    wanted = export_request(request.args)
    hits = get_backend().iter_hits(wanted, EXPORT_LIMIT + 1, body=body)
    # the first hit is made now, so a query that cannot run is a 400, not a cut-off file
    first = list(itertools.islice(hits, 1))
    lines = export_lines(itertools.chain(first, hits), fmt, body=body)
    response = Response(stream_with_context(chunk_lines(lines)), content_type=MEDIA_TYPES[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="{download_name(wanted.query, fmt)}"'
    response.headers["X-Export-Limit"] = str(EXPORT_LIMIT)
    return response
