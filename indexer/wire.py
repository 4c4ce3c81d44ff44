"""Pure wire-copy parsing: headers, datelines, agencies, sign-off slugs, boilerplate.

Nothing here does I/O. The rules are data (the UPPER_SNAKE constants below), each
with a comment on what it catches, so a new site's junk is one line to add.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from dateutil import parser as dateparser

from .story import BadStoryError, Story

# --- agencies ---------------------------------------------------------------------

# Spelling seen in copy -> the name we index. Keys are matched case-sensitively
# because "AP" or "UNI" in lower case are ordinary words.
AGENCY_NAMES = {
    "PTI": "PTI",
    "Reuters": "Reuters",
    "REUTERS": "Reuters",
    "Reuter": "Reuters",  # the 1980s sign-off, as in Reuters-21578
    "REUTER": "Reuters",
    "AP": "AP",
    "Associated Press": "AP",
    "AFP": "AFP",
    "IANS": "IANS",
    "ANI": "ANI",
    "UNI": "UNI",
    "Xinhua": "Xinhua",
    "XINHUA": "Xinhua",
    "Bloomberg": "Bloomberg",
    "dpa": "dpa",
    "DPA": "dpa",
    "EFE": "EFE",
    "Kyodo": "Kyodo",
    "Yonhap": "Yonhap",
    "Bernama": "Bernama",
    "APP": "APP",
    "AAP": "AAP",
    "UPI": "UPI",
    "TASS": "TASS",
    "WAM": "WAM",
    "SPA": "SPA",
    "Anadolu": "Anadolu",
    "BSS": "BSS",
    "PNA": "PNA",
    "CP": "CP",
}

AGENCY_NAMES_LOWER = {k.lower(): v for k, v in AGENCY_NAMES.items()}
_AGENCY_ALT = "|".join(sorted(map(re.escape, AGENCY_NAMES), key=len, reverse=True))

MONTHS = {
    m: i
    for i, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for m in names
}
_MONTH_ALT = "|".join(sorted(MONTHS, key=len, reverse=True))

# --- datelines ----------------------------------------------------------------------

# The dateline opens the first paragraph. Covers, among others:
#   New Delhi, Feb 19 (PTI)            Amritsar (Punjab) [India], January 1 (ANI):
#   NEW DELHI (Reuters) -              CLEVELAND, Feb 26 -      (Reuters 1987)
#   WASHINGTON (AP) —                  PARIS (AFP) -            Mumbai, March 7 (IANS)
# A match needs a date or an agency, so "The ministry said ..." is never a dateline.
DATELINE_RE = re.compile(
    rf"""
    ^\s*
    (?P<place>[A-Z][A-Za-z.'’\-]*(?:[ ][A-Za-z.'’\-]+){{0,4}}?)          # one to five words
    (?:\s*\((?!(?:{_AGENCY_ALT})\))(?P<region>[A-Z][A-Za-z .\-]{{1,30}})\))?  # (Punjab)
    (?:\s*\[(?P<country>[A-Z][A-Za-z .\-]{{1,30}})\])?                    # [India]
    (?:\s*,\s*(?!(?i:{_MONTH_ALT})\b)(?P<state>[A-Z][A-Za-z.]{{1,14}}(?:[ ][A-Z][A-Za-z.]+)?))?  # , Calif.
    (?:
        \s*,\s*(?P<month>(?i:{_MONTH_ALT}))\.?\s+(?P<day>\d{{1,2}})\b       # , Feb 19
        (?:\s*,?\s*(?P<year>\d{{4}}))?
        (?:\s*\((?P<agency>{_AGENCY_ALT})\))?                              # (PTI)
      |
        \s*\((?P<agency_only>{_AGENCY_ALT})\)                               # (Reuters)
      |
        (?=\s*(?::|--|—|–|-)\s)                                           # WASHINGTON —
    )
    \s*(?P<sep>:|--|-|—|–)?\s*
    """,
    re.VERBOSE,
)

# --- sign-offs and slugs ---------------------------------------------------------------

# Trailing agency sign-offs, removed from the body into Story.slug. Each must stand
# after the end of a sentence (or on its own line), so "...told Reuters" stays.
SIGNOFF_PATTERNS = [
    # PTI / UNI / IANS desk slugs: agency then staff initials and sometimes a time,
    # glued to the last sentence: "... two countries. PTI MPB KVK KVK", "UNI AKS SW 1518"
    re.compile(
        r"(?<=[.!?\"'”’)\]])\s*(?P<slug>(?P<agency>PTI|UNI|IANS|ANI)(?:\s+(?:[A-Z]{1,6}|\d{3,4}))*)\s*$"
    ),
    # "Reuter" (1987) or "Reuters" alone at the end
    # (any case, with stray dots: "reuter", "REUTER..." occur in Reuters-21578)
    re.compile(r"(?:(?<=[.!?\"'”’)\]])|(?<=\n))\s*(?P<slug>(?P<agency>(?i:reuters?))\.{0,3})\s*$"),
    # "-- IANS", "--IANS abc/xyz", "— AFP"
    re.compile(
        rf"\s*(?P<slug>(?:--|—|–)\s*(?P<agency>{_AGENCY_ALT})\b(?:\s*[a-z]{{2,5}}(?:/[a-z]{{2,5}})*)?)\s*$"
    ),
    # Modern Reuters credits: "(Reporting by A; Editing by B)"
    re.compile(r"\s*(?P<slug>\((?:Reporting|Writing|Additional reporting)\s+by\b[^()]{0,300}\))\s*$"),
    # an agency in brackets closing the story: "... decked up with lights. (ANI)"
    re.compile(rf"(?<=[.!?\"'”’])\s*(?P<slug>\((?P<agency>{_AGENCY_ALT})\))\s*$"),
    # AP's rule line and the credits under it: "___\n\nAssociated Press writer ... contributed"
    re.compile(r"\n\s*(?P<slug>_{3,}\s*\n[\s\S]{0,400}?)\s*$"),
    # AFP-style desk initials on their own line: "burs-jj/ach", "pmh/sst"
    re.compile(r"\n\s*(?P<slug>(?:burs-)?[a-z]{2,5}(?:/[a-z]{2,5})+)\s*$"),
]

SIGNOFF_TAIL_CHARS = 400

# --- boilerplate lines -----------------------------------------------------------------

# A paragraph is dropped when it matches one of these in full (case-insensitive).
# Anchored and length-capped so a real sentence that mentions the word stays.
BOILERPLATE_PATTERNS = [
    # ad labels between paragraphs (the seed's "Advertisment" misspelling included)
    r"advertis(?:e)?ment(?:\s*[·|:–—-]?\s*(?:scroll|continue)\b.{0,40})?|advt\.?|ads?|sponsored(?: content)?|promoted(?: content)?",
    r"(?:story|article) continues (?:below|after)(?: this)?(?: (?:ad|advertisement))?",
    r"(?:continue|scroll(?: down)?) (?:reading|to continue)(?: (?:below|with content|the story))?",
    # cross-links to other stories
    r"(?:also read|read also|also see|also watch|watch|read more|read next|must read|related(?: stories| news)?|recommended(?: stories)?)\s*(?:[:|\-–—>»].{0,250})?",
    # "For the latest news, follow us on ..." and similar calls to action
    r"for (?:more|the latest|all the latest|latest|breaking)\b.{0,60}?,? (?:follow|download|subscribe|visit|click|join)\b.{0,150}",
    # social prompts
    r"(?:follow|join) (?:us|@\w+|[\w ]{1,30}) on .{0,40}\b(?:twitter|facebook|instagram|linkedin|youtube|telegram|whatsapp|google news|threads|koo|sharechat|x)\b.{0,80}",
    r"(?:share|share this|share on|tweet|email|print|whatsapp|facebook|twitter|linkedin|copy link)(?: (?:article|story|this|this article|link))?",
    # subscription and newsletter prompts
    r"(?:subscribe|sign up|signup|register)\b.{0,100}\b(?:newsletters?|updates|alerts|channel|subscription|free|now|here|today|account|inbox)\b.{0,60}",
    r"(?:get|download|install) (?:the|our) [\w ]{0,40}\bapp\b(?: (?:for|to|on|from|now|here|today)\b[^,;]{0,80})?[.!]?",
    r"catch all the .{0,200}(?:news|updates).{0,200}",
    # calls to click
    r"click here\b.{0,200}",
    # syndication disclaimers
    r"\(?(?:disclaimer:?\s*)?(?:this story|this article|this report|only the headline).{0,200}(?:syndicated|agency|wire) feed.{0,100}",
    r"\(?with inputs from [\w ,&/.-]{1,60}\)?\.?",
    # photo credits standing alone
    r"\(?(?:photo|image|picture|file photo|file image|representational (?:image|photo|picture)|representative (?:image|photo|picture)|pic|visual)s?(?: credits?)?\s*(?:[:|/\-–—(].{0,100})?\)?",
    rf"\(?(?:{_AGENCY_ALT}) (?:photo|file photo|image|picture|video)\)?",
    # bylines, edit stamps and timestamps standing alone
    # (names must be capitalised even though the rest of the match ignores case)
    r"(?:by|written by|edited by|reported by|compiled by|published by)\s*:?\s*(?-i:[A-Z][\w.'’\-]*(?:\s+(?:[A-Z][\w.'’\-]*|and|&))*)",
    r"(?:first published|last updated|updated|published)(?: on| at)?\s*:\s*.{0,40}\d{4}.{0,30}",
    r"(?:first published|last updated|updated|published) (?:on|at) [\w ,.]{0,30}\d{4}(?:,? \d{1,2}[:.]\d{2}(?: ?[ap]\.?m\.?)?(?: [A-Z]{2,4})?)?",
]
BOILERPLATE_RE = re.compile("|".join(f"(?:{p})" for p in BOILERPLATE_PATTERNS), re.IGNORECASE)
# A stand-alone line longer than this is prose, whatever it starts with.
MAX_BOILERPLATE_CHARS = 400

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
