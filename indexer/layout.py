"""Find the story inside scraped page text: sort every line into what it is (pure).

Above the story stand site chrome, the headline, bylines, credit lines and date stamps;
the story opens at its dateline (looked for in the first lines) or, without one, at the
first real paragraph. Every line gets a fate and, when dropped, the rule that dropped
it, so `wire explain` can show the user why.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass, field

from .agencies import is_agency_name
from .credits import (
    Byline,
    CreditLine,
    is_byline_role,
    is_name_words,
    parse_byline,
    parse_credit_line,
)
from .datelines import (
    CACHE_LINES,
    Dateline,
    is_place_words,
    is_prose,
    is_sentence,
    normalise_place,
    parse_dateline,
    parse_stamp,
)
from .rules import (
    BOILERPLATE_CAPTION_GROUPS,
    BOILERPLATE_CAPTION_RE,
    BOILERPLATE_LINE_GROUPS,
    BOILERPLATE_LINE_RE,
    CAPTION_HINT_RE,
    MAX_BOILERPLATE_CHARS,
    MIN_TICKER_ITEMS,
    PHOTO_CAPTION_END_RE,
    TICKER_ITEM_RE,
)

# The dateline is looked for this far into the text.
WINDOW_LINES = 40
WINDOW_CHARS = 4000
# A line above a dateline this long is the story itself (the dateline belongs to a
# later story on the page), not a photo caption.
PARAGRAPH_WORDS = 60
# A headline has at least this many words and at most this many characters.
HEADLINE_MIN_WORDS = 2
HEADLINE_MAX_CHARS = 250
HEADLINE_MAX_WORDS = 25
# A sentence shorter than this with no prose after it is a tagline, not the story.
TAGLINE_WORDS = 8
# A line this long is the story's even without a full stop.
LONG_LINE_WORDS = HEADLINE_MAX_WORDS + 1
# A line with this many numbers is data (scores, a table), not chrome.
DATA_NUMBERS = 2
# Dates and times do not make a line data ("(December 07, 2023)", "17:10").
DATE_OR_TIME_RE = re.compile(
    r"\b\d{1,2}[:.]\d{2}\b|\b(?:19|20)\d{2}\b"
    r"|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? \d{1,2}\b"
    r"|\b\d{1,2} (?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)",
    re.IGNORECASE,
)
# A line standing alone in capitals is a staff dateline ("CHENNAI") up to this many words.
PLACE_LINE_WORDS = 4
# A credit line inside the story is short ("Source: Xinhua | 2015/5/20 19:39:23").
CREDIT_LINE_CHARS = 120

CHROME_ABOVE = "chrome above the story"
# What becomes of a line (Fate.fate); "header" is a corpus file's "Key: value" line.
HEADLINE, BYLINE, DATELINE, CREDIT, BODY, DROPPED, HEADER = (
    "headline",
    "byline",
    "dateline",
    "credit",
    "body",
    "dropped",
    "header",
)


@dataclass(frozen=True)
class Line:
    """One line of the text: folded whitespace, and whether a blank line came before it."""

    text: str
    para: bool


@dataclass
class Fate:
    """What became of one line: its fate (headline, body, dropped...) and the rule why."""

    text: str
    fate: str
    rule: str = ""


@dataclass
class Layout:
    """The sorted lines of one story and what was read from the lines above it."""

    fates: list[Fate] = field(default_factory=list)
    # the story's lines in order, each with its fate (None: the text after the dateline)
    body: list[tuple[Line, Fate | None]] = field(default_factory=list)
    headline: str = ""
    byline: str = ""
    dateline: Dateline | None = None
    stamp_date: dt.date | None = None
    credit: CreditLine | None = None
    byline_agency: str = ""
    lines: list[str] = field(default_factory=list)  # every line, for credits anywhere
    role_byline: str = ""  # "Staff Reporter": the byline when no name is given

    @property
    def paragraphs(self) -> list[str]:
        """The kept lines of the story as paragraphs."""
        return join_paragraphs([ln for ln, fate in self.body if fate is None or fate.fate == BODY])


def split_lines(text: str) -> list[Line]:
    """Non-empty lines with inner whitespace folded; `para` marks a paragraph start."""
    lines: list[Line] = []
    blank = True
    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        folded = " ".join(raw.replace("\u200b", "").split())
        if not folded:
            blank = True
            continue
        lines.append(Line(folded, blank))
        blank = False
    return lines


@functools.lru_cache(maxsize=CACHE_LINES)
def boilerplate_rule(line: str) -> str:
    """The name of the boilerplate rule a stand-alone line matches, or ""."""
    text = line.strip()
    if len(TICKER_ITEM_RE.findall(text)) >= MIN_TICKER_ITEMS:
        return "news ticker"
    if len(text) > MAX_BOILERPLATE_CHARS:
        return ""
    m = BOILERPLATE_LINE_RE.fullmatch(text)
    if m and m.lastgroup:
        return BOILERPLATE_LINE_GROUPS[m.lastgroup]
    if not CAPTION_HINT_RE.search(text):
        return ""
    # a caption is found from its end (a full match from the start would scan every position)
    end = PHOTO_CAPTION_END_RE.search(text)
    if (end and end.start() >= 1) or (text.endswith(" |") and not text.startswith("|")):
        return "photo caption"
    m = BOILERPLATE_CAPTION_RE.fullmatch(text)
    return BOILERPLATE_CAPTION_GROUPS[m.lastgroup] if m and m.lastgroup else ""


def is_paragraph(text: str) -> bool:
    """A long run of prose: the story itself, never a caption."""
    return len(text.split()) >= PARAGRAPH_WORDS


def is_headline(text: str) -> bool:
    """Headline-like: a few words, not a sentence ending in a full stop, no link."""
    words = text.split()
    return (
        HEADLINE_MIN_WORDS <= len(words) <= HEADLINE_MAX_WORDS
        and len(text) <= HEADLINE_MAX_CHARS
        and not text.endswith((".", ",", "|"))
        and sum(c.isalpha() for c in text) >= len(text) / 2
        and sum(len(w) == 1 for w in words) < len(words) / 2  # "N A T I O N"
        and not re.search(r"https?://|www\.", text)
    )


def clean_headline(text: str) -> str:
    """The headline without list bullets: "• Michelle Obama, ..." -> "Michelle Obama, ..."."""
    return text.lstrip("•·▪►»*-– ").strip()


def place_line(lines: list[Line], i: int) -> Dateline | None:
    """A staff dateline alone on a line, a sentence right after it: 'CHENNAI',
    'BAAR, SWITZERLAND', 'Abu Dhabi (Etihad)', or 'Raipur' right under the headline."""
    text = lines[i].text
    place = re.split(r"[,(]", text, maxsplit=1)[0].strip()
    if len(text.split()) > PLACE_LINE_WORDS or not is_place_words(place) or is_agency_name(place):
        return None
    if re.search(r"[\d|:]", text) or boilerplate_rule(text):
        return None
    # a word in title case alone is often a section label ("Business"): only a place
    # with its region or source in brackets, or one standing right under a headline
    if not text.isupper() and "(" not in text and not (i > 0 and is_headline(lines[i - 1].text)):
        return None
    after = next((ln.text for ln in lines[i + 1 :] if not boilerplate_rule(ln.text)), "")
    if not is_sentence(after):
        return None
    return Dateline(
        text=text, place=normalise_place(place), agency="", month=None, day=None, year=None, end=len(text)
    )


@functools.lru_cache(maxsize=CACHE_LINES)
def is_content(text: str) -> bool:
    """A line that is the story's, never chrome: prose, a long line, a table row, a list
    item, or a line continuing a sentence (it starts in lower case)."""
    words = text.split()
    return (
        (is_prose(text) and len(words) >= TAGLINE_WORDS)
        or len(words) >= LONG_LINE_WORDS
        or (text.startswith("|") and text.endswith("|") and len(words) >= 4)
        or (text[:2] in ("- ", "* ", "• ") and len(words) >= 5)
        or (re.match(r"[a-z]+[ ,;]", text) is not None and len(words) >= 3 and "|" not in text)
        or (text.endswith(":") and len(words) >= 5)
        or (len(words) >= 4 and is_data(text))
    )


def is_data(text: str) -> bool:
    """Figures, not counting dates and times: "Shr 72 cts vs 71 cts", "Rockledge 14 11 6 15 — 44"."""
    figures = DATE_OR_TIME_RE.sub(" ", text)
    return len(re.findall(r"\d[\d,.]*", figures)) >= DATA_NUMBERS


def is_wrapped(text: str, after: list[Line]) -> bool:
    """A sentence wrapped over lines: this one ends mid-sentence, the next goes on in lower case."""
    return (
        len(text.split()) >= TAGLINE_WORDS
        and re.search(r"[a-z,;]$", text) is not None
        and bool(after)
        and re.match(r"[a-z]", after[0].text) is not None
    )


def find_start(lines: list[Line]) -> tuple[int, Dateline | None, Byline | None]:
    """Where the story opens: (line index, its dateline, a byline on the same line).

    The dateline is looked for until the story has plainly begun: a second line of
    content (one is allowed: a photo caption above the dateline)."""
    chars = 0
    seen_prose = False
    content = 0
    for i, line in enumerate(lines[:WINDOW_LINES]):
        chars += len(line.text)
        if chars > WINDOW_CHARS:
            break
        text = line.text
        if (boilerplate_rule(text) and not text.lower().startswith("by")) or parse_stamp(text):
            continue
        byline = parse_byline(text)
        if byline and byline.dateline:
            return i, byline.dateline, byline
        dateline = None if byline else parse_dateline(text)
        # "Sidhant: Sir Sidhant from WION ..." after the story began is a speaker, not a dateline
        if dateline and not (dateline.weak and seen_prose):
            return i, dateline, None
        if (place := place_line(lines, i)) is not None:
            return i, place, None
        if byline:
            continue
        if is_paragraph(text) or (is_content(text) and (content := content + 1) >= 2):
            break
        seen_prose = seen_prose or is_content(text)
    return first_paragraph(lines), None, None


def is_meta(text: str) -> bool:
    """A line that is never the story's first paragraph: junk, byline, credit or stamp."""
    return bool(
        boilerplate_rule(text)
        or parse_byline(text)
        or is_byline_role(text)
        or parse_credit_line(text)
        or parse_stamp(text)
    )


def first_paragraph(lines: list[Line]) -> int:
    """Without a dateline the story opens at its first real paragraph (prose).

    A short sentence with no prose after it ("The UAE will host Expo 2020!") is a
    site's tagline."""
    window = lines[:WINDOW_LINES]
    for i, line in enumerate(window):
        text = line.text
        if is_meta(text):
            continue
        if not (is_sentence(text) or is_content(text) or is_wrapped(text, window[i + 1 : i + 2])):
            continue
        if len(text.split()) < TAGLINE_WORDS and not is_content(text):
            after = next((ln.text for ln in window[i + 1 :] if not is_meta(ln.text)), "")
            if not (is_sentence(after) or is_content(after)):
                continue
        return i
    return next((i for i, ln in enumerate(lines) if not boilerplate_rule(ln.text)), 0)


def sort_lines(text: str, *, chrome_above: bool = True) -> Layout:
    """Sort every line of a story's text; the paragraphs of the body come out cleaned.

    Without a dateline the story opens at its first real paragraph, the lines above
    being chrome; `chrome_above=False` keeps them (text an extractor already chose as
    the article: only bylines, stamps, credits and boilerplate go)."""
    lines = split_lines(text)
    layout = Layout()
    start, dateline, start_byline = find_start(lines)
    if dateline is None and not chrome_above:
        start = 0
    place_alone = dateline is not None and dateline.text == lines[start].text if lines else False
    sort_above(lines[:start], layout)
    layout.dateline = dateline
    for i, line in enumerate(lines[start:], start):
        if i == start and dateline is not None:
            if start_byline:
                layout.byline = layout.byline or start_byline.text
                layout.byline_agency = layout.byline_agency or start_byline.agency
            rest = line.text[dateline.end :].strip()
            layout.fates.append(Fate(line.text, DATELINE, dateline.text))
            if rest and not place_alone:
                layout.body.append((Line(rest, True), None))
            continue
        sort_body_line(line, layout)
    layout.lines = [ln.text for ln in lines]
    return layout


def sort_above(lines: list[Line], layout: Layout) -> None:
    """Headline, bylines, credit lines and stamps above the story; the rest is chrome."""
    fates: list[Fate] = []
    for line in lines:
        text = line.text
        if (byline := parse_byline(text)) is not None:
            layout.byline = layout.byline or byline.text
            layout.byline_agency = layout.byline_agency or byline.agency
            fates.append(Fate(text, BYLINE))
        elif is_byline_role(text) and not is_agency_name(text):
            layout.role_byline = layout.role_byline or text
            fates.append(Fate(text, BYLINE, "role"))
        elif (credit := parse_credit_line(text)) is not None:
            name_above(fates, layout, credit_line=text)
            layout.credit = credit if credit.agency or not layout.credit else layout.credit
            layout.byline = layout.byline or credit.byline
            layout.stamp_date = credit.date or layout.stamp_date  # the stamp nearest the story
            if credit.headline:
                layout.headline = clean_headline(credit.headline)
            fates.append(Fate(text, CREDIT, f"agency {credit.agency}" if credit.agency else "date stamp"))
        elif (stamp := parse_stamp(text)) is not None:
            layout.stamp_date = stamp  # the stamp nearest the story wins over the page's date
            fates.append(Fate(text, DROPPED, f"date stamp ({stamp.isoformat()})"))
        elif rule := boilerplate_rule(text):
            fates.append(Fate(text, DROPPED, rule))
        else:
            fates.append(Fate(text, DROPPED, CHROME_ABOVE))
    # the headline is the headline-like line nearest above the story
    for fate in reversed(fates):
        if layout.headline:
            break
        if fate.rule == CHROME_ABOVE and is_headline(clean_headline(fate.text)):
            fate.fate, fate.rule = HEADLINE, ""
            layout.headline = clean_headline(fate.text)
    layout.fates.extend(fates)


def name_above(fates: list[Fate], layout: Layout, credit_line: str) -> None:
    """A name alone right above an agency's name is the byline ("Pradeep Sharma" /
    "Tribune News Service")."""
    if not fates or not is_agency_name(credit_line):
        return
    above = fates[-1]
    words = above.text.split()
    if above.rule == CHROME_ABOVE and 2 <= len(words) <= 4 and is_name_words(above.text):
        if not re.search(r"\d", above.text):
            above.fate, above.rule = BYLINE, "name"
            layout.byline = layout.byline or above.text


def sort_body_line(line: Line, layout: Layout) -> None:
    """A line of the story: kept, or dropped by a boilerplate rule (stamps give a date)."""
    text = line.text
    stamp = parse_stamp(text)
    if stamp is not None:
        layout.stamp_date = layout.stamp_date or stamp
        layout.fates.append(Fate(text, DROPPED, f"date stamp ({stamp.isoformat()})"))
        return
    # an agency's name alone is left to the sign-off rules ("Reuter" closing the story)
    if len(text) <= CREDIT_LINE_CHARS and not is_agency_name(text) and (credit := parse_credit_line(text)):
        layout.credit = layout.credit or credit
        layout.stamp_date = layout.stamp_date or credit.date
        layout.fates.append(Fate(text, CREDIT, f"agency {credit.agency}" if credit.agency else "date stamp"))
        return
    if layout.headline and text.casefold() == layout.headline.casefold():
        layout.fates.append(Fate(text, DROPPED, "repeats the headline"))
        return
    rule = boilerplate_rule(text)
    if rule:
        if rule == "byline" and not layout.byline and len(layout.body) < 3:
            layout.byline = text
        layout.fates.append(Fate(text, DROPPED, rule))
        return
    fate = Fate(text, BODY)
    layout.fates.append(fate)
    layout.body.append((line, fate))


def join_paragraphs(lines: list[Line]) -> list[str]:
    """Lines back into paragraphs: a blank line before a line starts a new one."""
    paragraphs: list[list[str]] = []
    for line in lines:
        if line.para or not paragraphs:
            paragraphs.append([line.text])
        else:
            paragraphs[-1].append(line.text)
    return ["\n".join(p) for p in paragraphs]
