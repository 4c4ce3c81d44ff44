"""The `wire` commands that write: reindex, import, add, check."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..builds import AddReport
from ..pagefiles import check_page_paths, read_pages
from ..remoteadd import send_pages
from .options import corpus_option, index_option, notify, progress_bar, user_errors, wait_option


@click.command(name="reindex")
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
    from ..ingest import count_story_files, reindex

    with progress_bar(count_story_files(corpus_dir) if corpus_dir.is_dir() else None, "indexing") as bar:
        report = reindex(corpus_dir, index_dir, on_progress=bar.update, wait=wait, notify=notify)
    for path, reason in report.skipped:
        click.echo(f"skipped {path}: {reason}", err=True)
    stories = "1 story" if report.indexed == 1 else f"{report.indexed:,} stories"
    click.echo(
        f"indexed {stories}, skipped {len(report.skipped)}, "
        f"in {report.seconds:.1f} s ({report.rate:.0f} stories/s)"
    )


@click.command(name="import")
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
    from ..ingest import import_archives

    with progress_bar(None, "importing") as bar:
        report = import_archives(
            corpus_dir, index_dir, files, on_progress=bar.update, wait=wait, notify=notify
        )
    _print_add_report(report, "imported")


@click.command(name="add")
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
    check_page_paths(paths, url)
    if server:
        report = send_pages(server, read_pages(paths), url=url)
    else:
        report = _add_here(paths, url, corpus_dir, index_dir, wait)
    _print_add_report(report, "added")
    if report.skipped:
        sys.exit(1)


def _add_here(
    paths: tuple[Path, ...], url: str | None, corpus_dir: Path, index_dir: Path, wait: float
) -> AddReport:
    from ..ingest import add_pages

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


@click.command(name="check")
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
    from ..check import describe_check
    from ..ingest import check_corpus

    report, done = check_corpus(corpus_dir, index_dir, repair=repair, wait=wait, notify=notify)
    for line in done:
        click.echo(line)
    for line in describe_check(report):
        click.echo(line)
    if not report.agrees:
        sys.exit(1)


# registered on the `wire` group, in this order
COMMANDS = (reindex_command, import_command, add_command, check_command)
