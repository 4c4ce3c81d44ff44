"""Pure wire-copy parsing: headers, datelines, agencies, sign-off slugs, boilerplate.

Nothing here does I/O. The patterns themselves are data in indexer.rules.
"""

from __future__ import annotations

import datetime as dt
import re

from dateutil import parser as dateparser

from .agencies import normalise_agency
from .credits import find_credit
from .datelines import Dateline, dateline_date, normalise_place, parse_dateline
from .ending import drop_after_signoff, drop_chrome_below, drop_related_links, split_signoff
from .layout import DROPPED, HEADER, Fate, Layout, boilerplate_rule, sort_lines
from .story import BadStoryError, Story

__all__ = [
    "Dateline",
    "dateline_date",
    "derive_title",
    "explain_story",
    "explain_text",
    "is_boilerplate",
    "normalise_agency",
    "normalise_place",
    "parse_dateline",
    "parse_header",
    "parse_story",
    "split_signoff",
    "story_from_text",
    "strip_boilerplate",
]

# --- headers -----------------------------------------------------------------------------

# Leading "Key: value" lines of a corpus file (see corpus/README.md), up to a blank line.
HEADER_KEYS = {"title", "headline", "date", "url", "source", "agency", "place", "slug", "raw"}
HEADER_LINE_RE = re.compile(r"^(?P<key>[A-Za-z]+):[ \t]*(?P<value>.*?)\s*$")
# The scraped-file field the seed story starts with: " date 2024-02-19 New Delhi, ..."
DATE_FIELD_RE = re.compile(r"^\s*date\s+(?P<date>\d{4}-\d{2}-\d{2})\b[ \t]*")

TITLE_MAX_CHARS = 110
# A dateline's day takes its year from a stamp on the page this many days from it at most.
DATELINE_STAMP_DAYS = 7
# A full stop, ! or ? then space and a capital or quote: a candidate sentence end.
SENTENCE_END_RE = re.compile(r"(?<=[\w)\"”’])[.!?][\"”’]?(?=\s+[A-Z\"“‘])")
# Words whose full stop does not end a sentence.
ABBREVIATIONS = {
    "dr",
    "mr",
    "mrs",
    "ms",
    "prof",
    "st",
    "gen",
    "lt",
    "col",
    "sgt",
    "capt",
    "maj",
    "rev",
    "hon",
    "jr",
    "sr",
    "inc",
    "co",
    "corp",
    "ltd",
    "no",
    "vs",
    "u.s",
    "u.k",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
    "sen",
    "rep",
    "gov",
    "pvt",
    "sh",
    "smt",
    "messrs",
    "mt",
    "ft",
    "approx",
    "est",
}


def parse_header(text: str) -> tuple[dict[str, str], str]:
    """Split a corpus file into its header fields and the body text."""
    fields: dict[str, str] = {}
    match = DATE_FIELD_RE.match(text)
    if match:
        return {"date": match["date"]}, text[match.end() :]
    lines = text.lstrip("\ufeff").split("\n")
    for i, line in enumerate(lines):
        if not line.strip():
            if fields:
                return fields, "\n".join(lines[i + 1 :])
            break
        m = HEADER_LINE_RE.match(line)
        if not m or m["key"].lower() not in HEADER_KEYS:
            break
        key = "title" if m["key"].lower() == "headline" else m["key"].lower()
        fields[key] = m["value"]
    return {}, text.lstrip("\ufeff")


def parse_date(value: str) -> dt.date | None:
    """A calendar date from a header or meta value, or None when it is not one.

    A value without a year ("Feb 19") is not a date: dateutil would fill in the
    current year, which would make parsing depend on the clock.
    """
    value = value.strip()
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        pass
    try:
        # two different defaults: a part taken from the default differs between them
        first = dateparser.parse(value, default=dt.datetime(2000, 1, 1))
        second = dateparser.parse(value, default=dt.datetime(2004, 2, 2))
    except (ValueError, OverflowError):
        return None
    if first.year != second.year:
        return None
    return first.date()


def is_boilerplate(paragraph: str) -> bool:
    """True for a stand-alone line of site junk (ad label, share prompt, credit...)."""
    return bool(boilerplate_rule(paragraph))


def split_paragraphs(text: str) -> list[str]:
    """Paragraphs separated by blank lines, inner whitespace folded."""
    paragraphs = re.split(r"\n\s*\n", text.replace("\r\n", "\n").replace("\r", "\n"))
    folded = (re.sub(r"[ \t\f\v\u00a0]+", " ", p).strip() for p in paragraphs)
    return [p for p in folded if p]


def strip_boilerplate(paragraphs: list[str]) -> list[str]:
    """Drop paragraphs (and single lines inside them) that are site junk."""
    kept = []
    for paragraph in paragraphs:
        lines = [line for line in paragraph.split("\n") if not is_boilerplate(line)]
        if lines:
            kept.append("\n".join(lines).strip())
    return [p for p in kept if p]


# Words ending in a full stop that do not end a sentence: initials ("M.K", "U.S").
INITIALS_RE = re.compile(r"(?:[A-Za-z]\.)*[A-Za-z]")


def lead_sentence(text: str) -> str:
    """The first sentence of a paragraph; "Dr.", "U.S." and "M.K. Stalin" do not end it."""
    for m in SENTENCE_END_RE.finditer(text):
        word = text[: m.start() + 1].rsplit(None, 1)[-1].rstrip(".").lstrip('("“‘')
        if word.lower() in ABBREVIATIONS or len(word) == 1 or INITIALS_RE.fullmatch(word):
            continue
        return text[: m.start() + 1]
    return text


def derive_title(body: str, limit: int = TITLE_MAX_CHARS) -> str:
    """A short headline from the lead sentence, cut at a word boundary (never in initials)."""
    lines = [ln for ln in body.strip().split("\n") if ln.strip() and not is_boilerplate(ln)]
    sentence = lead_sentence(lines[0] if lines else "").rstrip()
    if len(sentence) <= limit:
        return sentence
    words = sentence[:limit].rsplit(" ", 1)[0].split(" ")
    # "... Chief Minister M.K." would cut a name: step back over initials
    while len(words) > 1 and INITIALS_RE.fullmatch(words[-1].rstrip(".")) and words[-1].endswith("."):
        words.pop()
    return " ".join(words).rstrip(" ,;:-–—") + "…"


def story_date(layout: Layout, header_date: dt.date | None) -> dt.date | None:
    """Header first, then the dateline (its year, or a stamp's), then a stamp or credit line."""
    if header_date:
        return header_date
    near = layout.stamp_date or (layout.credit.date if layout.credit else None)
    line = layout.dateline
    if line and line.month and line.day:
        date = dateline_date(line, near)
        # a stamp far from the dateline's day is about something else: trust the stamp
        if date and near and not line.year and abs((date - near).days) > DATELINE_STAMP_DAYS:
            return near
        return date or near
    return near


def story_from_text(
    body: str,
    *,
    id: str,
    title: str = "",
    date: dt.date | None = None,
    url: str = "",
    source: str = "",
    place: str = "",
    agency: str = "",
    slug: str = "",
    path: str = "",
    chrome_above: bool = True,
) -> Story:
    """Clean raw story text and read its wire metadata into a Story.

    `chrome_above=False` for text an extractor already chose as the article: lines
    above the first paragraph are then kept unless a dateline follows them."""
    return explain_story(
        body,
        id=id,
        chrome_above=chrome_above,
        title=title,
        date=date,
        url=url,
        source=source,
        place=place,
        agency=agency,
        slug=slug,
        path=path,
    )[0]


def explain_story(
    body: str, *, id: str, chrome_above: bool = True, **fields: object
) -> tuple[Story, list[Fate]]:
    """The Story and, line by line, what became of each line of `body` and by which rule."""
    layout = sort_lines(body, chrome_above=chrome_above)
    if not layout.paragraphs:
        raise BadStoryError("no story text")
    drop_after_signoff(layout)
    if chrome_above:
        drop_related_links(layout)
        drop_chrome_below(layout)
    text, found_slug, signoff_agency = split_signoff("\n\n".join(layout.paragraphs))
    if not text.strip():
        raise BadStoryError("no story text after removing the dateline and sign-off")
    if found_slug:
        layout.fates.append(Fate(found_slug, DROPPED, "sign-off"))
    line, credit = layout.dateline, layout.credit
    title = str(fields.get("title") or "").strip()
    story = Story(
        id=id,
        title=title or layout.headline or derive_title(text),
        body=text,
        date=story_date(layout, fields.get("date")),  # type: ignore[arg-type]
        place=str(fields.get("place") or "")
        or (line.place if line else "")
        or (credit.place if credit else ""),
        agency=str(fields.get("agency") or "")
        or (line.agency if line else "")
        or layout.byline_agency
        or (credit.agency if credit else "")
        or signoff_agency
        or find_credit(layout.lines)[0],
        slug=str(fields.get("slug") or "") or found_slug,
        url=str(fields.get("url") or ""),
        source=str(fields.get("source") or ""),
        dateline=line.text if line else "",
        byline=layout.byline,
        path=str(fields.get("path") or ""),
    )
    return story, layout.fates


def parse_story(text: str, *, path: str | None = None, id: str | None = None) -> Story:
    """Parse one corpus file's text (header optional) into a cleaned Story."""
    return explain_text(text, path=path, id=id)[0]


def explain_text(text: str, *, path: str | None = None, id: str | None = None) -> tuple[Story, list[Fate]]:
    """Parse one corpus file's text and say, line by line, what became of each line."""
    if "\x00" in text:
        raise BadStoryError("binary content (NUL bytes)")
    if not text.strip():
        raise BadStoryError("empty file")
    # old Mac files end lines with a bare \r: read as one line, the header swallowed the story
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    fields, body = parse_header(text)
    header = text[: len(text) - len(body)] if body and text.endswith(body) else ""
    story, fates = explain_story(
        body,
        id=id or story_id_from_path(path) or "story",
        title=fields.get("title", ""),
        date=parse_date(fields.get("date", "")),
        url=fields.get("url", ""),
        source=fields.get("source", ""),
        place=fields.get("place", ""),
        agency=normalise_agency(fields["agency"]) if fields.get("agency") else "",
        slug=fields.get("slug", ""),
        path=path or "",
    )
    header_fates = [Fate(line.strip(), HEADER) for line in header.splitlines() if line.strip()]
    return story, header_fates + fates


def story_id_from_path(path: str | None) -> str:
    """The id of a corpus file: its name without directory and extensions."""
    if not path:
        return ""
    name = path.replace("\\", "/").rsplit("/", 1)[-1]
    return name.split(".", 1)[0]
