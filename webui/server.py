"""Running the web app: waitress in one process, or gunicorn forking worker processes.

Whoosh scores in Python, so threads share one core under the GIL; worker
processes use every core. The app is made before forking (gunicorn's preload),
and so is what every search reads (`backend.warm_backend`: columns, clusters,
vocabulary, templates), shared by the workers; the backend's files are closed
before forking, and each worker thread opens its own searcher, so no open file
is shared.
"""

from __future__ import annotations

import os
from typing import Any

from flask import Flask

from .backend import warm_backend


def default_workers() -> int:
    """One worker per core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def serve(app: Flask, *, host: str, port: int, workers: int, threads: int) -> None:
    """Serve `app` until interrupted: waitress for one worker, gunicorn for more."""
    warm_backend(app)
    for name in app.jinja_env.list_templates():  # compiled once, before forking
        app.jinja_env.get_template(name)
    if workers <= 1:
        import waitress

        waitress.serve(app, host=host, port=port, threads=threads, ident="wire")
        return
    _gunicorn_app(app, {"bind": f"{host}:{port}", "workers": workers, "threads": threads}).run()


def _gunicorn_app(app: Flask, options: dict[str, Any]):  # type: ignore[no-untyped-def]
    from gunicorn.app.base import BaseApplication

    class WireApplication(BaseApplication):  # type: ignore[misc]
        """gunicorn with our app object and options, not its command line."""

        def load_config(self) -> None:
            settings = {
                **options,
                "worker_class": "gthread",
                "preload_app": True,
                "accesslog": None,
                # a request over the search time budget is already cut short; this is the backstop
                "timeout": 60,
                "graceful_timeout": 10,
                # a control socket at one fixed path per user: a second server would take it over
                "control_socket_disable": True,
            }
            for key, value in settings.items():
                self.cfg.set(key, value)

        def load(self) -> Flask:
            return app

    return WireApplication()
