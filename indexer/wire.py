"""Pure wire-copy parsing: headers, datelines, agencies, sign-off slugs, boilerplate.

Nothing here does I/O. The patterns themselves are data in indexer.rules.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from dateutil import parser as dateparser

from .rules import (
    AGENCY_NAMES,
    AGENCY_NAMES_LOWER,
    BOILERPLATE_RE,
    DATELINE_RE,
    MAX_BOILERPLATE_CHARS,
    MONTHS,
    SIGNOFF_PATTERNS,
    SIGNOFF_TAIL_CHARS,
)
from .story import BadStoryError, Story

# --- headers -----------------------------------------------------------------------------

# Leading "Key: value" lines of a corpus file (see corpus/README.md), up to a blank line.
HEADER_KEYS = {"title", "headline", "date", "url", "source", "agency", "place", "slug", "raw"}
HEADER_LINE_RE = re.compile(r"^(?P<key>[A-Za-z]+):[ \t]*(?P<value>.*?)\s*$")
# The scraped-file field the seed story starts with: " date 2024-02-19 New Delhi, ..."
DATE_FIELD_RE = re.compile(r"^\s*date\s+(?P<date>\d{4}-\d{2}-\d{2})\b[ \t]*")

TITLE_MAX_CHARS = 110
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


@dataclass(frozen=True)
class Dateline:
    """What a dateline says; `end` is where the story text starts after it."""

    text: str
    place: str
    agency: str
    month: int | None
    day: int | None
    year: int | None
    end: int


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


def normalise_place(place: str) -> str:
    """'NEW DELHI' -> 'New Delhi'; mixed case is kept as written."""
    place = place.strip(" ,.-")
    return place.title() if place.isupper() else place


def normalise_agency(name: str) -> str:
    """Canonical agency name for a spelling found in copy."""
    name = name.strip()
    return AGENCY_NAMES.get(name) or AGENCY_NAMES_LOWER.get(name.lower(), name)


def parse_dateline(text: str) -> Dateline | None:
    """Read the dateline that opens `text`, or None when there is none."""
    m = DATELINE_RE.match(text[:200])
    if not m:
        return None
    agency = m["agency"] or m["agency_only"]
    # "Tokyo, March 3 the company said" is prose: a date alone needs a separator;
    # "The Press Trust of India (PTI) said" too: an agency without a date needs
    # a separator or a place in capitals ("WASHINGTON (AP) The ...").
    if not m["sep"] and not (m["month"] and agency) and not m["place"].isupper():
        return None
    # Without an agency or a date only a place in capitals makes a dateline
    # ("WASHINGTON —", "NEW DELHI:"); "Officials said: ..." is prose.
    if not agency and not m["month"] and not m["place"].isupper():
        return None
    return Dateline(
        text=m.group(0).strip(),
        place=normalise_place(m["place"]),
        agency=normalise_agency(agency) if agency else "",
        month=MONTHS[m["month"].lower()] if m["month"] else None,
        day=int(m["day"]) if m["day"] else None,
        year=int(m["year"]) if m["year"] else None,
        end=m.end(),
    )


def dateline_date(line: Dateline, near: dt.date | None = None) -> dt.date | None:
    """The date a dateline names, taking the year from itself or from `near`."""
    if line.month is None or line.day is None:
        return None
    year = line.year or (near.year if near else None)
    if year is None:
        return None
    try:
        return dt.date(year, line.month, line.day)
    except ValueError:
        return None


def split_signoff(body: str) -> tuple[str, str, str]:
    """Remove trailing sign-offs; return (body, slug, agency named by the sign-off)."""
    slugs: list[str] = []
    agency = ""
    changed = True
    while changed:
        changed = False
        # sign-offs sit at the very end: search only the tail, not the whole story
        offset = max(0, len(body) - SIGNOFF_TAIL_CHARS)
        tail = body[offset:]
        for pattern in SIGNOFF_PATTERNS:
            m = pattern.search(tail)
            if m and offset + m.start("slug") > 0:
                slugs.insert(0, " ".join(m["slug"].split()))
                agency = agency or normalise_agency(m.groupdict().get("agency") or "")
                body = body[: offset + m.start()].rstrip()
                changed = True
                break
    return body, " ".join(slugs), agency


def is_boilerplate(paragraph: str) -> bool:
    """True for a stand-alone line of site junk (ad label, share prompt, credit...)."""
    text = paragraph.strip()
    return len(text) <= MAX_BOILERPLATE_CHARS and BOILERPLATE_RE.fullmatch(text) is not None


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


def lead_sentence(text: str) -> str:
    """The first sentence of a paragraph; abbreviations like "Dr." do not end it."""
    for m in SENTENCE_END_RE.finditer(text):
        word = text[: m.start() + 1].rsplit(None, 1)[-1].rstrip(".").lstrip('("“‘')
        if word.lower() in ABBREVIATIONS or len(word) == 1:
            continue
        return text[: m.start() + 1]
    return text


def derive_title(body: str, limit: int = TITLE_MAX_CHARS) -> str:
    """A short headline from the lead sentence, cut at a word boundary."""
    sentence = lead_sentence(body.strip().split("\n", 1)[0]).rstrip()
    if len(sentence) <= limit:
        return sentence
    cut = sentence[:limit].rsplit(" ", 1)[0].rstrip(" ,;:-–—")
    return cut + "…"


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
) -> Story:
    """Clean raw story text and read its wire metadata into a Story."""
    paragraphs = strip_boilerplate(split_paragraphs(body))
    if not paragraphs:
        raise BadStoryError("no story text")
    dateline = parse_dateline(paragraphs[0])
    if dateline:
        paragraphs[0] = paragraphs[0][dateline.end :].strip()
        if not paragraphs[0]:
            paragraphs.pop(0)
    text, found_slug, signoff_agency = split_signoff("\n\n".join(paragraphs))
    if not text.strip():
        raise BadStoryError("no story text after removing the dateline and sign-off")
    return Story(
        id=id,
        title=title.strip() or derive_title(text),
        body=text,
        date=date or (dateline_date(dateline, None) if dateline else None),
        place=place or (dateline.place if dateline else ""),
        agency=agency or (dateline.agency if dateline else "") or signoff_agency,
        slug=slug or found_slug,
        url=url,
        source=source,
        dateline=dateline.text if dateline else "",
        path=path,
    )


def parse_story(text: str, *, path: str | None = None, id: str | None = None) -> Story:
    """Parse one corpus file's text (header optional) into a cleaned Story."""
    if "\x00" in text:
        raise BadStoryError("binary content (NUL bytes)")
    if not text.strip():
        raise BadStoryError("empty file")
    # old Mac files end lines with a bare \r: read as one line, the header swallowed the story
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    fields, body = parse_header(text)
    date = parse_date(fields.get("date", ""))
    story_id = id or story_id_from_path(path) or "story"
    return story_from_text(
        body,
        id=story_id,
        title=fields.get("title", ""),
        date=date,
        url=fields.get("url", ""),
        source=fields.get("source", ""),
        place=fields.get("place", ""),
        agency=normalise_agency(fields["agency"]) if fields.get("agency") else "",
        slug=fields.get("slug", ""),
        path=path or "",
    )


def story_id_from_path(path: str | None) -> str:
    """The id of a corpus file: its name without directory and extensions."""
    if not path:
        return ""
    name = path.replace("\\", "/").rsplit("/", 1)[-1]
    return name.split(".", 1)[0]
