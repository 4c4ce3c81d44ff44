"""The `wire` command: a thin layer over the library. Each command parses its
options, calls one library function and prints."""

from __future__ import annotations

import contextlib
import functools
import html
import json
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from .backends import (
    BACKENDS,
    DEFAULT_BACKEND,
    DEFAULT_SPHINX_SEARCH,
    ENV_BACKEND,
    ENV_SEARCH,
    ENV_SHARDS,
    BackendConfig,
)
from .builds import AddReport
from .export import (
    EXPORT_LIMIT,
    FORMATS,
    ExportError,
    ExportReport,
    atomic_text_file,
    export_lines,
    write_export,
)
from .limits import MAX_PAGELEN
from .locking import DEFAULT_WAIT_SECONDS, IndexBusyError
from .pagefiles import read_pages
from .remoteadd import RemoteAddError, send_pages
from .search import (
    DEFAULT_INDEX_DIR,
    DEFAULT_PAGELEN,
    DEFAULT_SORT,
    SORTS,
    Hit,
    SearchError,
    SearchRequest,
)
from .story import BadStoryError
from .timeline import render_text_chart

if TYPE_CHECKING:
    from .check import CheckReport

DEFAULT_CORPUS = "corpus"
MARK_RE = re.compile(r"<mark>(.*?)</mark>", re.S)
# `wire explain` shows this many characters of a line.
EXPLAIN_WIDTH = 100


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
USER_ERRORS = (SearchError, IndexBusyError, BadStoryError, ExportError, RemoteAddError)


def user_error_types() -> tuple[type[Exception], ...]:
    """USER_ERRORS and the importer's own, imported when an error is being matched: the
    writing side (Whoosh, numpy, the parser rules) loads only for the commands that write,
    so `wire add --server` starts quickly."""
    from .ingest import ImportFormatError

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


def restore_env(saved: dict[str, str | None]) -> None:
    for env, value in saved.items():
        if value is None:
            os.environ.pop(env, None)
        else:
            os.environ[env] = value


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


@click.group()
@click.version_option(package_name="wire-search")
@click.option(
    "--backend",
    type=click.Choice(BACKENDS),
    envvar=ENV_BACKEND,
    default=DEFAULT_BACKEND,
    show_default=True,
    help=f"Search engine: the embedded Whoosh index or Sphinx/Manticore servers (env {ENV_BACKEND}).",
)
@click.option(
    "--sphinx-search",
    envvar=ENV_SEARCH,
    default=DEFAULT_SPHINX_SEARCH,
    show_default=True,
    help=f"The distributed searchd's SphinxQL host:port (env {ENV_SEARCH}).",
)
@click.option(
    "--sphinx-shards",
    envvar=ENV_SHARDS,
    default="",
    help=f"The shard searchd's SphinxQL endpoints, host:port,host:port (env {ENV_SHARDS}).",
)
@click.pass_context
def cli(ctx: click.Context, backend: str, sphinx_search: str, sphinx_shards: str) -> None:
    """Search scraped news wire stories (PTI, Reuters, AP, AFP, IANS, ANI, UNI)."""
    # the environment is the configuration every layer reads (ingest, serve's workers):
    # options given on the command line go into it
    given = {ENV_BACKEND: ("backend", backend), ENV_SEARCH: ("sphinx_search", sphinx_search)}
    given[ENV_SHARDS] = ("sphinx_shards", sphinx_shards)
    saved = {env: os.environ.get(env) for env in given}
    for env, (name, value) in given.items():
        if ctx.get_parameter_source(name) is click.core.ParameterSource.COMMANDLINE:
            os.environ[env] = value
    # as it was once the command ends (the CLI also runs in-process: tests, scripts)
    ctx.call_on_close(lambda: restore_env(saved))
    try:
        BackendConfig.from_env().check()
    except SearchError as e:
        raise click.ClickException(str(e)) from None


@cli.command(name="reindex")
@corpus_option
@index_option
@wait_option
@user_errors
def reindex_command(corpus_dir: Path, index_dir: Path, wait: float) -> None:
    """Rebuild the index from every story in the corpus.

    Builds beside the live index and swaps it in atomically: searches keep
    working meanwhile, and a crash leaves the old index in place.

    Example: wire reindex --corpus corpus --index index
    """
    from .ingest import count_story_files, reindex

    with progress_bar(count_story_files(corpus_dir) if corpus_dir.is_dir() else None, "indexing") as bar:
        report = reindex(corpus_dir, index_dir, on_progress=bar.update, wait=wait, notify=notify)
    for path, reason in report.skipped:
        click.echo(f"skipped {path}: {reason}", err=True)
    stories = "1 story" if report.indexed == 1 else f"{report.indexed:,} stories"
    click.echo(
        f"indexed {stories}, skipped {len(report.skipped)}, "
        f"in {report.seconds:.1f} s ({report.rate:.0f} stories/s)"
    )


@cli.command(name="import")
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@corpus_option
@index_option
@wait_option
@user_errors
def import_command(files: tuple[Path, ...], corpus_dir: Path, index_dir: Path, wait: float) -> None:
    """Import wire archives (Reuters-21578 .sgm, JSON Lines) into the corpus.

    JSON Lines records carry title, date, body (or text) and url. Re-running
    adds nothing twice.

    Example: wire import ../shared/data/reuters21578/reut2-*.sgm
    """
    from .ingest import import_archives

    with progress_bar(None, "importing") as bar:
        report = import_archives(
            corpus_dir, index_dir, files, on_progress=bar.update, wait=wait, notify=notify
        )
    _print_add_report(report, "imported")


@cli.command(name="add")
@click.argument("paths", nargs=-1, required=True, type=click.Path(allow_dash=True, path_type=Path))
@click.option("--url", help="The page's URL, when adding a single page.")
@click.option(
    "--server",
    metavar="URL",
    help="Send the pages to this `wire serve --accept-pages` (it writes them) instead.",
)
@corpus_option
@index_option
@wait_option
@user_errors
def add_command(
    paths: tuple[Path, ...],
    url: str | None,
    server: str | None,
    corpus_dir: Path,
    index_dir: Path,
    wait: float,
) -> None:
    """Add scraped HTML pages (.html, .htm, .html.gz, folders, - for stdin).

    The raw page is kept in the corpus so a later reindex re-extracts it; the
    story is searchable when the command returns. Exits 1 when anything was skipped.
    With --server, a running server with warm searchers adds them (faster).

    Example: wire add --url https://example.com/story.html page.html
    """
    missing = [str(p) for p in paths if str(p) != "-" and not p.exists()]
    if missing:
        raise click.ClickException(f"no such file or folder: {', '.join(missing)}")
    if url and (len(paths) > 1 or any(p.is_dir() for p in paths)):
        raise click.ClickException("--url names one page: give a single file (or -)")
    if server:
        sent = send_pages(server, read_pages(paths), url=url)
        report = AddReport(sent["added"], sent["duplicates"], [tuple(s) for s in sent["skipped"]])
    else:
        report = _add_here(paths, url, corpus_dir, index_dir, wait)
    _print_add_report(report, "added")
    if report.skipped:
        sys.exit(1)


def _add_here(
    paths: tuple[Path, ...], url: str | None, corpus_dir: Path, index_dir: Path, wait: float
) -> AddReport:
    from .ingest import add_pages

    with progress_bar(None, "adding") as bar:
        pages = read_pages(paths)
        return add_pages(
            corpus_dir, index_dir, pages, url=url, on_progress=bar.update, wait=wait, notify=notify
        )


def _print_add_report(report: AddReport, verb: str) -> None:
    for where, reason in report.skipped:
        click.echo(f"skipped {where}: {reason}", err=True)
    click.echo(
        f"{verb} {len(report.added)}, duplicates {len(report.duplicates)}, skipped {len(report.skipped)}"
    )
    if report.recovered:
        click.echo(f"indexed {report.recovered:,} stories an interrupted run had written but not indexed")


@cli.command(name="check")
@click.option(
    "--repair", is_flag=True, help="Index what is missing, drop what has no file, remove leftovers."
)
@corpus_option
@index_option
@wait_option
@user_errors
def check_command(repair: bool, corpus_dir: Path, index_dir: Path, wait: float) -> None:
    """Check that the corpus and the index agree; exit status 0 only when they do.

    They agree when every story file is indexed once, every index entry has its
    file, no temporary or stale files are left, and every index segment reads.
    After a crash or a full disk, --repair makes them agree.

    Example: wire check --repair
    """
    from .ingest import check_corpus

    report, done = check_corpus(corpus_dir, index_dir, repair=repair, wait=wait, notify=notify)
    for line in done:
        click.echo(line)
    for line in describe_check(report):
        click.echo(line)
    if not report.agrees:
        sys.exit(1)


def describe_check(report: CheckReport) -> list[str]:
    """What `wire check` prints: counts, then each difference with a few examples."""
    lines = [f"corpus: {report.stories:,} story files; index: {report.indexed:,} stories"]
    if report.index_error:
        lines.append(f"index: {report.index_error}")
    differences = [
        ("story files the index lacks", report.missing),
        ("index entries without a story file", report.orphans),
        ("stories indexed more than once", report.doubled),
        ("temporary or stale files", report.leftovers),
    ]
    for what, items in differences:
        if items:
            lines.append(f"{len(items):,} {what}: {examples(items)}")
    if report.interrupted:
        lines.append("an add or import was interrupted before it finished")
    notes = [
        ("files that are not stories (reindex skips them too)", report.unindexable),
        ("places that could not be read", report.unreadable),
    ]
    for what, problems in notes:
        if problems:
            lines.append(f"note: {len(problems):,} {what}: " + examples([f"{p} ({r})" for p, r in problems]))
    lines.append("they agree" if report.agrees else "they differ: run `wire check --repair`")
    return lines


def examples(items: list[str], shown: int = 3) -> str:
    """The first few items, and how many more."""
    more = f" and {len(items) - shown:,} more" if len(items) > shown else ""
    return ", ".join(items[:shown]) + more


@cli.command(name="search")
@click.argument("query", nargs=-1, required=True)
@click.option(
    "--limit",
    default=DEFAULT_PAGELEN,
    show_default=True,
    type=click.IntRange(1, MAX_PAGELEN),
    help="Results to show.",
)
@click.option("--sort", type=click.Choice(SORTS), default=DEFAULT_SORT, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--timeline", is_flag=True, help="Print matches per day, week, month or year as a chart.")
@click.option("--all-copies", is_flag=True, help="Show every outlet's copy, not one result per story.")
@index_option
@user_errors
def search_command(
    query: tuple[str, ...],
    limit: int,
    sort: str,
    as_json: bool,
    timeline: bool,
    all_copies: bool,
    index_dir: Path,
) -> None:
    """Search the index: words, "phrases", AND/OR/NOT, title:, agency:, place:,
    date:2024-02, date:[2024-01-01 TO 2024-03-31], prefix*.

    Example: wire search --limit 5 'agency:pti "defence innovation"'
    """
    from .backends import open_search

    backend = open_search(index_dir)
    try:
        if timeline:
            _print_timeline(
                backend.timeline(SearchRequest(" ".join(query), collapse=not all_copies)), as_json
            )
            return
        request = SearchRequest(" ".join(query), pagelen=limit, sort=sort, collapse=not all_copies)
        results = backend.search(request)
    finally:
        backend.close()
    if as_json:
        click.echo(json.dumps(results.to_dict(), ensure_ascii=False))
        return
    if results.notice:
        click.echo(results.notice, err=True)
    from .check import was_interrupted

    if was_interrupted(index_dir):
        click.echo(
            "note: an add or import was interrupted; stories it wrote may be missing "
            "until the next one or `wire check --repair`",
            err=True,
        )
    matches = "1 story matches" if results.total == 1 else f"{results.total:,} stories match"
    if results.copies is not None and results.copies != results.total:
        matches += f" ({results.copies:,} copies)"
    click.echo(f"{matches} ({results.seconds * 1000:.0f} ms)")
    for n, hit in enumerate(results.hits, 1):
        meta = " · ".join(x for x in (hit.date.isoformat() if hit.date else "", hit.agency, hit.place) if x)
        click.echo(f"\n{n}. " + click.style(hit.title, bold=True) + (f"  [{meta}]" if meta else ""))
        click.echo(f"   {terminal_snippet(hit.snippet)}")
        if hit.copies > 1:
            click.echo(f"   {carried_by(hit)}")
        click.echo(click.style(f"   {hit.path}", dim=True))


def carried_by(hit: Hit) -> str:
    """'carried by 3 outlets: Dawn, The Hindu, PTI'."""
    return f"carried by {hit.copies} outlets: {', '.join(hit.outlets)}"


def _print_timeline(timeline, as_json: bool) -> None:  # type: ignore[no-untyped-def]
    if as_json:
        click.echo(json.dumps(timeline.to_dict()))
        return
    for line in render_text_chart(timeline):
        click.echo(line)


@cli.command(name="export")
@click.argument("query", nargs=-1)
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="csv", show_default=True)
@click.option("--sort", type=click.Choice(SORTS), default=DEFAULT_SORT, show_default=True)
@click.option("--all-copies", is_flag=True, help="Every syndicated copy, not one row per story.")
@click.option("--body", is_flag=True, help="Add the story text as a last column.")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write to this file (complete or not at all) instead of standard output.",
)
@index_option
@user_errors
def export_command(
    query: tuple[str, ...],
    fmt: str,
    sort: str,
    all_copies: bool,
    body: bool,
    output: Path | None,
    index_dir: Path,
) -> None:
    """Export every match of a search (every story without a query) as CSV or JSON Lines.

    Columns: id, date, agency, place, source, url, title, byline, cluster,
    copies, snippet (and body with --body). CSV is UTF-8 with a BOM, formulas
    neutralised. At most 100,000 rows; the last line says when more matched.

    Example: wire export 'coffee prices' --format csv -o coffee.csv
    """
    from .backends import open_search

    if output is not None and not output.parent.is_dir():
        raise click.ClickException(f"no such folder: {output.parent}")
    backend = open_search(index_dir)
    request = SearchRequest(" ".join(query), sort=sort, collapse=not all_copies)
    report = ExportReport()
    try:
        hits = backend.iter_hits(request, EXPORT_LIMIT + 1, body=body)
        lines = export_lines(hits, fmt, body=body, report=report)
        if output is None:
            write_export(lines, sys.stdout)
        else:
            with atomic_text_file(output) as out:
                write_export(lines, out)
    finally:
        backend.close()
    rows = "1 row" if report.rows == 1 else f"{report.rows:,} rows"
    limit = f" (the limit of {EXPORT_LIMIT:,}: more stories match)" if report.truncated else ""
    click.echo(f"exported {rows}{limit}" + (f" to {output}" if output else ""), err=True)


def terminal_snippet(snippet: str) -> str:
    """Snippet HTML as terminal text, matches in bold (plain when piped)."""
    bolded = MARK_RE.sub(lambda m: click.style(m.group(1), bold=True), snippet)
    return html.unescape(bolded)


@cli.command(name="explain")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@user_errors
def explain_command(file: Path) -> None:
    """Show what became of each line of a story file, and the fields read from it.

    Each line is marked header, headline, byline, credit, dateline, body, or
    dropped with the rule that dropped it.

    Example: wire explain corpus/000_622617eaaf54721c.txt
    """
    from .corpus import decode_story_bytes
    from .wire import explain_text

    story, fates = explain_text(decode_story_bytes(file.read_bytes()), path=file.name)
    for fate in fates:
        text = fate.text if len(fate.text) <= EXPLAIN_WIDTH else fate.text[: EXPLAIN_WIDTH - 1] + "…"
        rule = f"  [{fate.rule}]" if fate.rule and fate.fate != "body" else ""
        click.echo(f"{fate.fate:<9} {text}{rule}")
    click.echo("")
    for key in ("title", "date", "agency", "place", "dateline", "byline", "slug", "url", "source"):
        value = getattr(story, key)
        click.echo(f"{key + ':':<10}{value.isoformat() if key == 'date' and value else value or '-'}")


@cli.command(name="serve")
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


def main() -> None:
    cli(prog_name="wire")
