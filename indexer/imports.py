"""Readers for bulk wire archives: Reuters-21578 SGML and JSON Lines. Pure.

Each yields ImportRecord (what to write into the corpus) or ImportProblem (a
record that cannot be used, with the reason); the CLI writes and reports.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from .wire import parse_date

REUTERS_RE = re.compile(r"<REUTERS\b(?P<attrs>[^>]*)>(?P<inner>.*?)</REUTERS>", re.S)
NEWID_RE = re.compile(r'NEWID="(\d+)"')
# SGML numeric references to control characters (&#2; starts, &#3; ends a story)
CONTROL_REF_RE = re.compile(r"&#(?:[0-9]|[12][0-9]|3[01]);")
# Reuters-21578 briefs carry this placeholder instead of a body.
BRIEF_BODY = "Blah blah blah."
# A line with an inner run of spaces is a table row; keep its line breaks.
TABLE_ROW_RE = re.compile(r"\S {2,}\S|\.{3,}")
ID_UNSAFE_RE = re.compile(r"[^A-Za-z0-9_-]+")
MAX_ID_CHARS = 64
# A UTF-16 surrogate on its own (JSON allows "\ud800"); not text, and UTF-8 cannot hold it.
LONE_SURROGATE_RE = re.compile(r"[\ud800-\udfff]")
# What a line reader gives in place of a line too long to read (see ingest.bounded_lines).
LONG_LINE = "\x00long line"


@dataclass(frozen=True)
class ImportRecord:
    id: str
    date: dt.date | None
    fields: dict[str, str]
    body: str


@dataclass(frozen=True)
class ImportProblem:
    where: str
    reason: str


def _tag(inner: str, name: str) -> str:
    m = re.search(rf"<{name}\b[^>]*>(.*?)</{name}>", inner, re.S)
    return m.group(1) if m else ""


def _clean_sgml(text: str) -> str:
    return html.unescape(CONTROL_REF_RE.sub("", text)).replace("\x7f", "")


def reflow_reuters_body(text: str) -> str:
    """Join wrapped lines into paragraphs (new ones start indented); keep tables."""
    paragraphs: list[list[str]] = []
    # a bare carriage return ends a line too; dropping it glued words together
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if not line.strip():
            paragraphs.append([])
            continue
        starts_new = line.startswith((" ", "\t")) or not paragraphs or not paragraphs[-1]
        is_table = bool(TABLE_ROW_RE.search(line.strip()))
        if starts_new or is_table or (paragraphs[-1] and TABLE_ROW_RE.search(paragraphs[-1][-1])):
            paragraphs.append([line.strip()])
        else:
            paragraphs[-1].append(line.strip())
    return "\n\n".join(" ".join(p) for p in paragraphs if p)


def split_unprocessed_headline(text: str) -> tuple[str, str]:
    """An unprocessed Reuters story's headline (its first line) and the text below it.

    Such stories (tables, prices, corrections) have no <TITLE>: the headline is the
    first line, as the slug above it shows. Left in the text, the page-text parser
    took a table's column line as the headline and the headline as chrome, so
    different tables with one column line shared a title."""
    first, _, rest = text.strip("\n").partition("\n")
    wrapped = "\n" not in rest.strip() and not rest[:1].isspace()  # a brief's headline on two lines
    if not rest.strip() or wrapped:
        return "", text  # the headline is the story: nothing apart from it
    return " ".join(first.split()), rest


def read_reuters_sgml(text: str, *, source: str = "Reuters-21578") -> Iterator[ImportRecord | ImportProblem]:
    """Stories of one reut2-NNN.sgm file (decoded as latin-1)."""
    for m in REUTERS_RE.finditer(text):
        newid = NEWID_RE.search(m["attrs"])
        if not newid:
            yield ImportProblem("<REUTERS>", "no NEWID attribute")
            continue
        inner = m["inner"]
        title = " ".join(_clean_sgml(_tag(inner, "TITLE")).split())
        dateline = " ".join(_clean_sgml(_tag(inner, "DATELINE")).split())
        body = _clean_sgml(_tag(inner, "BODY"))
        if not body.strip():
            # briefs and unprocessed stories keep their text directly inside <TEXT>
            bare = re.sub(r"<(TITLE|DATELINE)>.*?</\1>", " ", _tag(inner, "TEXT"), flags=re.S)
            body = _clean_sgml(re.sub(r"<[^>]+>", " ", bare)).lstrip(" *\n")
            if not title:
                title, body = split_unprocessed_headline(body)
        body = reflow_reuters_body(body.replace(BRIEF_BODY, ""))
        if not (body.strip() or title):
            yield ImportProblem(f"NEWID {newid[1]}", "no title and no text")
            continue
        if dateline:
            body = f"{dateline} {body}".strip()
        if not re.sub(r"\W|Reuters?", "", body, flags=re.I):
            body = f"{body}\n\n{title}" if body else title  # a brief: the headline is the story
        date = parse_date(_tag(inner, "DATE").strip())
        fields = {"title": titlecase(title) if title.isupper() else title, "source": source}
        if date:
            fields["date"] = date.isoformat()
        yield ImportRecord(f"reuters-{newid[1]}", date, fields, body)
    last = text.rfind("<REUTERS")
    if last >= 0 and "</REUTERS>" not in text[last:]:
        # a record opened and never closed: the file was cut (a truncated download)
        newid = NEWID_RE.search(text, last, last + 300)
        where = f"NEWID {newid[1]}" if newid else "the last <REUTERS> record"
        yield ImportProblem(where, "the file ends inside this record (truncated?): not imported")


def clean_text(text: str) -> str:
    """Text that UTF-8 can hold: lone surrogates become U+FFFD."""
    return LONE_SURROGATE_RE.sub("\ufffd", text)


def titlecase(text: str) -> str:
    """'OHIO MATTRESS <OMT> 1ST QTR' -> 'Ohio Mattress <Omt> 1st Qtr'."""
    return re.sub(r"(?<![\w'])[a-z]", lambda m: m.group(0).upper(), text.lower())


def safe_id(text: str) -> str:
    """A story id safe as a file name."""
    return ID_UNSAFE_RE.sub("-", text).strip("-")[:MAX_ID_CHARS]


def content_id(*parts: str) -> str:
    """A content-addressed id: 16 hex characters of sha256."""
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:16]


def read_json_lines(lines: Iterable[str], *, where: str = "") -> Iterator[ImportRecord | ImportProblem]:
    """Stories of a scraper's JSON Lines export: title, date, body or text, url."""
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        place = f"{where}:{number}"
        if line == LONG_LINE:
            yield ImportProblem(place, "line too long (over the JSON Lines line limit): skipped")
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as e:
            yield ImportProblem(place, f"not JSON ({e.msg})")
            continue
        if not isinstance(item, dict):
            yield ImportProblem(place, "not a JSON object")
            continue
        item = {k: clean_text(v) if isinstance(v, str) else v for k, v in item.items()}
        body = item.get("body") or item.get("text") or item.get("content") or ""
        if not isinstance(body, str) or not body.strip():
            yield ImportProblem(place, "no body or text")
            continue
        fields = {
            k: " ".join(str(item[k]).split())
            for k in ("title", "url", "source", "agency", "place")
            if isinstance(item.get(k), str | int | float) and str(item[k]).strip()
        }
        date = parse_date(str(item.get("date") or item.get("published") or ""))
        if date:
            fields["date"] = date.isoformat()
        given = safe_id(str(item.get("id") or ""))
        story_id = given or content_id(fields.get("url", ""), body)
        yield ImportRecord(story_id, date, fields, body)
