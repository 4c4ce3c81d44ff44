"""What the `wire` commands share: the --corpus, --index and --wait options, library
errors as one clear line, progress on a terminal."""

from __future__ import annotations

import contextlib
import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from ..export import ExportError
from ..locking import DEFAULT_WAIT_SECONDS, IndexBusyError
from ..pagefiles import PagePathError
from ..remoteadd import RemoteAddError
from ..search import DEFAULT_INDEX_DIR, SearchError
from ..story import BadStoryError

DEFAULT_CORPUS = "corpus"


def folder_option(flag: str, dest: str, envvar: str, default: str, what: str) -> Callable[..., Any]:
    """A shared --corpus/--index option: a folder, settable from the environment."""
    return click.option(
        flag,
        dest,
        envvar=envvar,
        default=default,
        show_default=True,
        type=click.Path(file_okay=False, path_type=Path),
        help=f"{what} folder (env {envvar}).",
    )


corpus_option = folder_option("--corpus", "corpus_dir", "WIRE_CORPUS", DEFAULT_CORPUS, "Corpus")
index_option = folder_option("--index", "index_dir", "WIRE_INDEX", DEFAULT_INDEX_DIR, "Index")


# library errors a person can act on: their message is the whole answer
USER_ERRORS = (SearchError, IndexBusyError, BadStoryError, ExportError, RemoteAddError, PagePathError)


def user_error_types() -> tuple[type[Exception], ...]:
    """USER_ERRORS and the importer's own, imported when an error is being matched: the
    writing side (Whoosh, numpy, the parser rules) loads only for the commands that write,
    so `wire add --server` starts quickly."""
    from ..ingest import ImportFormatError

    return (*USER_ERRORS, ImportFormatError)


def user_errors(f: Callable[..., Any]) -> Callable[..., Any]:
    """Turn library errors into one clear line and a nonzero exit."""

    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return f(*args, **kwargs)
        except user_error_types() as e:
            raise click.ClickException(str(e)) from None
        except FileNotFoundError as e:
            raise click.ClickException(str(e.args[0] if e.args else e)) from None
        except PermissionError as e:
            raise click.ClickException(f"permission denied: {e.filename}") from None
        except OSError as e:
            # a full disk, a failing device: what the system said, where, and the way back
            where = f" ({e.filename})" if e.filename else ""
            raise click.ClickException(
                f"{e.strerror or e}{where}. Nothing written before this was lost; "
                "fix the cause, then rerun the command or run `wire check --repair`."
            ) from None

    return wrapper


wait_option = click.option(
    "--wait",
    type=click.FloatRange(0),
    default=DEFAULT_WAIT_SECONDS,
    show_default=True,
    help="Seconds to wait while another writer holds the index.",
)


def notify(line: str) -> None:
    """A progress line for the user (waiting for the lock, taking it over)."""
    click.echo(line, err=True)


class SilentBar(contextlib.nullcontext):  # type: ignore[type-arg]
    """A progress bar that shows nothing, for output that is not a terminal."""

    def __enter__(self) -> SilentBar:
        return self

    def update(self, n: int = 1) -> None:
        pass


def progress_bar(total: int | None, desc: str):  # type: ignore[no-untyped-def]
    """A tqdm bar on a terminal, silent otherwise (without importing tqdm: 15-40 ms of
    a `wire add` run by a scraper)."""
    if not sys.stderr.isatty():
        return SilentBar()
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit=" stories", leave=False)
