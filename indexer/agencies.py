"""News agencies as data: canonical name, the names copy credits them by, sign-off forms.

One table; every agency pattern in indexer.rules and indexer.credits is built from it,
so a new agency is one row. Names are matched case-sensitively ("AP", "UNI", "PA" are
words in lower case); full names ("Associated Press") also in any case.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Sign-off forms an agency's copy ends with (see rules.SIGNOFF_PATTERNS):
DESK_SLUG = "desk-slug"  # "... countries. PTI MPB KVK KVK", "UNI AKS SW 1518"
DASH = "dash"  # "-- IANS", "— AFP", "-- BERNAMA"
BRACKET = "bracket"  # "... lights. (ANI)"
GLUED = "glued"  # "...on Monday.APP", "...said.-DNA"
BARE = "bare"  # "Reuter" / "Reuters" alone after the last sentence
COPYRIGHT = "copyright"  # "Copyright APP (Associated Press of Pakistan), 2022"


@dataclass(frozen=True)
class Agency:
    """One agency: the name we index, the names it is credited by, its sign-off forms."""

    name: str
    credited: tuple[str, ...]
    signoffs: tuple[str, ...] = (DASH, BRACKET, COPYRIGHT)


AGENCIES: tuple[Agency, ...] = (
    Agency("PTI", ("PTI", "Press Trust of India"), (DESK_SLUG, DASH, BRACKET, COPYRIGHT)),
    Agency("IANS", ("IANS", "Indo-Asian News Service"), (DESK_SLUG, DASH, BRACKET, COPYRIGHT)),
    Agency("ANI", ("ANI", "Asian News International"), (DESK_SLUG, DASH, BRACKET, COPYRIGHT)),
    Agency("UNI", ("UNI", "United News of India"), (DESK_SLUG, DASH, BRACKET, COPYRIGHT)),
    Agency("Reuters", ("Reuters", "REUTERS", "Reuter", "REUTER", "Thomson Reuters"), (BARE, DASH, BRACKET)),
    Agency("AP", ("AP", "Associated Press", "The Associated Press", "ASSOCIATED PRESS")),
    Agency("AFP", ("AFP", "Agence France-Presse", "Agence France Presse")),
    Agency("Xinhua", ("Xinhua", "XINHUA", "Xinhua News Agency")),
    Agency("APP", ("APP", "Associated Press of Pakistan"), (DASH, BRACKET, GLUED, COPYRIGHT)),
    Agency("IBNS", ("IBNS", "India Blooms News Service")),
    Agency("TNS", ("TNS", "Tribune News Service")),
    Agency("NNN", ("NNN", "Namibian News Network")),
    Agency("Bernama", ("Bernama", "BERNAMA", "NNN-BERNAMA", "Malaysian National News Agency")),
    Agency("Anadolu", ("Anadolu", "Anadolu Agency", "AA")),
    Agency("Yonhap", ("Yonhap", "YONHAP", "Yonhap News Agency")),
    Agency("Kyodo", ("Kyodo", "KYODO", "Kyodo News")),
    Agency("dpa", ("dpa", "DPA", "Deutsche Presse-Agentur")),
    Agency("EFE", ("EFE", "Agencia EFE")),
    Agency("ANSA", ("ANSA",)),
    Agency("KUNA", ("KUNA", "Kuwait News Agency")),
    Agency("WAM", ("WAM", "Emirates News Agency")),
    Agency("SPA", ("SPA", "Saudi Press Agency")),
    Agency("IRNA", ("IRNA", "Islamic Republic News Agency")),
    Agency("TASS", ("TASS", "ITAR-TASS")),
    Agency("Interfax", ("Interfax", "INTERFAX")),
    Agency("UPI", ("UPI", "United Press International")),
    Agency("Bloomberg", ("Bloomberg",)),
    Agency("CP", ("CP", "Canadian Press", "The Canadian Press")),
    Agency("AAP", ("AAP", "Australian Associated Press")),
    Agency("PA", ("PA", "PA Media", "Press Association")),
    Agency("BSS", ("BSS", "Bangladesh Sangbad Sangstha")),
    Agency("PNA", ("PNA", "Philippine News Agency")),
    Agency("NINA", ("NINA", "National Iraqi News Agency")),
    Agency("Lusa", ("Lusa", "LUSA", "Agência Lusa"), (BARE, DASH, BRACKET)),
    Agency("DNA", ("DNA",), (GLUED, DASH)),  # Pakistan's Diplomatic News Agency: "...said.-DNA"
    Agency("NNI", ("NNI",), (GLUED, DASH)),  # News Network International (Pakistan)
    Agency("KNO", ("KNO",), (DASH, BRACKET)),  # Kashmir News Observer
)

# Names too short or too common to be read anywhere but in a dateline's brackets or
# a sign-off: "AA" and "DNA" in prose are not agencies.
BRACKET_ONLY = {"AA", "DNA", "NNI", "KNO"}

# credited spelling -> canonical name
AGENCY_NAMES: dict[str, str] = {n: a.name for a in AGENCIES for n in a.credited}
AGENCY_NAMES_LOWER: dict[str, str] = {n.lower(): a.name for a in AGENCIES for n in a.credited}


def alternation(names: list[str] | set[str]) -> str:
    """A regex alternation of names, longest first (so "Reuters" wins over "Reuter")."""
    return "|".join(sorted(map(re.escape, names), key=len, reverse=True))


def names_with(form: str) -> list[str]:
    """Every credited name of the agencies that sign off in `form`."""
    return [n for a in AGENCIES if form in a.signoffs for n in a.credited]


AGENCY_ALT = alternation(list(AGENCY_NAMES))
# names that may stand outside brackets (bylines, credit lines, "With inputs from")
OPEN_AGENCY_ALT = alternation([n for n in AGENCY_NAMES if n not in BRACKET_ONLY])


def normalise_agency(name: str) -> str:
    """Canonical agency name for a spelling found in copy ("NNN-BERNAMA" -> "Bernama")."""
    name = " ".join(name.split()).strip(" .,;:()-–—")
    return AGENCY_NAMES.get(name) or AGENCY_NAMES_LOWER.get(name.lower(), name)


def is_agency_name(text: str) -> bool:
    """True when `text` is an agency name as credited, e.g. "Associated Press"."""
    text = " ".join(text.split()).strip(" .,;:()")
    return text in AGENCY_NAMES or (len(text) > 4 and text.lower() in AGENCY_NAMES_LOWER)
