"""The web UI: a Flask app factory over a SearchBackend (the Whoosh index by default).

Settings, later ones winning: DEFAULTS, then WIRE_* environment variables
(WIRE_INDEX=/srv/index), then the mapping given to create_app.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask, Response

from indexer.search import DEFAULT_INDEX_DIR, DEFAULT_PAGELEN

from . import api, backend, errors, exports, feeds, intake, views

DEFAULTS: dict[str, Any] = {
    # the index folder `wire reindex` builds
    "INDEX": DEFAULT_INDEX_DIR,
    # "whoosh", "sphinx" (with SPHINX_SEARCH and SPHINX_SHARDS: WIRE_SPHINX_* in the
    # environment), or a callable (or "module:name") that takes INDEX and returns a SearchBackend
    "BACKEND": "whoosh",
    "PAGELEN": DEFAULT_PAGELEN,
    "MORE_LIKE_THIS": 5,
    # entries in a search's Atom feed (its newest matches)
    "FEED_ENTRIES": 20,
    # POST /api/pages adds a page to the archive (webui/intake.py): off unless asked for
    "ACCEPT_PAGES": False,
    # the corpus folder such pages are kept in (`wire add`'s default)
    "CORPUS": "corpus",
}

# No inline script or style anywhere: the pages work with these as they are.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Make the web app; `config` overrides the defaults and WIRE_* environment."""
    app = Flask(__name__)
    app.config.from_mapping(DEFAULTS)
    app.config.from_prefixed_env("WIRE")
    if config:
        app.config.from_mapping(config)
    backend.init_app(app)
    errors.init_app(app)
    app.register_blueprint(views.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(exports.bp)
    app.register_blueprint(feeds.bp)
    app.register_blueprint(intake.bp)
    if app.config["ACCEPT_PAGES"]:
        intake.warm_up()
    app.after_request(add_security_headers)
    return app


def add_security_headers(response: Response) -> Response:
    """Every response, error pages and static files included, carries these."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response
