"""Exporting a result set as CSV or JSON Lines, one row at a time.

Pure and engine-neutral: rows are made from `search.Hit`s as a backend's
`iter_hits` yields them, so an export of any size starts at once and holds one
row in memory. The web UI streams `export_lines`; the CLI's `export_search`
writes them to a file atomically or to a stream with `write_export`.
"""

from __future__ import annotations

import csv
import html
import io
import json
import os
import re
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from .backends import open_search
from .search import Hit, SearchRequest

# The columns of every export, in order; BODY_COLUMN is added on request.
EXPORT_COLUMNS = (
    "id",
    "date",
    "agency",
    "place",
    "source",
    "url",
    "title",
    "byline",
    "cluster",
    "copies",
    "snippet",
)
BODY_COLUMN = "body"
FORMATS = ("csv", "jsonl")
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson; charset=utf-8"}
# The most rows one export holds; past it the file's last line says so.
EXPORT_LIMIT = 100_000
# Spreadsheets run a cell starting with these as a formula (OWASP's list: tab and CR too).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# Spreadsheets read UTF-8 CSV correctly only with this mark first.
UTF8_BOM = "\ufeff"
MARK_TAG_RE = re.compile(r"</?mark>")
# Characters per write or HTTP chunk: a row each cost a system call (twice the time over HTTP).
CHUNK_CHARS = 64 * 1024


class ExportError(ValueError):
    """An export that cannot be made as asked; the message says why."""


@dataclass
class ExportReport:
    """What an export wrote."""

    rows: int = 0
    truncated: bool = False


def plain_snippet(snippet: str) -> str:
    """Snippet HTML (only <mark> is markup) as plain text."""
    return html.unescape(MARK_TAG_RE.sub("", snippet))


def export_row(hit: Hit, body: bool = False) -> dict[str, object]:
    """One row: EXPORT_COLUMNS (and BODY_COLUMN when asked) from a hit.

    Without syndication clusters a story is its own cluster of one copy.
    """
    cluster = getattr(hit, "cluster", "") or hit.id
    copies = getattr(hit, "copies", 0) or 1
    row: dict[str, object] = {
        "id": hit.id,
        "date": hit.date.isoformat() if hit.date else None,
        "agency": hit.agency,
        "place": hit.place,
        "source": hit.source,
        "url": hit.url,
        "title": hit.title,
        "byline": hit.byline,
        "cluster": cluster,
        "copies": copies,
        "snippet": plain_snippet(hit.snippet),
    }
    if body:
        row[BODY_COLUMN] = hit.body or ""
    return row


def neutralise_cell(value: object) -> object:
    """A text cell a spreadsheet would run as a formula, prefixed with ' to stay text."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def limit_note(limit: int) -> str:
    return (
        f"export limit reached: these are the first {limit:,} rows and more stories match; "
        "narrow the search (dates, filters) to export the rest"
    )


class CsvLines:
    """CSV records one at a time (RFC 4180: quoted when needed, CRLF), formulas neutralised."""

    def __init__(self) -> None:
        self._buffer = io.StringIO()
        self._writer = csv.writer(self._buffer)

    def __call__(self, values: Iterable[object]) -> str:
        self._buffer.seek(0)
        self._buffer.truncate()
        self._writer.writerow(["" if v is None else neutralise_cell(v) for v in values])
        return self._buffer.getvalue()


def csv_line(values: Iterable[object]) -> str:
    """One CSV record, formulas neutralised."""
    return CsvLines()(values)


def chunk_lines(lines: Iterable[str], size: int = CHUNK_CHARS) -> Iterator[str]:
    """Lines joined into chunks of about `size` characters: one write or send each."""
    pending: list[str] = []
    length = 0
    for line in lines:
        pending.append(line)
        length += len(line)
        if length >= size:
            yield "".join(pending)
            pending, length = [], 0
    if pending:
        yield "".join(pending)


def export_lines(
    hits: Iterable[Hit],
    fmt: str,
    *,
    limit: int = EXPORT_LIMIT,
    body: bool = False,
    report: ExportReport | None = None,
) -> Iterator[str]:
    """The export as text chunks: at most `limit` rows, then a last line stating
    the cap if more hits came. `hits` should yield limit + 1 to tell.

    CSV: a UTF-8 BOM, a header row, one record per hit. JSON Lines: one object
    per hit. `body` adds the body column (from Hit.body: ask iter_hits for it).
    """
    if fmt not in FORMATS:
        raise ExportError(f"format must be one of {', '.join(FORMATS)}")
    report = report if report is not None else ExportReport()
    columns = (*EXPORT_COLUMNS, BODY_COLUMN) if body else EXPORT_COLUMNS
    csv_line = CsvLines()
    if fmt == "csv":
        yield UTF8_BOM + csv_line(columns)
    for hit in hits:
        if report.rows >= limit:
            report.truncated = True
            break
        row = export_row(hit, body)
        report.rows += 1
        if fmt == "csv":
            yield csv_line(row[c] for c in columns)
        else:
            yield json.dumps(row, ensure_ascii=False) + "\n"
    if report.truncated:
        note = limit_note(limit)
        # CSV: a row of its own, starting with # so a reader can skip it
        yield csv_line([f"# {note}"]) if fmt == "csv" else json.dumps({"notice": note, "limit": limit}) + "\n"


def current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextmanager
def atomic_text_file(path: Path) -> Iterator[IO[str]]:
    """A text file that appears at `path` complete or not at all."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        # mkstemp makes the file private; the export gets the mode any new file would
        os.chmod(tmp, 0o666 & ~current_umask())
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            yield out
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def write_export(lines: Iterable[str], out: IO[str]) -> None:
    """Write export chunks to an open text stream (newline="" for CSV's CRLF)."""
    for chunk in chunk_lines(lines):
        out.write(chunk)


def export_search(
    index_dir: Path, request: SearchRequest, fmt: str, output: Path | IO[str], *, body: bool = False
) -> ExportReport:
    """Every match of `request` (at most EXPORT_LIMIT rows) exported from the configured
    search of `index_dir` to a file, complete or not at all, or to an open text stream."""
    if isinstance(output, Path) and not output.parent.is_dir():
        raise ExportError(f"no such folder: {output.parent}")
    backend = open_search(index_dir)
    report = ExportReport()
    try:
        hits = backend.iter_hits(request, EXPORT_LIMIT + 1, body=body)
        lines = export_lines(hits, fmt, body=body, report=report)
        if isinstance(output, Path):
            with atomic_text_file(output) as out:
                write_export(lines, out)
        else:
            write_export(lines, output)
    finally:
        backend.close()
    return report
