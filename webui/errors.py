"""Error pages and JSON errors: 400 for bad input, 404, 503 without an index, 500 logged."""

from __future__ import annotations

from flask import Flask, Response, current_app, jsonify, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError

from indexer.search import BackendUnavailableError, IndexMissingError, SearchError

NO_INDEX_MESSAGE = (
    "There is no search index yet. Build it from the corpus with `wire reindex`, "
    "then reload this page: no restart is needed."
)
RETRY_AFTER_SECONDS = "30"


def init_app(app: Flask) -> None:
    app.register_error_handler(IndexMissingError, no_index)
    app.register_error_handler(BackendUnavailableError, unavailable)
    app.register_error_handler(SearchError, bad_request)
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(InternalServerError, server_error)


def is_api_request() -> bool:
    return request.path == "/api" or request.path.startswith("/api/")


def error_response(status: int, title: str, message: str) -> Response:
    """The same error as JSON for the API, as a page for people."""
    if is_api_request():
        response = jsonify(error=message)
    else:
        html = render_template("error.html", status=status, title=title, message=message)
        response = Response(html, mimetype="text/html")
    response.status_code = status
    return response


def no_index(e: IndexMissingError) -> Response:
    current_app.logger.warning("no index: %s", e)
    response = error_response(503, "No search index yet", NO_INDEX_MESSAGE)
    response.headers["Retry-After"] = RETRY_AFTER_SECONDS
    return response


def unavailable(e: BackendUnavailableError) -> Response:
    """A search server that does not answer: 503, try again later (not the query's fault)."""
    current_app.logger.warning("search servers unavailable: %s", e)
    response = error_response(503, "Search is unavailable", str(e))
    response.headers["Retry-After"] = RETRY_AFTER_SECONDS
    return response


def bad_request(e: SearchError) -> Response:
    return error_response(400, "Cannot search for that", str(e))


def http_error(e: HTTPException) -> Response:
    status = e.code or 500
    titles = {404: "Not found", 405: "Method not allowed"}
    message = e.description or ""
    if status == 404 and not message.startswith("There is no"):
        message = "There is no page at this address."
    response = error_response(status, titles.get(status, e.name), message)
    valid_methods = getattr(e, "valid_methods", None)
    if valid_methods:
        response.headers["Allow"] = ", ".join(valid_methods)
    return response


def server_error(e: InternalServerError) -> Response:
    # Flask has already logged the traceback (app.logger); the page shows none of it.
    return error_response(
        500, "Something went wrong", "The server could not answer this request. Try again later."
    )
