"""`wire serve`: the web UI."""

from __future__ import annotations

from pathlib import Path

import click

from .options import corpus_option, index_option, user_errors


@click.command(name="serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    help="Worker processes (default: one per core); 1 serves from this process with waitress.",
)
@click.option(
    "--threads", default=4, show_default=True, type=click.IntRange(1, 64), help="Threads per worker."
)
@click.option(
    "--accept-pages",
    is_flag=True,
    help="Take pages at POST /api/pages (`wire add --server`) into --corpus: trusted callers only.",
)
@corpus_option
@index_option
@user_errors
def serve_command(
    host: str,
    port: int,
    workers: int | None,
    threads: int,
    accept_pages: bool,
    corpus_dir: Path,
    index_dir: Path,
) -> None:
    """Serve the web UI: gunicorn with a worker process per core (each with its
    own warm searchers), or waitress in this process with --workers 1.

    Example: wire serve --port 5000 --workers 2
    """
    from webui import create_app
    from webui.server import default_workers, serve

    workers = workers or default_workers()
    app = create_app({"INDEX": str(index_dir), "CORPUS": str(corpus_dir), "ACCEPT_PAGES": accept_pages})
    click.echo(f"serving {index_dir} at http://{host}:{port}/ ({workers} worker{'s' * (workers > 1)})")
    if accept_pages:
        click.echo(f"accepting pages at POST /api/pages into {corpus_dir}")
    serve(app, host=host, port=port, workers=workers, threads=threads)


# registered on the `wire` group, in this order
COMMANDS = (serve_command,)
