"""POST /api/pages: `wire add` through a running server, whose modules, cluster
state and searchers are warm (a fresh `wire add` process spends most of its time
importing). Off unless the app's ACCEPT_PAGES is set (`wire serve --accept-pages`):
it writes to the archive, so it is for loopback and trusted callers only.
"""

from __future__ import annotations

from contextlib import suppress
from pathlib import Path

from flask import Blueprint, Response, abort, current_app, jsonify, request

from indexer.ingest import AddReport, add_pages
from indexer.limits import MAX_PAGE_BYTES
from indexer.locking import IndexBusyError
from indexer.story import BadStoryError

bp = Blueprint("intake", __name__, url_prefix="/api")

NOT_ACCEPTING = "This server does not accept pages: start it with `wire serve --accept-pages`."
TOO_LARGE = f"The page is larger than {MAX_PAGE_BYTES // 2**20} MB (the page limit)."
# a name for the page in the report when the caller gives none (?name=)
DEFAULT_NAME = "page"
RETRY_AFTER_SECONDS = "5"


# A page extracted once at start: the extractor's first page pays for imports and
# lazily built parsers (0.26 s and 0.16 s here), later ones about 5 ms.
WARM_UP_PAGE = (
    b"<html><head><title>Warm-up</title></head><body><article><h1>Warm-up</h1>"
    b"<p>LONDON, March 3 (Reuters) - The extractor reads one page before the first caller's.</p>"
    b"<p>It is never stored or indexed.</p></article></body></html>"
)


def warm_up() -> None:
    """Extract WARM_UP_PAGE now, before gunicorn forks its workers, so no caller waits for it."""
    from indexer.extract import extract_html

    with suppress(BadStoryError):
        extract_html(WARM_UP_PAGE)


@bp.post("/pages")
def add_page() -> Response:
    """The request body is one raw page (any encoding, gzipped or not); ?url= is its address."""
    if not current_app.config["ACCEPT_PAGES"]:
        abort(403, NOT_ACCEPTING)
    if (request.content_length or 0) > MAX_PAGE_BYTES:
        abort(413, TOO_LARGE)
    raw = request.stream.read(MAX_PAGE_BYTES + 1)  # a body without a length is bounded too
    if len(raw) > MAX_PAGE_BYTES:
        abort(413, TOO_LARGE)
    name = request.args.get("name") or DEFAULT_NAME
    config = current_app.config
    try:
        # the index lock (with its wait) serialises writers across worker processes
        report = add_pages(
            Path(config["CORPUS"]), Path(config["INDEX"]), [(name, raw)], url=request.args.get("url") or None
        )
    except IndexBusyError as e:
        response = jsonify(error=str(e))
        response.status_code = 503
        response.headers["Retry-After"] = RETRY_AFTER_SECONDS
        return response
    response = jsonify(report_dict(report))
    if report.skipped:  # the page itself is refused: the reason, not a server error
        response.status_code = 422
    return response


def report_dict(report: AddReport) -> dict[str, object]:
    """The answer: story ids added, names that were duplicates, [name, reason] skipped."""
    data: dict[str, object] = {
        "added": report.ids,
        "duplicates": report.duplicates,
        "skipped": [list(s) for s in report.skipped],
    }
    if report.skipped:
        data["error"] = "; ".join(reason for _, reason in report.skipped)
    if report.recovered:
        data["recovered"] = report.recovered
    return data
