"""The `wire` commands that read the index or a story file: search, export, explain."""

from __future__ import annotations

import html
import json
import re
import sys
from pathlib import Path

import click

from ..export import EXPORT_LIMIT, FORMATS, export_search
from ..limits import MAX_PAGELEN
from ..search import DEFAULT_PAGELEN, DEFAULT_SORT, SORTS, Hit, SearchRequest
from ..timeline import render_text_chart
from .options import index_option, user_errors

MARK_RE = re.compile(r"<mark>(.*?)</mark>", re.S)
# `wire explain` shows this many characters of a line.
EXPLAIN_WIDTH = 100


@click.command(name="search")
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
    from ..backends import open_search

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
    from ..check import was_interrupted

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


@click.command(name="export")
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
    request = SearchRequest(" ".join(query), sort=sort, collapse=not all_copies)
    report = export_search(index_dir, request, fmt, output or sys.stdout, body=body)
    rows = "1 row" if report.rows == 1 else f"{report.rows:,} rows"
    limit = f" (the limit of {EXPORT_LIMIT:,}: more stories match)" if report.truncated else ""
    click.echo(f"exported {rows}{limit}" + (f" to {output}" if output else ""), err=True)


def terminal_snippet(snippet: str) -> str:
    """Snippet HTML as terminal text, matches in bold (plain when piped)."""
    bolded = MARK_RE.sub(lambda m: click.style(m.group(1), bold=True), snippet)
    return html.unescape(bolded)


@click.command(name="explain")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@user_errors
def explain_command(file: Path) -> None:
    """Show what became of each line of a story file, and the fields read from it.

    Each line is marked header, headline, byline, credit, dateline, body, or
    dropped with the rule that dropped it.

    Example: wire explain corpus/000_622617eaaf54721c.txt
    """
    from ..corpus import decode_story_bytes
    from ..wire import explain_text

    story, fates = explain_text(decode_story_bytes(file.read_bytes()), path=file.name)
    for fate in fates:
        text = fate.text if len(fate.text) <= EXPLAIN_WIDTH else fate.text[: EXPLAIN_WIDTH - 1] + "…"
        rule = f"  [{fate.rule}]" if fate.rule and fate.fate != "body" else ""
        click.echo(f"{fate.fate:<9} {text}{rule}")
    click.echo("")
    for key in ("title", "date", "agency", "place", "dateline", "byline", "slug", "url", "source"):
        value = getattr(story, key)
        click.echo(f"{key + ':':<10}{value.isoformat() if key == 'date' and value else value or '-'}")


# registered on the `wire` group, in this order
COMMANDS = (search_command, export_command, explain_command)
