"""Datelines and date stamps: where a story says it was filed, and when (pure).

`parse_dateline` reads a dateline opening a line; `parse_stamp` reads a stand-alone
date stamp ("Updated: 03-04-2022 21:29 IST"). The patterns are data in indexer.rules.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import re
from dataclasses import dataclass

from .agencies import is_agency_name, normalise_agency
from .rules import (
    DATELINE_RE,
    MAX_STAMP_CHARS,
    MONTHS,
    NO_PLACE_DATELINE_RE,
    NOT_PLACES,
    PERSON_WORDS,
    PLACE_FIRST_WORDS,
    PLACE_PARTICLES,
    STAMP_DATE_RES,
    STAMP_LABEL_RE,
    STAMP_TIME_RE,
)

# A title-case place with a bare separator ("New Delhi: The ...") is a dateline only
# when a real sentence of at least this many words follows it; "India: BJP desperate
# to rewrite history" is a headline.
MIN_SENTENCE_WORDS_AFTER = 8
# ... and with a dash ("Paris - Driving into ..."), a run of at least this many words.
MIN_DASH_WORDS_AFTER = 10
MAX_PLACE_WORDS = 5
# Lines are parsed more than once (where the story opens, then sorted): remember
# the answers for this many lines (pure functions of the line).
CACHE_LINES = 4096
TERMINAL_RE = re.compile(r"(?:[.!?]|…)[\"'”’)\]]*$")


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
    weak: bool = False  # a title-case place with neither agency nor date ("Raipur:")


def normalise_place(place: str) -> str:
    """'NEW DELHI' -> 'New Delhi', 'SÃO PAULO' -> 'São Paulo'; mixed case is kept as written."""
    place = re.sub(r"\s*/\s*", "/", " ".join(place.split())).strip(" ,.-")
    return place.title() if place.isupper() else place


def is_place_words(place: str) -> bool:
    """True when every word of `place` is capitalised (particles such as "de" aside)."""
    words = re.split(r"[ /]+", place.strip())
    if not words or len(words) > MAX_PLACE_WORDS + 3 or not words[0][:1].isupper():
        return False
    return all(w[:1].isupper() or w in PLACE_PARTICLES for w in words if w)


def is_place(place: str) -> bool:
    """Could `place` be a dateline's place? Not a weekday, an agency or glued junk."""
    words = place.split()
    return (
        is_place_words(place)
        and place.strip(" .,").lower() not in NOT_PLACES
        and words[0].strip(".,").lower() not in NOT_PLACES
        and not is_agency_name(place)
        and not is_agency_name(words[0])
        and not re.search(r"[a-z][A-Z]{2,}", place)  # "APP DigitalREVISED APRIL 04"
        and not re.search(r"\d", place)  # a table's row label ("APR7 -- --"), a figure
    )


def is_prose(text: str) -> bool:
    """A sentence, or a run of words holding a sentence end ("... on Monday. Full Story")."""
    return is_sentence(text) or (
        len(text.split()) >= 10 and re.search(r"[a-z]{2}[.!?][\"'”’)]*\s+[A-Z]", text) is not None
    )


def is_sentence(text: str, min_words: int = 4) -> bool:
    """True for text that reads as a sentence: it ends like one and has enough words."""
    return len(text.split()) >= min_words and TERMINAL_RE.search(text.strip()) is not None


@functools.lru_cache(maxsize=CACHE_LINES)
def parse_dateline(text: str) -> Dateline | None:
    """Read the dateline that opens `text` (a line or paragraph), or None when there is none."""
    head = text[:300]
    m = NO_PLACE_DATELINE_RE.match(head)
    if m:
        return _dateline(m, "", normalise_agency(m["agency"]), text)
    m = DATELINE_RE.match(head)
    if not m or not is_place(m["place"]):
        return None
    agency = m["agency"] or m["agency_semi"] or m["agency_only"] or m["agency_slash"] or m["agency2"] or ""
    dated = bool(m["month"] or m["month2"])
    after = text[m.end() :]
    # "Pakistan Tehreek-e-Insaf (PTI) – the party ..." is prose; a dated one is not
    # ("CLARINDA, Iowa, June 2 - qtr ended April 30", a Reuters table)
    if after[:1].islower() and not dated:
        return None
    place, sep, upper = m["place"], m["sep"], m["place"].isupper()
    line_end = not after.split("\n", 1)[0].strip()
    # "Tokyo, March 3 the company said" is prose: a date alone needs a separator;
    # "The Press Trust of India (PTI) said" too: an agency without a date needs
    # a separator or a place in capitals ("WASHINGTON (AP) The ...").
    if (
        not (sep or line_end)
        and not (dated and agency)
        and not upper
        and not _is_bare_agency_dateline(m, agency)
    ):
        return None
    if not agency and not dated and not _is_staff_dateline(m, upper, sep, after):
        return None
    if not agency and not dated and any(w.strip(".,").lower() in PERSON_WORDS for w in place.split()):
        return None  # "Official Spokesperson: Good afternoon ..."
    line = _dateline(m, normalise_place(place), normalise_agency(agency) if agency else "", text)
    return dataclasses.replace(line, weak=not agency and not dated and not upper and not m["region"])


def _is_bare_agency_dateline(m: re.Match[str], agency: str) -> bool:
    """ "Paris (AFP) Nach dem ...": a short place, its agency, no separator. Not a party
    such as "Pakistan Tehreek-e-Insaf (PTI) Chairman ..." (a long or compound name)."""
    words = m["place"].split()
    return bool(m["agency_only"]) and len(words) <= 2 and not re.search(r"-[a-z]{1,3}-", m["place"])


def _is_staff_dateline(m: re.Match[str], upper: bool, sep: str | None, after: str) -> bool:
    """A dateline with neither agency nor date: "NEW DELHI:", "Indore (Madhya Pradesh):"."""
    if not sep:
        return False
    if upper and len(m["place"].split()) <= MAX_PLACE_WORDS:
        return True
    first_line = after.split("\n", 1)[0]
    if sep == ":":
        # "New Delhi: The government ..." but not "Officials said: the deal", not a
        # headline ("India: BJP desperate to rewrite history") and not a speaker
        # ("Shri Arindam Bagchi, Official Spokesperson: Good afternoon")
        return m["state"] is None and is_sentence(first_line, MIN_SENTENCE_WORDS_AFTER)
    # "London/New York – Oil prices were ...", "Paris - Driving into ..."
    return len(m["place"].split()) <= 3 and len(first_line.split()) >= MIN_DASH_WORDS_AFTER


def _dateline(m: re.Match[str], place: str, agency: str, text: str) -> Dateline:
    groups = m.groupdict()
    month = groups.get("month") or groups.get("month2")
    day = groups.get("day") or groups.get("day2")
    year = groups.get("year") or groups.get("year2")
    return Dateline(
        text=text[: m.end()].strip(),
        place=place,
        agency=agency,
        month=MONTHS[month.lower()] if month else None,
        day=int(day) if day else None,
        year=int(year) if year else None,
        end=m.end(),
    )


def split_byline_dateline(text: str) -> tuple[str, Dateline] | None:
    """'By Lalit K Jha Washington, Aug 10 (PTI) ...' -> ('By Lalit K Jha', dateline at Washington)."""
    head = text[:200].split(",", 1)[0]
    words = head.split()
    if len(words) < 3 or words[0].lower() != "by":
        return None
    for n in (2, 1):  # a two-word place only when its first word says so ("New York")
        cut = len(words) - n
        if cut < 2 or (n == 2 and words[cut].lower() not in PLACE_FIRST_WORDS):
            continue
        start = text.index(words[cut], len(" ".join(words[:cut])))
        line = parse_dateline(text[start:])
        if line and (line.agency or line.month):
            return " ".join(words[:cut]), dataclasses.replace(line, end=start + line.end)
    return None


def dateline_date(line: Dateline, near: dt.date | None = None) -> dt.date | None:
    """The date a dateline names, its year from itself or from `near` (a stamp on the page)."""
    if line.month is None or line.day is None:
        return None
    year = line.year or (near.year if near else None)
    if year is None:
        return None
    try:
        date = dt.date(year, line.month, line.day)
    except ValueError:
        return None
    if near and not line.year and abs((date - near).days) > 183:
        # "Dec 31" on a page stamped January 1: the year before
        date = _shift_year(date, -1 if date > near else 1) or date
    return date


def _shift_year(date: dt.date, by: int) -> dt.date | None:
    try:
        return date.replace(year=date.year + by)
    except ValueError:
        return None


@functools.lru_cache(maxsize=CACHE_LINES)
def parse_stamp(line: str) -> dt.date | None:
    """The date of a stand-alone stamp line ("Posted: Feb 02, 2017 8:52 PM"), else None."""
    text = line.strip().strip("|•·/").strip()
    if len(text) > MAX_STAMP_CHARS:
        return None
    text = STAMP_LABEL_RE.sub("", text, count=1)
    for kind, pattern in STAMP_DATE_RES.items():
        m = pattern.match(text)
        if m and STAMP_TIME_RE.fullmatch(text[m.end() :]):
            return _stamp_date(kind, m)
    return None


def _stamp_date(kind: str, m: re.Match[str]) -> dt.date | None:
    year = int(m["year"])
    if kind == "numeric":
        a, b = int(m["a"]), int(m["b"])
        # day first (as outside the US) unless that cannot be: 12/25/2017
        day, month = (b, a) if a <= 12 < b else (a, b)
    elif kind == "iso":
        day, month = int(m["day"]), int(m["month"])
    else:
        day, month = int(m["day"]), MONTHS[m["month"].lower()]
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None
