"""Wire-copy rules as data: agencies, datelines, sign-offs and boilerplate lines.

One place for the patterns (as trafilatura keeps its XPaths in one module); each
has a comment on what it catches, so a new site's junk is one line to add.
indexer.wire applies them.
"""

from __future__ import annotations

import re

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
