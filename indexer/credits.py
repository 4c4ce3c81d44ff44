"""Who filed a story: bylines, credit lines and agency credits anywhere in the text (pure)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import re
from dataclasses import dataclass

from .agencies import AGENCY_NAMES, OPEN_AGENCY_ALT, is_agency_name, normalise_agency
from .datelines import (
    CACHE_LINES,
    Dateline,
    is_place_words,
    parse_dateline,
    parse_stamp,
    split_byline_dateline,
)
from .rules import CREDIT_PATTERNS

BYLINE_START_RE = re.compile(r"^(?:by|written by|reported by|article by)\s*:?\s+", re.IGNORECASE)
# A part of a credit line naming a person: "Edited by Ravi", "Posted by Staff".
CREDIT_BY_RE = re.compile(
    r"^(?:(?:edited|written|reported|compiled|posted|article) )?by\s*:?\s+\S", re.IGNORECASE
)
# Words a byline's names may hold besides capitalised ones.
BYLINE_JOINERS = {"and", "&", "in", "with", "de", "van", "von", "bin", "al", "el"}
MAX_BYLINE_CHARS = 120
# An agency then a stamp on one line: "PTI Updated: February 19, 2024 10:30 IST".
AGENCY_STAMP_RE = re.compile(rf"^(?P<agency>{OPEN_AGENCY_ALT})\b[\s,:|-]+(?P<rest>\S.*)$")
# A part of a credit line this many words long is a headline ("Oil prices slip | Reuters").
HEADLINE_WORDS = 4
# Full names credited inside a byline: "..., Associated Press Writers"
FULL_NAMES = sorted((n for n in AGENCY_NAMES if len(n) > 4 and " " in n), key=len, reverse=True)


# A line naming a role instead of a name: "Staff Reporter", "FAN Editor", "Web Desk".
BYLINE_ROLE_RE = re.compile(
    r"^(?:[\w.'’&-]+ ){0,3}(?:editor|reporter|correspondent|writer|desk|bureau|staff(?: member)?|"
    r"contributor|news service)s?$",
    re.IGNORECASE,
)


def is_byline_role(text: str) -> bool:
    """True for a stand-alone role credit such as "Staff Reporter"."""
    return len(text) <= 60 and BYLINE_ROLE_RE.match(text.strip()) is not None


@dataclass(frozen=True)
class Byline:
    """A byline as written, the agency it names, and a dateline that follows it on the line."""

    text: str
    agency: str = ""
    dateline: Dateline | None = None


@dataclass(frozen=True)
class CreditLine:
    """A credit line such as "PTI | Chennai | Updated: 03-04-2022 21:29 IST"."""

    agency: str
    place: str = ""
    date: dt.date | None = None
    byline: str = ""
    headline: str = ""


def is_name_words(text: str) -> bool:
    """True for capitalised names: "F. Ahmed and Sarwar Kashani", "DARLENE SUPERVILLE"."""
    words = text.replace(",", " ").split()
    return bool(words) and all(w[:1].isupper() or w.lower() in BYLINE_JOINERS for w in words)


def agency_in_byline(text: str) -> str:
    """The agency a byline credits: "By Manish Chand, IANS" -> IANS, "..., Associated Press Writer" -> AP."""
    for part in (p.strip() for p in BYLINE_START_RE.sub("", text).split(",")):
        if is_agency_name(part):
            return normalise_agency(part)
    for name in FULL_NAMES:
        if name in text:
            return normalise_agency(name)
    return ""


@functools.lru_cache(maxsize=CACHE_LINES)
def parse_byline(text: str) -> Byline | None:
    """A byline opening `text`, with the dateline that may follow it on the same line."""
    m = BYLINE_START_RE.match(text)
    if not m:
        return None
    # "By IANS, Kolkata : ...", "By F. Ahmed and Sarwar Kashani, IANS, Srinagar : ..."
    for comma in (i for i, c in enumerate(text[:200]) if c == ","):
        line = parse_dateline(text[comma + 1 :].lstrip())
        if line:
            return _with_dateline(text, comma, line)
    # "By IANS New Delhi/Shimla : ..." (agency then dateline, no comma)
    first = text[m.end() :].split(None, 1)
    if len(first) == 2 and is_agency_name(first[0]):
        line = parse_dateline(first[1])
        if line:
            return _with_dateline(text, text.index(first[1], m.end()) - 1, line)
    # "By Lalit K Jha Washington, Aug 10 (PTI) ..."
    split = split_byline_dateline(text)
    if split:
        return Byline(split[0], agency_in_byline(split[0]) or split[1].agency, split[1])
    if len(text) <= MAX_BYLINE_CHARS and is_name_words(text[m.end() :]):
        return Byline(text.strip(), agency_in_byline(text))
    return None


def _with_dateline(text: str, cut: int, line: Dateline) -> Byline | None:
    byline = text[:cut].strip(" ,")
    if not is_name_words(BYLINE_START_RE.sub("", byline)):
        return None
    start = cut + 1 + (len(text[cut + 1 :]) - len(text[cut + 1 :].lstrip()))
    line = dataclasses.replace(line, end=start + line.end)
    return Byline(byline, agency_in_byline(byline) or line.agency, line)


@functools.lru_cache(maxsize=CACHE_LINES)
def parse_credit_line(text: str) -> CreditLine | None:
    """A line of credits: "PTI | Chennai | Updated: ...", "... | Mumbai | PTI", "Associated Press".

    A headline credited on its own line ("Oil prices slip | Reuters") keeps its words
    in `headline`.
    """
    if is_agency_name(text):
        return CreditLine(normalise_agency(text))
    # "PTI Updated: February 19, 2024 10:30 IST"
    m = AGENCY_STAMP_RE.match(text)
    if m and (stamp := parse_stamp(m["rest"])) is not None:
        return CreditLine(normalise_agency(m["agency"]), date=stamp)
    parts = [p.strip() for p in text.split("|")]
    if len(parts) < 2 or len(text) > 250:
        return None
    agency, place, date, byline, headline = "", "", None, "", ""
    for part in filter(None, parts):
        source = re.sub(r"^(?:source|agency)\s*:\s*", "", part, flags=re.IGNORECASE)
        if is_agency_name(source):
            agency = agency or normalise_agency(source)
        elif (stamp := parse_stamp(part)) is not None:
            date = date or stamp
        elif CREDIT_BY_RE.match(part):
            byline = byline or part
        elif not place and len(part.split()) <= 3 and is_place_words(part) and not re.search(r"\d", part):
            place = part
        elif len(part.split()) >= HEADLINE_WORDS and not headline:
            headline = part
        else:
            return None
    agency = agency or agency_in_byline(byline)
    if not agency and date is None:
        return None
    return CreditLine(agency, place if agency else "", date, byline, headline)


def find_credit(lines: list[str]) -> tuple[str, str]:
    """The agency credited anywhere ("(With inputs from PTI)", "Copyright APP") and by which rule."""
    for line in lines:
        for rule, pattern in CREDIT_PATTERNS.items():
            m = pattern.search(line)
            if m:
                return normalise_agency(m["agency"]), rule
    return "", ""
