"""The search backend of an app: made lazily, once, and kept in app.extensions.

The web layer only knows the SearchBackend interface; which class answers is
configuration (BACKEND: whoosh, sphinx, or a factory), so it never imports the engine itself.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from flask import Flask, current_app, request
from werkzeug.utils import import_string

from indexer.backends import BACKENDS, search_factory
from indexer.search import IndexMissingError, SearchBackend

EXTENSION = "wire.backend"


class BackendSlot:
    """Holds an app's backend once an index could be opened."""

    def __init__(self) -> None:
        self.backend: SearchBackend | None = None
        self.lock = threading.Lock()


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION] = BackendSlot()
    app.before_request(require_backend)


def load_factory(setting: str | Callable[[str], Any]) -> Callable[[str], Any]:
    """The BACKEND setting as a callable: itself, or imported from "module:name"."""
    return import_string(setting) if isinstance(setting, str) else setting


def get_backend() -> SearchBackend:
    """This app's backend, opened on first use; IndexMissingError while there is no index.

    A failed open is not remembered, so an index built later is picked up
    without a restart; once open, the backend follows rebuilds itself.
    """
    slot: BackendSlot = current_app.extensions[EXTENSION]
    if slot.backend is None:
        with slot.lock:
            if slot.backend is None:
                setting = current_app.config["BACKEND"]
                # an engine's name (WIRE_BACKEND=sphinx) or a callable / "module:name"
                is_name = isinstance(setting, str) and setting.lower() in BACKENDS
                factory = search_factory(current_app.config) if is_name else load_factory(setting)
                slot.backend = factory(str(current_app.config["INDEX"]))
    return slot.backend


def warm_backend(app: Flask) -> None:
    """Open the backend and load what every search reads, then close its files:
    called before forking, so the workers share the loaded values and each opens
    its own files. Without an index yet, or for an app without a backend, nothing."""
    if EXTENSION not in app.extensions:
        return
    with app.app_context():
        try:
            backend = get_backend()
        except IndexMissingError:
            return
        backend.warm()
        backend.close()


def require_backend() -> None:
    """Before every page: answer 503 (via the error handler) while there is no index."""
    if request.endpoint not in (None, "static"):
        get_backend()


def close_backend(app: Flask) -> None:
    """Close the app's backend, if one was opened (tests, shutdown)."""
    slot: BackendSlot = app.extensions[EXTENSION]
    with slot.lock:
        if slot.backend is not None:
            slot.backend.close()
            slot.backend = None
