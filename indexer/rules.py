"""Wire-copy rules as data: agencies, datelines, sign-offs and boilerplate lines.

One place for the patterns (as trafilatura keeps its XPaths in one module); each
has a comment on what it catches, so a new site's junk is one line to add.
indexer.wire applies them.
"""

from __future__ import annotations

import re

from .agencies import (
    AGENCY_ALT,
    AGENCY_NAMES,
    AGENCY_NAMES_LOWER,
    BARE,
    BRACKET,
    COPYRIGHT,
    DASH,
    DESK_SLUG,
    GLUED,
    alternation,
    names_with,
)

__all__ = ["AGENCY_NAMES", "AGENCY_NAMES_LOWER"]

# --- agencies ---------------------------------------------------------------------

# The agencies themselves are one table in indexer.agencies; these are views of it.
_AGENCY_ALT = AGENCY_ALT

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

# A word of a place: any letters (SÃO PAULO, Düsseldorf), dots, apostrophes, hyphens.
# The first letter must be a capital; indexer.datelines checks that (re has no \p{Lu}).
_W = r"[^\W\d_][\w.'’\-]*"
_PLACE = rf"{_W}(?:[ ]{_W}){{0,4}}?(?:\s*/\s*{_W}(?:[ ]{_W}){{0,3}}?)*"  # ISLAMABAD/NEW DELHI
_SEP = r"(?P<sep>:|--|-|—|–)"
# a paper credited beside the agency: "(IANS/GANASHAKTI)", "; PTI/Dawn:"
_CO = r"(?:[A-Za-z][\w-]{1,20}/)?"
_CO_AFTER = r"(?:/[A-Za-z][\w-]{1,20})?"

# The dateline opening a line. Covers, among others:
#   New Delhi, Feb 19 (PTI)            Amritsar (Punjab) [India], January 1 (ANI):
#   NEW DELHI (Reuters) -              CLEVELAND, Feb 26 -      (Reuters 1987)
#   WASHINGTON (AP) —                  SÃO PAULO (Reuters) -    Düsseldorf, Germany (AP) —
#   Washington, Nov 5; PTI:            ISLAMABAD/NEW DELHI (Reuters) -   ISLAMABAD:Prime ...
# Whether a match is a dateline or prose is decided by indexer.datelines.
DATELINE_RE = re.compile(
    rf"""
    ^\s*
    (?P<place>{_PLACE})                                                   # one to five words
    (?:\s*\((?!(?i:{_AGENCY_ALT})\))(?P<region>[^\W\d_][\w .\-]{{1,30}})\))?   # (Punjab)
    (?:\s*\[(?P<country>[^\W\d_][\w .\-]{{1,30}})\])?                        # [India]
    (?:\s*,\s*(?!(?i:{_MONTH_ALT})\b)(?P<state>{_W}(?:[ ]{_W}){{0,2}}))?    # , Calif.
    (?:\s*,\s*(?!(?i:{_MONTH_ALT})\b)(?P<state2>{_W}(?:[ ]{_W}){{0,2}}))?   # , DC, United States
    (?:
        \s*,?\s*(?P<month>(?i:{_MONTH_ALT}))\.?\s*(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\b   # , Feb 19
        (?:\s*,?\s*(?P<year>\d{{4}}))?
        (?:\s*\({_CO}(?P<agency>(?i:{_AGENCY_ALT})){_CO_AFTER}\)|\s*[;,]\s*{_CO}(?P<agency_semi>{_AGENCY_ALT}){_CO_AFTER}(?=\s*:)|\.?\s*/(?P<agency_slash>{_AGENCY_ALT})/\.?)?
      |
        \s*,\s*(?P<day2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<month2>(?i:{_MONTH_ALT}))\.?,?(?:\s*(?P<year2>\d{{4}}))?  # , 29th November, 2015
        (?:\s*\((?P<agency2>(?i:{_AGENCY_ALT}))\))?
      |
        \s*\({_CO}(?P<agency_only>(?i:{_AGENCY_ALT})){_CO_AFTER}\)                 # (Reuters), (IANS/GANASHAKTI)
      |
        (?=\s*,?\s*(?::|(?:--|—|–|-)\s))                                # WASHINGTON —
    )
    \s*,?\s*{_SEP}?\s*
    """,
    re.VERBOSE,
)

# A dateline without a place: "March 11 (Reuters) -", "(Reuters) — The ..."
NO_PLACE_DATELINE_RE = re.compile(
    rf"""^\s*(?:(?P<month>(?i:{_MONTH_ALT}))\.?\s*(?P<day>\d{{1,2}})\b\s*)?
    \((?P<agency>(?i:{_AGENCY_ALT}))\)\s*{_SEP}\s*""",
    re.VERBOSE,
)

# Words that open a line like a place but never are one: "Thursday, June 10, 2021",
# "FILE PHOTO: ...", "Update: ...".
NOT_PLACES = {
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "mon",
    "tue",
    "tues",
    "wed",
    "thu",
    "thur",
    "thurs",
    "fri",
    "sat",
    "sun",
    "photo",
    "file photo",
    "photos",
    "image",
    "video",
    "watch",
    "update",
    "updated",
    "breaking",
    "breaking news",
    "exclusive",
    "opinion",
    "editorial",
    "live",
    "note",
    "q",
    "a",
    "question",
    "answer",
    "read",
    "also read",
    "disclaimer",
    "source",
    "sources",
    "tags",
    "related",
    "posted",
    "published",
    "by",
    "caption",
    "credit",
    "credits",
    "listen",
    "advertisement",
    "warning",
    "summary",
    "highlights",
    "analysis",
    "explainer",
    "review",
    "background",
    "context",
    "correction",
    "clarification",
    "editor's note",
    "key points",
    "in brief",
    "overview",
    "claim",
    "verdict",
    "fact check",
    "ruling",
    "quote",
    "why",
    "what",
    "how",
    "when",
    "where",
}
# Words that make a title-case "X:" a speaker, not a place ("Official Spokesperson: ...").
PERSON_WORDS = {
    "spokesperson",
    "spokesman",
    "spokeswoman",
    "minister",
    "president",
    "official",
    "secretary",
    "chairman",
    "chairperson",
    "reporter",
    "anchor",
    "question",
    "answer",
    "moderator",
    "speaker",
    "mr",
    "mrs",
    "ms",
    "dr",
    "sir",
    "shri",
    "smt",
    "said",
    "says",
    "host",
    "interviewer",
}
# Lower-case words a place may hold ("Dera Ismail Khan", "Rio de Janeiro", "Port of Spain").
PLACE_PARTICLES = {"of", "de", "da", "do", "del", "la", "le", "el", "al", "du", "am", "an", "upon", "on"}
# The first word of two-word places, so "By Lalit K Jha Washington" splits at Washington
# but "By Jane Doe New York" keeps New York whole.
PLACE_FIRST_WORDS = {
    "new",
    "san",
    "santa",
    "los",
    "las",
    "st",
    "st.",
    "saint",
    "hong",
    "kuala",
    "abu",
    "sri",
    "port",
    "el",
    "la",
    "rio",
    "buenos",
    "tel",
    "ho",
    "dar",
    "addis",
    "cape",
    "mexico",
    "panama",
    "kota",
    "petaling",
    "johor",
    "navi",
    "greater",
    "east",
    "west",
    "north",
    "south",
    "dera",
    "bandar",
}

# --- date stamps ---------------------------------------------------------------------

# A stand-alone stamp: "Posted on March 13, 2014", "Updated: 03-04-2022 21:29 IST",
# "22 June 2020 20:08 IST", "Sunday, Jul 15th 2018", "25/05/2022 08:50 PM", "2015/5/20 19:39:23".
_WEEKDAY = r"(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s*"
_TIME = (
    r"(?:\s*[-–|,@]?\s*(?:at\s+)?\d{1,2}[:.]\d{2}(?:[:.]\d{2})?\s*(?:[ap]\.?m\.?)?(?:\s*\(?[A-Z]{2,5}\)?)?)?"
)
STAMP_LABEL_RE = re.compile(
    r"^(?:(?:first |last )?(?:posted|updated|published|modified|created|uploaded|dated?|edited)"
    r"(?: on| at)?\s*[:|-]?\s*|on\s+)?",
    re.IGNORECASE,
)
STAMP_DATE_RES = {
    "month-day-year": re.compile(
        rf"(?i:{_WEEKDAY})?(?P<month>(?i:{_MONTH_ALT}))\.?\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<year>\d{{4}})"
    ),
    "day-month-year": re.compile(
        rf"(?i:{_WEEKDAY})?(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<month>(?i:{_MONTH_ALT}))\.?,?\s+(?P<year>\d{{4}})"
    ),
    "iso": re.compile(
        r"(?i:" + _WEEKDAY + r")?(?P<year>\d{4})[-/.](?P<month>\d{1,2})[-/.](?P<day>\d{1,2})(?:T[\d:.+\-Z]+)?"
    ),
    "numeric": re.compile(r"(?i:" + _WEEKDAY + r")?(?P<a>\d{1,2})[-/.](?P<b>\d{1,2})[-/.](?P<year>\d{4})"),
}
# what may follow the date: a time, a zone, "Written by" (the name is on the next line)
# ... or the place the page is from ("Wednesday, April 23, 2003, Chandigarh, India")
_PLACE_AFTER = r"(?-i:[A-Z][\w.]*(?: [A-Z][\w.]*)?)"
STAMP_TIME_RE = re.compile(
    _TIME
    + rf"(?:\s*\|?\s*(?:written |posted |reported )?by\b.{{0,40}}|,\s*{_PLACE_AFTER}(?:, {_PLACE_AFTER})?)?[\s,]*$",
    re.IGNORECASE,
)
# Longer than this, a line holding a date is prose, not a stamp.
MAX_STAMP_CHARS = 80

# --- sign-offs and slugs ---------------------------------------------------------------

_END = r"(?<=[.!?\"'”’)\]])"  # after the end of a sentence
# Trailing agency sign-offs, removed from the body into Story.slug. Each must stand
# after the end of a sentence (or on its own line), so "...told Reuters" stays.
# Which agency signs off how is data in indexer.agencies.
SIGNOFF_PATTERNS = [
    # desk slugs: agency then staff initials and sometimes a time,
    # glued to the last sentence: "... two countries. PTI MPB KVK KVK", "UNI AKS SW 1518"
    re.compile(
        rf"{_END}\s*(?P<slug>(?P<agency>{alternation(names_with(DESK_SLUG))})(?:\s+(?:[A-Z]{{1,6}}|\d{{3,4}}))*)\s*$"
    ),
    # "Reuter" (1987) or "Reuters" alone at the end
    # (any case, with stray dots: "reuter", "REUTER..." occur in Reuters-21578)
    re.compile(
        rf"(?:{_END}|(?<=\n))\s*(?P<slug>(?P<agency>(?i:{alternation(names_with(BARE))}))\.{{0,3}})\s*$"
    ),
    # "-- IANS", "--IANS abc/xyz", "— AFP", "-- BERNAMA"
    re.compile(
        rf"\s*(?P<slug>(?:--|—|–|-)\s*(?:[A-Z][\w ]{{2,40}},\s*)?(?P<agency>{alternation(names_with(DASH))})\b(?:\s*[a-z]{{2,5}}(?:/[a-z]{{2,5}})*)?(?:\s*(?:--|—|–|-))?)\s*$"
    ),
    # glued to the last full stop: "...on Monday.APP", "...said.-DNA"
    re.compile(rf"(?<=[.!?\"”’])(?P<slug>-?(?P<agency>{alternation(names_with(GLUED))}))\s*$"),
    # "Copyright APP (Associated Press of Pakistan), 2022"
    re.compile(
        rf"(?:{_END}|(?<=\n))\s*(?P<slug>(?:copyright|©)\s*(?:\d{{4}}\s*)?(?P<agency>{alternation(names_with(COPYRIGHT))})\b[^\n]{{0,80}})\s*$",
        re.IGNORECASE,
    ),
    # Modern Reuters credits: "(Reporting by A; Editing by B)"
    re.compile(r"\s*(?P<slug>\((?:Reporting|Writing|Additional reporting)\s+by\b[^()]{0,300}\))\s*$"),
    # an agency in brackets closing the story: "... decked up with lights. (ANI)"
    re.compile(rf"{_END}\s*(?P<slug>\((?P<agency>{alternation(names_with(BRACKET))})\))\s*$"),
    # AP's rule line and the credits under it: "___\n\nAssociated Press writer ... contributed"
    re.compile(r"\n\s*(?P<slug>_{3,}(?:\s*\n[\s\S]{0,400}?)?)\s*$"),
    # AFP-style desk initials on their own line: "burs-jj/ach", "pmh/sst"
    re.compile(r"\n\s*(?P<slug>(?:burs-)?[a-z]{2,5}(?:/[a-z]{2,5})+)\s*$"),
]

SIGNOFF_TAIL_CHARS = 400
# How far from the end each sign-off above can start, in the same order: a search
# is tried at every position, so short sign-offs are looked for in short tails.
SIGNOFF_WINDOWS = [80, 40, 120, 40, 200, SIGNOFF_TAIL_CHARS, 40, SIGNOFF_TAIL_CHARS, 60]

# --- credits anywhere in the story -------------------------------------------------------

_OPEN = alternation([n for n in AGENCY_NAMES if n not in {"AA", "DNA", "NNI", "KNO"}])
# Lines that credit an agency wherever they stand; the first match gives the agency
# when the dateline and the sign-off name none.
CREDIT_PATTERNS = {
    "with inputs from": re.compile(
        rf"\(?\s*with (?:inputs|input|agency inputs) from (?:[\w ,&]*?\b)?(?P<agency>{_OPEN})\b", re.I
    ),
    "copyright": re.compile(rf"(?:copyright|©)\s*(?:\d{{4}}\s*)?(?:the )?(?P<agency>{_OPEN})\b", re.I),
    "contributed": re.compile(
        rf"\b(?P<agency>{_OPEN}) (?:writers?|reporters?|correspondents?)\b.{{0,120}}\bcontributed\b"
    ),
    "auto-generated": re.compile(rf"auto-generated from (?:the )?(?P<agency>{_OPEN})\b", re.I),
    "source": re.compile(rf"^(?:source|courtesy|agency|agencies)\s*[:|-]\s*(?P<agency>{_OPEN})\b", re.I),
    "byline agency": re.compile(rf"^by\b.{{0,80}}?\b(?P<agency>{_OPEN})\b"),
    # a dateline inside the lead, after a photo caption glued to it:
    # "... Photo courtesy of BERNAMA. KUALA LUMPUR, June 25 (NNN-BERNAMA) — Radio ..."
    "dateline in the text": re.compile(
        rf"\b[A-Z][A-Z .'-]{{2,30}}, (?i:{_MONTH_ALT})\.? \d{{1,2}} \((?P<agency>(?i:{_AGENCY_ALT}))\)"
    ),
    # "... - Emirates News Agency, WAM –" closing a paragraph
    "dash credit": re.compile(rf"[-–—]\s*(?:[A-Z][\w ]{{2,40}},\s*)?(?P<agency>{_OPEN})\s*[-–—]?\s*$"),
}

# --- boilerplate lines -----------------------------------------------------------------

# How a photo caption ends: its credit (the rule "photo caption" below; matched from the end).
PHOTO_CAPTION_END = (
    rf"[.)]\s*\(?(?:{_AGENCY_ALT}|fp|ht|file) (?:photo|photos|image|picture)(?:/[\w .]+)?\)?\.?"
    r"|\s(?:photo|photos|image|picture|pic)(?: courtesy of| courtesy| credit| by)?\s*[:|]\s*[\w .'’&/-]{2,40}\.?"
    r"|\((?:photo|image|pic)s?:? [^()]{2,40}\)\.?"
    r"|\s(?-i:REUTERS|AFP|AP|EPA|EPA-EFE|PTI|ANI|IANS|XINHUA|AAP|DPA|Getty Images)/"
    r"(?-i:[A-Z][\w'’-]*(?: [A-Z][\w'’-]*){0,3})(?:/File Photo)?\.?"
    r"|\bphotos? courtesy of [\w .'’&/-]{2,60}\.?"
    r"|\b(?:illustrative|representational|representative|file) (?:photo|image|picture)\.?"
)
PHOTO_CAPTION_END_RE = re.compile(rf"(?:{PHOTO_CAPTION_END})$", re.IGNORECASE)

# A line is dropped when it matches one of these in full (case-insensitive); the name
# is what `wire explain` shows. Anchored and length-capped so a real sentence that
# mentions the word stays.
BOILERPLATE_RULES = {
    # ad labels between paragraphs (the seed's "Advertisment" misspelling included)
    "ad label": r"[-–—\s]*advertis(?:e)?ments?(?:\s*[·|:–—-]?\s*(?:scroll|continue)\b.{0,40})?[\W_]*|advertising|advt\.?|ads?|gms ads|ad banner|top banner|sponsored(?: content)?|promoted(?: content)?",
    "continues below": r"(?:story|article) continues (?:below|after)(?: this)?(?: (?:ad|advertisement))?|(?:continue|scroll(?: down)?) (?:reading|to continue)(?: (?:below|with content|the story))?",
    # cross-links to other stories
    "cross-link": r"(?:also read|read also|also see|also watch|watch|read more|read next|must read|related(?: stories| news| articles)?|recommended(?: stories)?|full story|more stories|top stories|latest news|most popular|most read|trending(?: now)?|back to top(?: button)?)\s*(?:[:|\-–—>»].{0,250})?",
    # "For the latest news, follow us on ..." and similar calls to action
    "call to action": r"for (?:more|the latest|all the latest|latest|breaking)\b.{0,60}?,? (?:follow|download|subscribe|visit|click|join)\b.{0,150}|click here\b.{0,200}|catch all the .{0,200}(?:news|updates).{0,200}|get the latest updates in .{0,200}",
    # social prompts
    "social prompt": r"(?:follow|join) (?:us|@\w+|[\w ]{1,30}) on .{0,40}\b(?:twitter|facebook|instagram|linkedin|youtube|telegram|whatsapp|google news|threads|koo|sharechat|x)\b.{0,80}|follow us on\W*.{0,60}",
    "share prompt": r"(?:share|share this|share on|share via|tweet|email|e-mail|print|whatsapp|facebook|twitter|linkedin|reddit|pinterest|telegram|copy link|copy url)(?: (?:article|story|this|this article|link|page))?\s*:?",
    "page prompt": r"save (?:story|article)|saved|leave a (?:comment|reply)|post (?:a )?comment|add (?:a )?comment|be the first to (?:comment|like this)|(?:\d+\s+)?comments?|no comments(?: yet)?:?|support (?:our|independent) journalism.{0,120}|tap here to turn on desktop notifications.{0,120}|skip to (?:main )?content|home(?: ?[»>|/] ?.{0,60})?|home blog(?: page \d+)?|menu|search|log ?in|sign in|subscribe|loading\W*|error|print edition|e-?paper|listen to (?:this )?(?:article|story).{0,40}|\d+ min(?:ute)?s? read|font size.{0,20}|text size.{0,20}|a\+? ?a-?|\d+|[•·|\-–—*#\s]+|(?:[•·|]\s*)?updated",
    # the page's footer and widget headings
    "site footer": r"(?:copyright\s*)?(?:©|\(c\))?\s*(?:\d{4}\s*)?[\w .,&'’-]{0,60}all rights reserved\.?.{0,80}|privacy policy|terms (?:of (?:use|service)|and conditions)|cookie (?:policy|settings)|contact us|about us|(?:tags?|topics?|keywords|categories|filed under)\s*:.{0,200}|you (?:may|might) also like\W*|recommended for you|more from .{2,40}|don'?t miss\W*",
    # comment forms under the story
    "comment form": r"your email address will not be published\.?.{0,80}|required fields are marked\s*\*?.{0,40}|(?:name|email|website|comment)\s*\*?|save my name, email, and website .{0,80}|notify me of .{0,80}|post comment|submit|cancel reply",
    # subscription and newsletter prompts
    "subscribe prompt": r"(?:subscribe|sign up|signup|register)\b.{0,100}\b(?:newsletters?|updates|alerts|channel|feed|subscription|free|now|here|today|account|inbox)\b.{0,60}|(?:get|download|install) (?:the|our) [\w ]{0,40}\bapp\b(?: (?:for|to|on|from|now|here|today)\b[^,;]{0,80})?[.!]?",
    # syndication disclaimers in their many forms
    "syndication disclaimer": r"\(?(?:disclaimer\s*:?\s*)?(?:this (?:story|article|report|news|copy|content|is an)|only the headline|(?:except for the headline, )?this story).{0,200}(?:syndicated|auto-generated|auto generated|unedited|sourced from|third[- ]party|agency feed|wire feed|news service).{0,200}|\(?disclaimer\s*:.{0,300}|\(?(?:this|the) (?:story|article|report) (?:has not been|was not) edited.{0,200}",
    "contributor credit": rf"(?:{_AGENCY_ALT}|associated press) (?:writers?|reporters?|correspondents?|photographers?)\b.{{0,200}}\bcontributed\b.{{0,60}}",
    "with inputs from": r"\(?(?:with )?inputs? from [\w ,&/.-]{1,60}\)?\.?",
    "published in": r"published in (?:the )?[\w .'’&-]{2,40},? (?:on )?(?:\w+,? )?(?:\w+ \d{1,2}(?:st|nd|rd|th)?|\d{1,2}(?:st|nd|rd|th)? \w+),? \d{4}\.?|\((?:first |originally )?published in (?:the )?[\w .'’&-]{2,60}\)\.?|the post .{5,200} appeared first on .{2,80}",
    # privacy notices of newsletter boxes, feed-reader footers ("from Kashmir Life https://...", "via IFTTT")
    "privacy notice": r"(?:we will use your email|we use your sign-up|by (?:signing up|subscribing|clicking)|see our privacy (?:notice|policy)).{0,300}",
    "feed footer": r"(?:from|via) [\w .'’&-]{2,60}\s*https?://\S+|via ifttt.{0,80}",
    "trust principles": r"our standards:? the thomson reuters trust principles\.?|(?:the )?thomson reuters trust principles\.?",
    # photo credits and captions standing alone
    "photo credit": rf"(?:file )?(?:photo|image|picture)s?\s*:\s*.{{10,300}}|\(?(?:photo|image|picture|file photo|file image|representational (?:image|photo|picture)|representative (?:image|photo|picture)|pic|visual|photograph)s?(?: credits?| courtesy(?: of)?)?\s*(?:[:|/\-–—(].{{0,100}})?\)?|\(?(?:{_AGENCY_ALT}|fp|ht|ie|toi|express|dawn|file) (?:photo|photos|file photo|image|picture|video|photo/[\w .]+)\)?|©\s*.{{0,60}}|\(?(?:photo|image)s?\)?|(?:{_AGENCY_ALT})\s*/\s*[\w .'’-]{{2,40}}|(?:©\s*)?provided by .{{0,60}}",
    # a caption: a sentence ending in its credit ("... on Monday. (PTI Photo)", "Photo: Amin War",
    # "REUTERS/Nick Oxford/File Photo", "Photo courtesy of BERNAMA", "Illustrative photo.")
    "photo caption": rf".{{10,300}}(?:{PHOTO_CAPTION_END})|(?!\|).{{1,150}}\s\|",
    # bylines, edit stamps and timestamps standing alone
    # (names must be capitalised even though the rest of the match ignores case)
    "byline": r"(?:by|written by|edited by|reported by|compiled by|published by)\s*:?\s*(?-i:[A-Z][\w.'’\-]*(?:\s+(?:[A-Z][\w.'’\-]*|and|&))*)(?:\s*[,|]\s*(?-i:[A-Z][\w .'’\-]{1,40}))?",
    "stamp": r"(?:first published|last updated|updated|published|posted|modified)(?: on| at)?\s*:\s*.{0,40}\d{4}.{0,30}|(?:first published|last updated|updated|published|posted) (?:on|at) [\w ,.]{0,30}\d{4}(?:,? \d{1,2}[:.]\d{2}(?: ?[ap]\.?m\.?)?(?: [A-Z]{2,4})?)?|(?:updated|posted|published)?:?\s*(?:\d+\s*(?:sec|secs|seconds?|min|mins|minutes?|hr|hrs|hours?|days?|weeks?)\s*)+ago",
}
# All rules in one pattern, one named group each (so a line is matched once, not 20 times);
# the caption rules, which scan the whole line, only for lines holding one of their words.
CAPTION_RULES = ("photo caption", "contributor credit")  # matched last, and only with a hint
CAPTION_HINT_RE = re.compile(r"photo|image|picture|\bpic|courtesy|contributed|/|\|\s*$", re.IGNORECASE)


def _one_pattern(names: list[str]) -> re.Pattern[str]:
    return re.compile(
        "|".join(f"(?P<r{i}>{BOILERPLATE_RULES[n]})" for i, n in enumerate(names)), re.IGNORECASE
    )


_LINE_RULES = [n for n in BOILERPLATE_RULES if n not in CAPTION_RULES]
BOILERPLATE_LINE_RE = _one_pattern(_LINE_RULES)
BOILERPLATE_LINE_GROUPS = {f"r{i}": n for i, n in enumerate(_LINE_RULES)}
BOILERPLATE_CAPTION_RE = _one_pattern(list(CAPTION_RULES))
BOILERPLATE_CAPTION_GROUPS = {f"r{i}": n for i, n in enumerate(CAPTION_RULES)}
# A news ticker: headlines each closed by its source, "... killed 25 persons: Police. FIR
# registered ...: police. ...: Statement." (any length; counted, not matched in full).
TICKER_ITEM_RE = re.compile(r":\s*(?:[A-Za-z]+\s?){1,3}\.(?=\s+[A-Z]|\s*$)")
MIN_TICKER_ITEMS = 3
# (Only the two combined patterns above are compiled: each rule alone and all in one
# more pattern, used nowhere, were 30 ms of every `wire add`'s start.)
BOILERPLATE_PATTERNS = list(BOILERPLATE_RULES.values())
# A stand-alone line longer than this is prose, whatever it starts with.
MAX_BOILERPLATE_CHARS = 400
